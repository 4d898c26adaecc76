"""Class-server fixtures: a throwaway PostgreSQL cluster, a real server process with a class of three learners, and
Debian's chromium driven by Playwright for the pages (pointed at ``/usr/bin/chromium``, which ``make test`` installs
with apt; Playwright never downloads a browser of its own).

Storage tests run on both databases: parametrise ``room`` (a running server)
or ``database`` (a URL, None for SQLite) with :data:`BACKENDS`, indirectly.
Everything else runs on SQLite only, to keep the suite's time in check; the
tests of several web nodes and a Dask cluster (marked ``cluster``) run once,
on PostgreSQL, as a school would run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.server.dask_cluster import DaskScheduler
from tests.server.helpers import LiveServer, classroom, open_store, spoken
from tests.server.postgres import PostgresCluster, PostgresError
from tui.paths import DEMO_PACK
from tui.server.packs import publish

ON_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def need_chromium() -> None:
    """Skip the test when chromium is not installed (a failure on CI, where ``make test`` installs it)."""
    if not CHROMIUM.exists():
        if ON_CI:
            pytest.fail("chromium must be installed on CI (make test installs it with apt)")
        pytest.skip("no /usr/bin/chromium: run `make test` as root, or apt-get install chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium for a test module."""
    need_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies), 1100 px wide."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test run, on a random port of 127.0.0.1; on CI failing to start it fails."""
    try:
        cluster = PostgresCluster().start()
    except PostgresError as exc:
        if ON_CI:
            pytest.fail(f"PostgreSQL must run on CI (make test installs it): {exc}")
        pytest.skip(f"no PostgreSQL for the tests on this machine: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskScheduler]:
    """A ``dask scheduler`` process of this test run on a free port of 127.0.0.1 (tests start and stop its workers)."""
    scheduler = DaskScheduler(tmp_path_factory.mktemp("dask")).start()
    yield scheduler
    scheduler.stop()


def _database(request: pytest.FixtureRequest) -> str | None:
    backend = getattr(request, "param", "sqlite")
    assert backend in BACKENDS, backend
    if backend == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database()


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str | None:
    """A new, empty database for one test: None (SQLite in the data dir) or a PostgreSQL URL (``param`` says which)."""
    return _database(request)


@dataclass
class Classroom:
    """A running server and what tests need to talk to it."""

    server: LiveServer
    data_dir: Path
    database: str | None
    admin: str
    teacher: str
    learners: dict[str, str]
    takes: Path

    def take(self, text: str = "Good morning", *, rate: int | None = None, suffix: str = ".wav") -> Path:
        """A spoken take of ``text`` (cached per text, rate and format)."""
        path = self.takes / f"{'-'.join(text.lower().split())}-{rate}{suffix}"
        return path if path.exists() else spoken(path, text, rate=rate)


@pytest.fixture(scope="module")
def room(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Classroom]:
    """One server for a test module: class "Class 1" with learners Ana, Ben and Cleo; ``en-basics`` published.

    On SQLite unless the module parametrises it with :data:`BACKENDS` (``indirect=True``).
    """
    base = tmp_path_factory.mktemp("classroom")
    data_dir = base / "data"
    database = _database(request)
    tokens = classroom(data_dir, ["Ana", "Ben", "Cleo"], database=database)
    db = open_store(data_dir, database)
    publish(db, DEMO_PACK)
    db.close()
    server = LiveServer(data_dir, base / "server-tmp", database=database).start()
    try:
        yield Classroom(server, data_dir, database, tokens.admin, tokens.teacher, tokens.learners, base / "takes")
    finally:
        server.stop()

"""Class-server fixtures: a real server process with a teacher, three learners and the demo pack published."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.helpers import LiveServer, classroom, spoken
from tui.paths import DEMO_PACK
from tui.server.db import Database, server_root
from tui.server.packs import publish


@dataclass
class Classroom:
    """A running server and what tests need to talk to it."""

    server: LiveServer
    data_dir: Path
    teacher: str
    learners: dict[str, str]
    takes: Path

    def take(self, text: str = "Good morning", *, rate: int | None = None, suffix: str = ".wav") -> Path:
        """A spoken take of ``text`` (cached per text, rate and format)."""
        path = self.takes / f"{'-'.join(text.lower().split())}-{rate}{suffix}"
        return path if path.exists() else spoken(path, text, rate=rate)


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Classroom]:
    """One server for a test module: learners Ana, Ben and Cleo; ``en-basics`` published."""
    base = tmp_path_factory.mktemp("classroom")
    data_dir = base / "data"
    teacher, learners = classroom(data_dir, ["Ana", "Ben", "Cleo"])
    db = Database(server_root(data_dir))
    publish(db, DEMO_PACK)
    db.close()
    server = LiveServer(data_dir, base / "server-tmp").start()
    try:
        yield Classroom(server, data_dir, teacher, learners, base / "takes")
    finally:
        server.stop()

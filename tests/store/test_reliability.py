"""The store under stress, with real processes, real SQLite, a real full disk and a real non-root user."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fill_disk
from tests.store.helpers import save, write_take
from tui.errors import StoreError
from tui.store import AttemptStore
from tui.store.attempts import DB_NAME

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534


def _saver(data_dir: Path, count: int, phrase: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.saver", str(data_dir), str(count), phrase],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _row_count(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=15)
    try:
        return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _assert_consistent(data_dir: Path) -> AttemptStore:
    """The store opens clean, every row's file exists, and after reconcile every file has a row."""
    store = AttemptStore(data_dir)
    with store._reading() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    attempts = store.attempts()
    assert all(a.audio.is_file() for a in attempts), [a.audio for a in attempts if not a.audio.is_file()]
    report = store.reconcile()
    assert report.missing == ()
    on_disk = {p for p in store.recordings_dir.rglob("*") if p.is_file()} - set(store.incoming_dir.rglob("*"))
    on_disk -= set(store.orphans_dir.rglob("*"))
    assert on_disk == {a.audio for a in attempts}
    return store


OPENER = """
import sys, time
from pathlib import Path
from tui.store.schema import connect
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
for path in sys.argv[2:]:
    connect(Path(path)).close()
"""


def test_processes_creating_the_database_at_the_same_moment_all_open_it(tmp_path: Path) -> None:
    """Before the fix some of these opens failed at once with "database is locked" (2 of 180 measured)."""
    go, paths = tmp_path / "go", [str(tmp_path / f"{n}.sqlite3") for n in range(60)]
    children = [
        subprocess.Popen([sys.executable, "-c", OPENER, str(go), *paths], cwd=REPO, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    time.sleep(1.0)  # all three have imported and wait
    go.touch()
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err


def test_two_processes_saving_200_each_make_400_rows(tmp_path: Path) -> None:
    data = tmp_path / "data"
    children = [_saver(data, 200, phrase) for phrase in ("left", "right")]
    results = [child.communicate(timeout=240) for child in children]
    for child, (_, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err
    store = _assert_consistent(data)
    attempts = store.attempts()
    assert len(attempts) == 400
    assert len({a.id for a in attempts}) == len({a.audio for a in attempts}) == 400
    assert sum(a.phrase_id == "left" for a in attempts) == sum(a.phrase_id == "right" for a in attempts) == 200


def test_kill_9_during_a_save_loop_leaves_a_clean_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(5)
    for round in range(3):
        target = _row_count(data / DB_NAME) + rng.randint(5, 40)
        child = _saver(data, 100_000, f"round-{round}")
        deadline = time.monotonic() + 60
        while _row_count(data / DB_NAME) < target and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, "the saver ended before it was killed"
        _assert_consistent(data).close()
    assert _row_count(data / DB_NAME) >= 15


def test_a_full_disk_reaches_the_user_and_keeps_the_take(small_disk: Path) -> None:
    store = AttemptStore(small_disk / "data")
    first = save(store, write_take(store.incoming_dir))
    pending = write_take(store.incoming_dir)
    content = pending.read_bytes()
    filler = fill_disk(small_disk / "filler")

    with pytest.raises(StoreError, match=rf"full.*the take was not saved.*recording is kept at {pending}"):
        save(store, pending)
    assert store.attempts() == [first]
    assert pending.read_bytes() == content
    assert {p for p in store.recordings_dir.rglob("*") if p.is_file()} == {first.audio, pending}

    filler.unlink()
    second = save(store, pending)
    assert second.audio.read_bytes() == content
    assert [a.id for a in store.attempts()] == [first.id, second.id]
    store.close()


@pytest.fixture
def shared_dir(as_root: None) -> Iterator[Path]:
    """A folder any user can reach (pytest's tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="pronounce-store-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _as_nobody(action: Callable[[], Any]) -> Any:
    """Run ``action`` in a forked child that dropped root for ``nobody``; its result or error."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result: Any = action()
        except BaseException as exc:
            result = exc
        with os.fdopen(write, "wb") as out:
            pickle.dump(result, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        result = pickle.load(pipe)
    os.waitpid(pid, 0)
    return result


def _chown_tree(root: Path, uid: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, uid)


def test_a_recordings_folder_without_permission_reaches_the_user(shared_dir: Path) -> None:
    data = shared_dir / "data"
    with AttemptStore(data) as store:
        first = save(store, write_take(store.incoming_dir))
        pending = write_take(store.incoming_dir)
    _chown_tree(data, NOBODY)
    os.chown(first.audio.parent, 0, 0)

    def attempt_save() -> tuple[str, list[int]]:
        with AttemptStore(data) as mine:
            try:
                save(mine, pending)
            except StoreError as exc:
                return str(exc), [a.id for a in mine.attempts()]
        return "saved", []

    message, ids = _as_nobody(attempt_save)
    assert "Permission denied" in message and "the take was not saved" in message
    assert f"the recording is kept at {pending}" in message
    assert ids == [first.id]
    assert pending.is_file()


def test_a_database_without_permission_reaches_the_user(shared_dir: Path) -> None:
    data = shared_dir / "data"
    with AttemptStore(data) as store:
        first = save(store, write_take(store.incoming_dir))
        pending = write_take(store.incoming_dir)
    _chown_tree(data, NOBODY)
    os.chown(data / DB_NAME, 0, 0)
    before = (data / DB_NAME).read_bytes()

    def attempt_save() -> str:
        with AttemptStore(data) as mine:
            save(mine, pending)
        return "saved"

    error = _as_nobody(attempt_save)
    assert isinstance(error, StoreError)
    assert str(error).startswith(f"cannot write the attempts database {data / DB_NAME}")
    assert "writable by you" in error.hint
    assert pending.is_file()
    assert (data / DB_NAME).read_bytes() == before
    with AttemptStore(data) as store:
        assert store.attempts() == [first]


def test_a_full_disk_while_copying_leaves_no_partial_file(small_disk: Path, tmp_path: Path) -> None:
    store = AttemptStore(small_disk / "data")
    first = save(store, write_take(store.incoming_dir))
    outside = write_take(tmp_path / "outside", seconds=2.0)
    fill_disk(small_disk / "filler")

    with pytest.raises(
        StoreError, match=rf"No space left on device.*free some disk space; the recording is kept at {outside}"
    ):
        save(store, outside)
    assert store.attempts() == [first]
    assert {p for p in store.recordings_dir.rglob("*") if p.is_file()} == {first.audio}
    assert outside.is_file()
    store.close()


def test_incoming_on_another_file_system_is_copied_then_removed(small_disk: Path, tmp_path: Path) -> None:
    store = AttemptStore(tmp_path / "data")
    store.incoming_dir.mkdir(parents=True)
    subprocess.run(["mount", "--bind", str(small_disk), str(store.incoming_dir)], check=True)
    try:
        pending = write_take(store.incoming_dir)
        content = pending.read_bytes()
        attempt = save(store, pending)
        assert not pending.exists()
        assert attempt.audio.read_bytes() == content
        assert not list(attempt.audio.parent.glob("*.part"))
    finally:
        store.close()
        subprocess.run(["umount", str(store.incoming_dir)], check=True)

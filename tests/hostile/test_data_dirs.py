"""Data dirs and databases that are not what they seem: each hazard its own true message, nothing followed out.

A database that is a link (to ``/dev/zero``, to a missing file outside), an
empty file, a pipe or a folder is refused before SQLite opens it: no
``/dev/zero-journal``, no database created elsewhere, no history silently
started over with every recording filed under ``orphans/``. Links inside the
recordings folder are never followed: nothing outside the data dir is moved.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, assert_refused, assert_worked
from tests.hostile.world import World
from tests.store.helpers import save, write_take
from tui.store import AttemptStore

DB = "attempts.sqlite3"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with three attempts, copied by each case."""
    folder = tmp_path_factory.mktemp("template") / "data"
    with AttemptStore(folder) as store:
        for phrase in ("hello", "bye", "hello"):
            save(store, write_take(store.incoming_dir), pack="world-pack", phrase=phrase)
    return folder


def _sql(data: Path, statement: str) -> None:
    conn = sqlite3.connect(data / DB)
    with conn:
        conn.execute(statement)
    conn.close()


def _replace_db(data: Path, make: Callable[[Path], None]) -> None:
    (data / DB).unlink()
    make(data / DB)


HAZARDS: dict[str, tuple[Callable[[Path, World], None], str]] = {
    # name: (what is done to a copy of the data dir, what the one line says)
    "link-to-dev-zero": (lambda d, w: _replace_db(d, lambda p: p.symlink_to("/dev/zero")),
                         "is a symbolic link (to /dev/zero)"),
    "link-to-missing-outside": (lambda d, w: _replace_db(d, lambda p: p.symlink_to(w.victim / "new.sqlite3")),
                                "which does not exist"),
    "link-to-a-database-outside": (lambda d, w: _replace_db(d, lambda p: p.symlink_to(w.victim / "victim.txt")),
                                   "is a symbolic link (to"),
    "empty-file": (lambda d, w: _replace_db(d, lambda p: p.write_bytes(b"")), "is empty (0 bytes)"),
    "fifo": (lambda d, w: _replace_db(d, os.mkfifo), "is a named pipe (FIFO), not a database file"),
    "folder": (lambda d, w: _replace_db(d, lambda p: p.mkdir()), "is a folder, not a database file"),
    "garbage": (lambda d, w: _replace_db(d, lambda p: p.write_bytes(b"garbage " * 1000)), "is damaged"),
    "text-file": (lambda d, w: _replace_db(d, lambda p: p.write_text("SQLite format 3 but not\n" * 200)), "is damaged"),
    "truncated": (lambda d, w: (d / DB).write_bytes((d / DB).read_bytes()[:1000]), "is damaged"),
    "negative-schema": (lambda d, w: _sql(d, "PRAGMA user_version = -5"), "its schema version is -5"),
    "newer-schema": (lambda d, w: _sql(d, "PRAGMA user_version = 999"), "was written by a newer pronounce (schema 999"),
    "foreign-attempts-table": (lambda d, w: _replace_db(d, lambda p: _foreign(p)), "has an attempts table but no schema version"),
    "column-dropped": (lambda d, w: _sql(d, "ALTER TABLE attempts DROP COLUMN lang"), "no such column: lang"),
    "attempts-renamed": (lambda d, w: _sql(d, "ALTER TABLE attempts RENAME TO old_attempts"), "no such table: attempts"),
    "wal-link": (lambda d, w: (d / f"{DB}-wal").symlink_to(w.victim / "victim.txt"), f"{DB}-wal is a symbolic link"),
    "journal-link": (lambda d, w: (d / f"{DB}-journal").symlink_to("/dev/zero"), f"{DB}-journal is a symbolic link"),
    "shm-folder": (lambda d, w: (d / f"{DB}-shm").mkdir(), f"{DB}-shm is a folder"),
}
"""Databases no command may open."""


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE attempts (x)")
    conn.close()


COMMANDS = {
    "review": ["review"],
    "review-json": ["review", "--json"],
    "review-export": ["review", "--export", "{tmp}/out/x.csv"],
    "review-delete": ["review", "--delete", "1"],
    "review-rescore": ["review", "--rescore"],
    "sync-status": ["sync", "--status"],
}


def _data(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "data", symlinks=True))


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("hazard", sorted(HAZARDS))
def test_a_database_that_must_not_be_opened_is_one_true_line(harness: Harness, world: World, template: Path,
                                                              tmp_path: Path, hazard: str, command: str) -> None:
    data = _data(template, tmp_path)
    make, says = HAZARDS[hazard]
    make(data, world)
    before = Unchanged(world.root, world.victim, tmp_path)
    journal = _stat(Path("/dev/zero-journal"))
    ran = harness.run([arg.format(tmp=tmp_path) for arg in COMMANDS[command]], env={"PRONOUNCE_DATA_DIR": str(data)})
    line = assert_refused(ran, says)
    assert "the disk holding" not in line and "writable" not in line, "neither the disk nor permissions are to blame"
    before.check()
    assert _stat(Path("/dev/zero-journal")) == journal, "SQLite wrote a journal beside /dev/zero"


def _stat(path: Path) -> tuple[int, int] | None:
    """Size and modification time of ``path`` (None when it does not exist)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns


DATA_DIRS: dict[str, tuple[Callable[[World, Path], str], str]] = {
    "empty": (lambda w, t: "", "--data-dir is empty"),
    "blank": (lambda w, t: "  ", "--data-dir is empty"),
    "a-file": (lambda w, t: w.paths["a_file"], "is a file"),
    "a-fifo": (lambda w, t: w.paths["fifo"], "is a named pipe (FIFO), not a folder"),
    "under-a-file": (lambda w, t: w.paths["a_file"] + "/data", "Not a directory"),
    "unknown-user": (lambda w, t: "~nouser-xyz/data", "unknown user's home folder"),
    "in-proc": (lambda w, t: "/proc/pronounce-data", "cannot create the data dir"),
    "link-loop": (lambda w, t: _loop(t), "cannot create the data dir"),
}
"""``--data-dir`` values that name no usable folder."""


def _loop(tmp_path: Path) -> str:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    return str(tmp_path / "loop")


@pytest.mark.parametrize(("name", "command"), [
    (name, command) for name in sorted(DATA_DIRS) for command in ("review-delete", "review-rescore", "sync-status")
    if (name, command) != ("in-proc", "review-rescore")  # a data dir that does not exist has no attempts: nothing to refuse
])
def test_a_data_dir_that_is_no_folder_is_one_line(harness: Harness, world: World, tmp_path: Path, name: str,
                                                  command: str) -> None:
    make, says = DATA_DIRS[name]
    folder = make(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--data-dir", folder, *(arg.format(tmp=tmp_path) for arg in COMMANDS[command])])
    assert_refused(ran, says)
    before.check()


def test_an_empty_database_with_recordings_is_not_a_new_history(harness: Harness, template: Path, tmp_path: Path) -> None:
    data = _data(template, tmp_path)
    (data / DB).write_bytes(b"")
    recordings = sorted(p.relative_to(data) for p in (data / "recordings").rglob("*") if p.is_file())
    assert_refused(harness.run(["review"], env={"PRONOUNCE_DATA_DIR": str(data)}), "is empty (0 bytes)")
    assert sorted(p.relative_to(data) for p in (data / "recordings").rglob("*") if p.is_file()) == recordings
    assert not (data / "recordings" / "orphans").exists()


@pytest.mark.parametrize("link", ["recordings/linked", "recordings/world-pack/linked", "recordings/orphans"])
@pytest.mark.parametrize("command", ["review", "review-json", "review-rescore"])
def test_a_link_in_the_recordings_folder_never_brings_outside_files_in(harness: Harness, world: World, template: Path,
                                                                       tmp_path: Path, link: str, command: str) -> None:
    data = _data(template, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(world.paths["ref"], outside / "precious.flac")
    (outside / "notes.txt").write_text("mine")
    (data / link).parent.mkdir(parents=True, exist_ok=True)
    (data / link).symlink_to(outside, target_is_directory=True)
    stray = write_take(data / "recordings" / "world-pack")  # a real orphan, to be set aside
    before = Unchanged(world.root, world.victim, outside)
    ran = harness.run(COMMANDS[command], env={"PRONOUNCE_DATA_DIR": str(data)})
    before.check()
    if link == "recordings/orphans":
        assert_refused(ran, "is a link out of")
        assert stray.is_file()
    else:
        assert_worked(ran)
        assert not stray.exists() and (data / "recordings" / "orphans" / "world-pack" / stray.name).is_file()
    assert (data / link).is_symlink()


def test_a_take_is_never_saved_through_a_link_out_of_the_recordings(template: Path, tmp_path: Path) -> None:
    data = _data(template, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(data / "recordings" / "world-pack")
    (data / "recordings" / "world-pack").symlink_to(outside, target_is_directory=True)
    with AttemptStore(data) as store:
        take = write_take(store.incoming_dir)
        with pytest.raises(Exception, match="is a link out of"):
            save(store, take, pack="world-pack")
        assert take.is_file() and len(store.attempts()) == 3
    assert list(outside.iterdir()) == []


def test_a_dangling_database_link_is_not_an_empty_history(harness: Harness, world: World, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB).symlink_to(world.victim / "gone.sqlite3")
    assert_refused(harness.run(["review"], env={"PRONOUNCE_DATA_DIR": str(data)}), "which does not exist")
    assert not (world.victim / "gone.sqlite3").exists()


@pytest.mark.parametrize("command", [["sync", "--status"], ["logout"]])
def test_an_upload_queue_table_that_was_dropped_is_not_blamed_on_the_disk(harness: Harness, template: Path,
                                                                          tmp_path: Path, command: list[str]) -> None:
    data = _data(template, tmp_path)
    _sql(data, "DROP TABLE outbox")
    line = assert_refused(harness.run(command, env={"PRONOUNCE_DATA_DIR": str(data)}),
                          "its tables are not the ones pronounce writes (no such table: outbox)")
    assert "disk" not in line

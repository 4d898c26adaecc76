"""Schema versions, migration in place, and databases that must not be touched."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.store.helpers import make_score, run_together, save, write_take
from tui.errors import StoreError
from tui.store import AttemptStore
from tui.store.attempts import DB_NAME
from tui.store.schema import SCHEMA_VERSION

# The schema as version 1 of pronounce wrote it, frozen here on purpose.
V1_SCHEMA = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    phrase_id TEXT NOT NULL,
    text TEXT NOT NULL,
    recorder TEXT NOT NULL,
    audio TEXT NOT NULL UNIQUE,
    duration REAL NOT NULL,
    overall REAL NOT NULL,
    accuracy REAL NOT NULL,
    fluency REAL NOT NULL,
    intonation REAL NOT NULL,
    completeness REAL NOT NULL,
    score_json TEXT NOT NULL,
    scorer_version TEXT NOT NULL
);
CREATE INDEX attempts_by_phrase ON attempts (pack_id, phrase_id, id);
PRAGMA user_version = 1;
"""


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_new_database_is_wal_at_the_latest_version(store: AttemptStore) -> None:
    assert _pragma(store.db_path, "user_version") == SCHEMA_VERSION == 6
    assert _pragma(store.db_path, "journal_mode") == "wal"


def test_a_version_1_database_is_migrated_in_place(tmp_path: Path) -> None:
    data = tmp_path / "data"
    recording = write_take(data / "recordings" / "en-basics")
    db = data / DB_NAME
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    score = make_score(64.0, version="old-1")
    conn.execute(
        "INSERT INTO attempts VALUES (7, '2025-01-02T03:04:05+00:00', 'en-basics', '1', 'greeting', 'good morning',"
        " 'mic', ?, 0.2, 64, 62, 65, 60, 100, ?, 'old-1')",
        (recording.relative_to(data).as_posix(), score.to_json()),
    )
    conn.commit()
    conn.close()
    inode = db.stat().st_ino

    with AttemptStore(data) as store:
        [old] = store.attempts()
        assert (old.id, old.score, old.reference_audio, old.words, old.missing) == (7, score, None, (), False)
        assert old.lang == ""  # saved before the language was kept: unknown
        assert old.audio == recording
        new = save(store, write_take(store.incoming_dir), reference=recording)
        assert new.id == 8 and new.reference_audio == recording
        assert store.reconcile().orphans == ()
    assert db.stat().st_ino == inode
    assert _pragma(db, "user_version") == SCHEMA_VERSION


def test_many_openers_of_an_old_database_migrate_it_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME)
    conn.executescript(V1_SCHEMA)
    conn.close()
    assert run_together(4, lambda: AttemptStore(data).close()) == []
    assert _pragma(data / DB_NAME, "user_version") == SCHEMA_VERSION


def test_a_newer_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = (data / DB_NAME).read_bytes()
    with pytest.raises(StoreError, match=rf"written by a newer pronounce \(schema 99, this one knows {SCHEMA_VERSION}\)"):
        AttemptStore(data)
    assert (data / DB_NAME).read_bytes() == before


def test_a_file_that_is_not_a_database_is_named_and_never_overwritten(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / DB_NAME
    db.write_bytes(b"these are not the attempts you are looking for\n" * 200)
    before = db.read_bytes()
    with pytest.raises(StoreError, match=rf"attempts database {db} is damaged .*mv '{db}' '{db}.broken'"):
        AttemptStore(data)
    assert db.read_bytes() == before
    assert sorted(p.name for p in data.iterdir()) == [DB_NAME]


def test_damaged_pages_surface_as_a_store_error(tmp_path: Path, take: Callable[[], Path], store: AttemptStore) -> None:
    for _ in range(30):
        save(store, take())
    store.close()
    db = store.db_path
    raw = bytearray(db.read_bytes())
    raw[4096:] = b"\xde\xad\xbe\xef" * ((len(raw) - 4096) // 4)
    db.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match=rf"attempts database {db} is damaged"):
        AttemptStore(db.parent).attempts()
    assert db.read_bytes() == bytes(raw)

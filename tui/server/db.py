"""The class server's own store: a SQLite database and folders under ``<data-dir>/server/``.

Layout::

    server.sqlite3           tokens, learners, attempts, published packs, web sessions
    recordings/<learner>/    stored takes, named after their client_attempt_id
    incoming/                uploads being received (emptied at start: never half-stored)
    references/              references synthesized with espeak-ng, reused
    packs/<pack>/<n>/        published packs: the n-th publication (pack folder + pack.zip)

Like the attempts store: ``PRAGMA user_version`` migrations, WAL, one
connection per thread, every write in ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.errors import ClassroomError
from tui.store.schema import immediate

SERVER_DIR = "server"
DB_NAME = "server.sqlite3"
BUSY_TIMEOUT_MS = 15_000

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE learners (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT
        )
        """,
        "CREATE UNIQUE INDEX learners_by_name ON learners (name) WHERE removed_at IS NULL",
        """
        CREATE TABLE tokens (
            hash TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('teacher', 'learner')),
            learner_id INTEGER REFERENCES learners (id),
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """,
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            learner_id INTEGER NOT NULL REFERENCES learners (id),
            client_attempt_id TEXT NOT NULL UNIQUE,
            pack_id TEXT NOT NULL,
            pack_version TEXT NOT NULL,
            phrase_id TEXT NOT NULL,
            text TEXT NOT NULL,
            lang TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            audio TEXT NOT NULL,
            audio_bytes INTEGER NOT NULL,
            duration REAL NOT NULL,
            reference TEXT NOT NULL,
            overall REAL NOT NULL,
            score_json TEXT NOT NULL,
            client_score_json TEXT,
            scorer_version TEXT NOT NULL
        )
        """,
        "CREATE INDEX attempts_by_learner ON attempts (learner_id, pack_id, phrase_id, id)",
        "CREATE INDEX attempts_by_phrase ON attempts (pack_id, phrase_id, id)",
        """
        CREATE TABLE packs (
            id TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            language TEXT NOT NULL,
            phrases INTEGER NOT NULL,
            folder TEXT NOT NULL,
            zip TEXT NOT NULL,
            published_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE web_sessions (
            hash TEXT PRIMARY KEY,
            csrf TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def server_root(data_dir: Path) -> Path:
    """Where the class server keeps its store inside the data dir."""
    return Path(data_dir).expanduser().absolute() / SERVER_DIR


class Database:
    """The server store at ``root``; share one between threads (each gets its own connection).

    Parameters
    ----------
    root : Path
        ``<data-dir>/server``.
    create : bool
        Create the store when missing (``server init``); otherwise a missing
        store is an error that says to run ``server init``.

    Raises
    ------
    ClassroomError
        No store (and not ``create``), or the database cannot be opened.
    """

    def __init__(self, root: Path, *, create: bool = False) -> None:
        self.root = Path(root).absolute()
        self.db_path = self.root / DB_NAME
        if not create and not self.db_path.is_file():
            raise ClassroomError(f"there is no class server in {self.root}",
                                 hint="run `pronounce server init` first (with the same --data-dir)")
        try:
            for folder in (self.recordings_dir, self.incoming_dir, self.references_dir, self.packs_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ClassroomError(f"cannot create the server store in {self.root}: {exc.strerror}",
                                 hint="pass a writable --data-dir") from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._conn()

    @property
    def recordings_dir(self) -> Path:
        """Stored takes."""
        return self.root / "recordings"

    @property
    def incoming_dir(self) -> Path:
        """Uploads being received."""
        return self.root / "incoming"

    @property
    def references_dir(self) -> Path:
        """Synthesized references."""
        return self.root / "references"

    @property
    def packs_dir(self) -> Path:
        """Published packs."""
        return self.root / "packs"

    def clear_incoming(self) -> None:
        """Remove uploads that a stop or a crash cut short (they never got a row)."""
        for entry in self.incoming_dir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all = []
        self._local = threading.local()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads; SQLite errors become :class:`ClassroomError`."""
        try:
            yield self._conn()
        except sqlite3.Error as exc:
            raise _translate(exc, self.db_path) from exc

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction, committed when the block succeeds."""
        with immediate(self._conn(), lambda exc: _translate(exc, self.db_path)) as conn:
            yield conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.db_path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _translate(exc, path) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for step in MIGRATIONS[version:]:
                for statement in step:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        elif version > SCHEMA_VERSION:
            raise ClassroomError(f"the server store {path} was written by a newer pronounce (schema {version})",
                                 hint="upgrade pronounce, or pass another --data-dir")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
        raise _translate(exc, path) from exc
    except ClassroomError:
        conn.close()
        raise
    return conn


def _translate(exc: sqlite3.Error, path: Path) -> ClassroomError:
    return ClassroomError(f"the server store {path} failed: {exc}",
                          hint=f"check the disk holding {path.parent} and that no other program locks it")

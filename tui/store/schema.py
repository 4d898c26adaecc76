"""The attempts database: connection settings, schema migrations, error translation.

The schema version lives in ``PRAGMA user_version``. ``MIGRATIONS[n]`` takes a
database from version ``n`` to ``n + 1``; opening a database runs the missing
steps in one write transaction, so an older database is upgraded in place and a
crash mid-way leaves it at its old version.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tui.errors import StoreError
from tui.fsio import kind_of

BUSY_TIMEOUT_MS = 15_000
_COMPANIONS = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside a database, named after it."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: attempts with their scores.
    (
        """
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
        )
        """,
        "CREATE INDEX attempts_by_phrase ON attempts (pack_id, phrase_id, id)",
    ),
    # 1 -> 2: what re-scoring needs without the pack, and rows whose file vanished.
    (
        "ALTER TABLE attempts ADD COLUMN reference_audio TEXT",
        "ALTER TABLE attempts ADD COLUMN words_json TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE attempts ADD COLUMN missing INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX attempts_by_scorer ON attempts (scorer_version)",
    ),
    # 2 -> 3: the upload outbox (tui/store/outbox.py): one row per take queued for the class server.
    (
        """
        CREATE TABLE outbox (
            attempt_id INTEGER PRIMARY KEY,
            client_attempt_id TEXT NOT NULL UNIQUE,
            lang TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
            tries INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            server_id INTEGER,
            queued_at TEXT NOT NULL,
            sent_at TEXT
        )
        """,
        "CREATE INDEX outbox_by_state ON outbox (state, next_try_at)",
        "CREATE TABLE outbox_since (id INTEGER PRIMARY KEY CHECK (id = 1), after_attempt_id INTEGER NOT NULL)",
    ),
    # 3 -> 4: the phrase's language, so re-scoring keeps phone evidence and the cohort ('' = unknown: older rows).
    ("ALTER TABLE attempts ADD COLUMN lang TEXT NOT NULL DEFAULT ''",),
    # 4 -> 5: the class server's own score of a sent take, which may come after the upload (NULL: not asked yet).
    (
        "ALTER TABLE outbox ADD COLUMN server_status TEXT CHECK (server_status IN ('pending', 'scored', 'failed'))",
        "ALTER TABLE outbox ADD COLUMN server_score_json TEXT",
    ),
    # 5 -> 6: what the teacher sent (tui/store/inbox.py): answers to takes and assignments, per class server.
    (
        """
        CREATE TABLE feedback (
            server TEXT NOT NULL,
            id INTEGER NOT NULL,
            client_attempt_id TEXT NOT NULL,
            pack_id TEXT NOT NULL,
            phrase_id TEXT NOT NULL,
            text TEXT NOT NULL,
            comment TEXT NOT NULL,
            words_json TEXT NOT NULL,
            author TEXT NOT NULL,
            audio_url TEXT,
            audio TEXT,
            updated_at TEXT NOT NULL,
            seen_at TEXT,
            PRIMARY KEY (server, id)
        )
        """,
        "CREATE INDEX feedback_by_take ON feedback (client_attempt_id)",
        """
        CREATE TABLE assignments (
            server TEXT NOT NULL,
            id INTEGER NOT NULL,
            pack_id TEXT NOT NULL,
            pack_version TEXT NOT NULL,
            title TEXT NOT NULL,
            phrases_json TEXT NOT NULL,
            due_on TEXT NOT NULL,
            target INTEGER NOT NULL,
            author TEXT NOT NULL,
            assigned_at TEXT NOT NULL,
            server_best_json TEXT NOT NULL,
            PRIMARY KEY (server, id)
        )
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_DAMAGED = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
_NO_SPACE = {"SQLITE_FULL"}
_NO_WRITE = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_IO = {"SQLITE_IOERR"}
NEARLY_FULL_BYTES = 1 << 20
"""SQLite reports a full disk as an I/O error (SQLITE_IOERR_WRITE, _FSYNC...) when a write fails half way."""


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """A :class:`StoreError` saying what went wrong with the database at ``path``.

    Parameters
    ----------
    exc : sqlite3.Error
        What :mod:`sqlite3` raised.
    path : Path
        The database file, named in the message.
    """
    family = "_".join((getattr(exc, "sqlite_errorname", "") or "").split("_")[:2])
    if str(exc).startswith(("no such table", "no such column")):
        return _foreign(path, f"its tables are not the ones pronounce writes ({exc})")
    if family in _DAMAGED:
        return StoreError(
            f"the attempts database {path} is damaged ({exc})",
            hint=f"it was left as it is: move it aside (mv '{path}' '{path}.broken') and run again to start a new history; "
            f"recordings in {path.parent / 'recordings'} are kept",
        )
    if family in _NO_SPACE or (family in _IO and _nearly_full(path.parent)):
        return StoreError(f"the disk holding {path} is full ({exc})", hint="free some space and try again")
    if family in _IO:
        return StoreError(
            f"the disk holding {path} failed to read or write ({exc})",
            hint="check the disk (dmesg, fsck), or pass another --data-dir",
        )
    if family in _NO_WRITE:
        return StoreError(
            f"cannot write the attempts database {path} ({exc})",
            hint=f"check that {path.parent} and the files in it are writable by you, or pass another --data-dir",
        )
    if family in _BUSY:
        return StoreError(
            f"the attempts database {path} stayed locked by another program for {BUSY_TIMEOUT_MS // 1000} s ({exc})",
            hint="close other pronounce windows or commands and try again",
        )
    return StoreError(f"the attempts database {path} failed: {exc}", hint=f"check the disk holding {path.parent}")


def connect(path: Path) -> sqlite3.Connection:
    """Open the database at ``path`` in WAL mode, migrated to :data:`SCHEMA_VERSION`.

    The connection is in autocommit mode (``isolation_level=None``): callers open
    their own ``BEGIN IMMEDIATE`` transactions. A new database is built under a
    temporary name and linked into place whole, so ``path`` is never seen empty
    (see :func:`check_path`).

    Raises
    ------
    StoreError
        ``path`` is not a database file (see :func:`check_path`), is not an
        attempts database, is damaged, comes from a newer pronounce, or cannot
        be opened or written. The file is never replaced.
    """
    if not check_path(path):
        _create(path)
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            check_path(path)
            return _open(path)
        except sqlite3.OperationalError as exc:
            # Two processes creating the database at once: switching to WAL can
            # report "locked" at once, without waiting (SQLite's busy handler is
            # not used there). Try again until the usual timeout.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise translate(exc, path) from exc
            time.sleep(0.05)
        except sqlite3.Error as exc:
            raise translate(exc, path) from exc


def check_path(path: Path) -> bool:
    """Whether a database file exists at ``path``; a path SQLite must not open is refused first.

    SQLite follows a symbolic link and creates its journal beside the target (a
    link to ``/dev/zero`` made ``/dev/zero-journal``), creates a missing target
    (a dangling link made a database outside the data dir), reads a 0-byte
    file as a new, empty history, and blames the disk for a pipe or a folder.

    Raises
    ------
    StoreError
        ``path`` or its ``-wal``/``-shm``/``-journal`` companion is a symbolic
        link; ``path`` is a folder, pipe, device or socket, or an empty file.
    """
    for companion in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS)):
        try:
            info = os.lstat(companion)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot look at the attempts database {companion}: {exc.strerror}",
                             hint=f"check that {path.parent} is readable by you, or pass another --data-dir") from exc
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(companion)
            missing = "" if companion.exists() else ", which does not exist"
            raise StoreError(
                f"the attempts database file {companion} is a symbolic link (to {target}{missing}); it was not opened",
                hint="put the database file itself in the data dir, or pass --data-dir of the folder that holds it",
            )
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(
                f"the attempts database file {companion} is {kind_of(info.st_mode)}, not a database file; it was not opened",
                hint=f"move it aside (mv '{companion}' '{companion}.broken') and run again to start a new history",
            )
        if companion == path and info.st_size == 0:
            raise StoreError(
                f"the attempts database {path} is empty (0 bytes): it holds no history; it was not opened",
                hint=f"if it held your history, restore it from a backup; else remove it (rm '{path}') and run again "
                "to start a new one (recordings are kept)",
            )
    return path.exists()


def _create(path: Path) -> None:
    """A new database at ``path``, built under a temporary name and linked there whole (another process may win)."""
    staged = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.new")
    try:
        _open(staged).close()
        try:
            os.link(staged, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV) or path.exists():
                raise
            os.rename(staged, path)  # a file system without hard links (FAT)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    except OSError as exc:
        raise StoreError(f"cannot create the attempts database {path}: {exc.strerror or exc}",
                         hint=f"check that {path.parent} is writable by you, or pass another --data-dir") from exc
    finally:
        for leftover in (staged, *(staged.with_name(staged.name + suffix) for suffix in _COMPANIONS)):
            leftover.unlink(missing_ok=True)


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_version(_version(conn), path)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(
                f"the attempts database {path} cannot use write-ahead logging (journal mode {mode!r})",
                hint="keep the data dir on a local disk, or pass another --data-dir",
            )
        conn.execute("PRAGMA synchronous = FULL")
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if _version(conn) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)
        _check_version(version, path)
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'attempts'").fetchone()[0]:
            raise _foreign(path, "it has an attempts table but no schema version")
        for step in MIGRATIONS[version:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _foreign(path: Path, why: str) -> StoreError:
    return StoreError(
        f"the attempts database {path} was not written by pronounce or is damaged: {why}",
        hint=f"it was left as it is: move it aside (mv '{path}' '{path}.broken') and run again to start a new history",
    )


def _check_version(version: int, path: Path) -> None:
    if version < 0:
        raise _foreign(path, f"its schema version is {version}")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the attempts database {path} was written by a newer pronounce (schema {version}, this one knows {SCHEMA_VERSION})",
            hint="upgrade pronounce, or pass another --data-dir",
        )


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def utc_text(when: datetime | None = None) -> str:
    """``when`` (default: now) as fixed-width ISO 8601 UTC text, so that text order is time order in SQL."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@contextmanager
def immediate(conn: sqlite3.Connection, fail: Callable[[sqlite3.Error], Exception]) -> Iterator[sqlite3.Connection]:
    """A ``BEGIN IMMEDIATE`` transaction on ``conn``, committed when the block succeeds.

    When the block raises, the transaction is rolled back; an :class:`sqlite3.Error`
    (from the block or from SQLite itself) is raised as ``fail(exc)``.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise fail(exc) from exc
        raise

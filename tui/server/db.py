"""The class server's store: a SQL database and folders under ``<data-dir>/server/``.

Layout::

    server.sqlite3           the database when no --database is given (SQLite, WAL)
    recordings/<learner>/    stored takes, named after their client_attempt_id
    incoming/                uploads being received, named after the web node receiving them
    references/              references synthesized with espeak-ng, reused
    packs/<n>/               published packs: the n-th publication (pack folder + pack.zip)

With ``--database postgresql://…`` the tables live in PostgreSQL and the
folders stay in the data dir (several web nodes share it as one mount). One
schema and one code path serve both (SQLAlchemy Core, :mod:`tui.server.schema`);
Alembic migrations (:mod:`tui.server.migrations`) bring any older store up to
date when it is opened, the class server of pronounce 0.x (``PRAGMA
user_version`` 1) included. Every write runs in one transaction — on SQLite a
``BEGIN IMMEDIATE``, so writers queue instead of failing half way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tui.errors import ClassroomError
from tui.server.migrations import USER_VERSION, upgrade

SERVER_DIR = "server"
DB_NAME = "server.sqlite3"
BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 10
POOL_SIZE = 10
POOL_OVERFLOW = 20
POOL_TIMEOUT_S = 30
URL_HINT = "give --database postgresql://USER:PASSWORD@HOST:PORT/DATABASE (or leave it out to use SQLite in the data dir)"


class StoreFailure(ClassroomError):
    """The database failed or cannot be reached; the message names it for the admin, never for a web client."""


class StoreFull(StoreFailure):
    """The disk holding the database is full."""


class StoreConflict(StoreFailure):
    """A write broke a uniqueness rule (another request stored the same thing first)."""


class StoreBusy(StoreFailure):
    """Every database connection stayed in use past the pool's timeout."""


def server_root(data_dir: Path) -> Path:
    """Where the class server keeps its files inside the data dir."""
    return Path(data_dir).expanduser().absolute() / SERVER_DIR


def database_url(url: str | None, root: Path) -> URL:
    """The SQLAlchemy URL of the store: SQLite in ``root`` when ``url`` is None, else a checked PostgreSQL URL.

    Raises
    ------
    ClassroomError
        ``url`` is not a PostgreSQL URL.
    """
    if url is None or not url.strip():
        return URL.create("sqlite+pysqlite", database=str(root / DB_NAME))
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ClassroomError(f"--database {_shown(url)!r} is not a database URL", hint=URL_HINT) from exc
    if parsed.get_backend_name() != "postgresql" or parsed.get_driver_name() not in ("psycopg", "psycopg2"):
        raise ClassroomError(f"--database {_shown(url)!r} is not a PostgreSQL URL", hint=URL_HINT)
    if not parsed.database:
        raise ClassroomError(f"--database {_shown(url)!r} names no database", hint=URL_HINT)
    return parsed.set(drivername="postgresql+psycopg")


def _shown(url: str) -> str:
    """``url`` for a message: its password hidden, cut to a line's length."""
    try:
        text = make_url(url.strip()).render_as_string(hide_password=True)
    except ArgumentError:
        text = url.split("@")[-1] if "@" in url else url
    return text[:120]


class Database:
    """The server store: its database (a pooled SQLAlchemy engine) and its folders; share one between threads.

    Parameters
    ----------
    root : Path
        ``<data-dir>/server``: recordings, packs, references (and the SQLite file).
    url : str or None
        A ``postgresql://`` URL; None keeps the database in ``root`` (SQLite).
    create : bool
        Create the store when missing (``server init``); otherwise a missing
        store is an error that says to run ``server init``.

    Raises
    ------
    ClassroomError
        No store (and not ``create``), a bad URL, a database that cannot be
        reached or opened, or one written by a newer pronounce.
    """

    def __init__(self, root: Path, *, url: str | None = None, create: bool = False) -> None:
        self.root = Path(root).absolute()
        self.url = database_url(url, self.root)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and not create and not (self.root / DB_NAME).is_file():
            raise ClassroomError(f"there is no class server in {self.root}",
                                 hint="run `pronounce server init` first (with the same --data-dir)")
        try:
            for folder in (self.recordings_dir, self.incoming_dir, self.references_dir, self.packs_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ClassroomError(f"cannot create the server store in {self.root}: {exc.strerror}",
                                 hint="pass a writable --data-dir") from exc
        self.engine = _engine(self.url)
        try:
            upgrade(self, create=create)
        except BaseException:
            self.engine.dispose()
            raise

    @property
    def described(self) -> str:
        """The database for messages (never with its password)."""
        if self.is_sqlite:
            return str(self.root / DB_NAME)
        return self.url.set(drivername="postgresql").render_as_string(hide_password=True)

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

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads (one snapshot per block); database errors become :class:`StoreFailure`."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self.failure(exc) from exc

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction, committed when the block succeeds and rolled back when it raises.

        A broken uniqueness rule raises :class:`StoreConflict`; other database
        errors :class:`StoreFailure`.
        """
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise self.failure(exc) from exc

    def failure(self, exc: SQLAlchemyError) -> StoreFailure:
        """What to tell about a database error (the driver's first line, never the SQL or its values)."""
        if isinstance(exc, PoolTimeout):
            return StoreBusy(f"every connection to the database stayed busy for {POOL_TIMEOUT_S} s",
                             hint="try again in a moment")
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
        detail = reason[0][:200] if reason else exc.__class__.__name__
        if isinstance(exc, IntegrityError):
            return StoreConflict(f"the store refused a duplicate or invalid row ({detail})", hint="try again")
        if "disk is full" in detail or "No space left" in detail:
            return StoreFull(f"the disk of the database {self.described} is full ({detail})",
                             hint="make room on that disk; uploads are refused until then")
        if self.is_sqlite:
            return StoreFailure(f"the server database {self.described} failed: {detail}",
                                  hint=f"check the disk holding {self.root} and that no other program locks it")
        if detail.startswith(("connection failed", "connection to server", "could not connect")):
            return StoreFailure(f"cannot reach the database {self.described} ({detail})",
                                  hint="check that PostgreSQL runs there and the URL's host, port, user and password")
        return StoreFailure(f"the database {self.described} failed: {detail}",
                              hint="check that PostgreSQL runs and can be reached, then try again")


def _engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=POOL_TIMEOUT_S)
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "pronounce"},
                         pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=POOL_TIMEOUT_S,
                         pool_pre_ping=True)


def _sqlite_connected(dbapi_conn: Any, record: Any) -> None:
    """SQLite as the store needs it: WAL, full sync, foreign keys, waiting for locks; transactions begun by us.

    A database that is not a store of pronounce's (tables but no version, or
    a newer version) is left in its journal mode: the migrations refuse it
    untouched.
    """
    dbapi_conn.isolation_level = None
    for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "synchronous = FULL", "foreign_keys = ON"):
        dbapi_conn.execute(f"PRAGMA {pragma}")
    version = int(dbapi_conn.execute("PRAGMA user_version").fetchone()[0])
    empty = dbapi_conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    if 0 < version <= USER_VERSION or empty:
        dbapi_conn.execute("PRAGMA journal_mode = WAL")


def _sqlite_begin(conn: Connection) -> None:
    """``BEGIN IMMEDIATE`` for writes (the write lock up front, waiting up to the busy timeout), ``BEGIN`` for reads."""
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")

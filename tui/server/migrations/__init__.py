"""Alembic migrations of the class server's store, run whenever a store is opened.

``versions/`` holds one script per schema change, revision ids ``0001``,
``0002``…; a new change gets the next number, ``down_revision`` the last one,
and the same change in :mod:`tui.server.schema` (a test compares the two on
SQLite and PostgreSQL). Scripts use ``alembic.op`` only: no ORM, no code of the
app that may change later, except the column type ``UtcDateTime``.

The class server of pronounce 0.x kept its schema in ``PRAGMA user_version``
(version 1) without Alembic. Such a store is upgraded in place: its tables are
renamed ``legacy_*``, and ``0001`` builds the new ones and moves the rows over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from tui.errors import ClassroomError

if TYPE_CHECKING:
    from tui.server.db import Database

SCRIPTS = Path(__file__).resolve().parent
LEGACY_TABLES = ("learners", "tokens", "attempts", "packs", "web_sessions")
LEGACY_USER_VERSION = 1
USER_VERSION = 2
"""``PRAGMA user_version`` of a migrated SQLite store: pronounce 0.x refuses it as written by a newer pronounce."""
LOCK_KEY = 0x70726F6E
"""PostgreSQL advisory lock held while migrating, so web nodes starting together migrate once."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def head() -> str:
    """The newest revision this pronounce knows."""
    current = ScriptDirectory.from_config(_config()).get_current_head()
    assert current is not None
    return current


def revision(conn: Connection) -> str | None:
    """The revision the database at ``conn`` is at (None: no Alembic table)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, *, create: bool) -> None:
    """Bring the store to :func:`head`: create it (``create``), upgrade an older one, refuse a newer or foreign one.

    Raises
    ------
    ClassroomError
        No store and not ``create``; a store written by a newer pronounce or
        not by pronounce; the database failed or cannot be reached.
    """
    newest = head()
    try:
        with db.reading() as conn:
            if revision(conn) == newest:
                return
        with db.engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if not db.is_sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                _migrate(conn, db, create=create)
    except SQLAlchemyError as exc:
        raise db.failure(exc) from exc


def _migrate(conn: Connection, db: Database, *, create: bool) -> None:
    current = revision(conn)
    scripts = ScriptDirectory.from_config(_config())
    if current is None:
        if db.is_sqlite:
            legacy = _legacy(conn, db)
        else:
            _check_empty(conn, db)
            legacy = False
        if not legacy and not create:
            where = f"the database {db.described}" if not db.is_sqlite else str(db.root)
            raise ClassroomError(f"there is no class server in {where}",
                                 hint="run `pronounce server init` first (with the same --data-dir and --database)")
        if legacy:
            for table in LEGACY_TABLES:
                conn.exec_driver_sql(f"ALTER TABLE {table} RENAME TO legacy_{table}")
    else:
        try:
            scripts.get_revision(current)
        except CommandError as exc:
            raise _newer(db, current) from exc
    config = _config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
    if db.is_sqlite:
        conn.exec_driver_sql(f"PRAGMA user_version = {USER_VERSION}")


def _legacy(conn: Connection, db: Database) -> bool:
    """Whether this SQLite database is pronounce 0.x's class server store (False: empty); refuses anything else."""
    version = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    tables = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables.discard("sqlite_sequence")
    if version == 0 and not tables:
        return False
    if version == LEGACY_USER_VERSION and set(LEGACY_TABLES) <= tables:
        return True
    if version > USER_VERSION:
        raise _newer(db, f"user_version {version}")
    raise ClassroomError(f"{db.described} is not a class server database of pronounce, or it is damaged",
                         hint="it was left as it is: move it aside, or pass another --data-dir")


def _check_empty(conn: Connection, db: Database) -> None:
    """A PostgreSQL database without Alembic's table must be empty: pronounce does not share one with other tables."""
    found = conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")).scalar_one()
    if found:
        raise ClassroomError(f"the database {db.described} holds tables that pronounce did not make",
                             hint="give the class server a database of its own (createdb pronounce)")


def _newer(db: Database, revision: str) -> ClassroomError:
    return ClassroomError(f"the server store {db.described} was written by a newer pronounce (schema {revision})",
                          hint="upgrade pronounce, or pass another --data-dir or --database")

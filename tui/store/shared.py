"""One connection to the attempts database shared by a process's threads: what the outbox and the inbox stand on.

Reads and write transactions (``BEGIN IMMEDIATE``) take a lock, so threads
take turns on the one connection; SQLite errors become :class:`StoreError`
naming the database.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from tui.store.attempts import DB_NAME
from tui.store.files import open_data_dir
from tui.store.schema import connect, immediate, translate


class SharedConnection:
    """The attempts database of ``data_dir`` (created and migrated if needed) on one connection; thread-safe.

    Raises
    ------
    StoreError
        The data dir or the database cannot be opened or migrated.
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = open_data_dir(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self._conn = connect(self.db_path)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate(exc, self.db_path) from exc

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self._conn, lambda exc: translate(exc, self.db_path)) as conn:
            yield conn

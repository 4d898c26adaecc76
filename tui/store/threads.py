"""One SQLite connection per thread, closed safely from any thread."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.store.schema import connect

CLOSE_WAIT_S = 2.0
"""How long :meth:`ThreadConnections.close` waits for another thread's statement to end before leaving its
connection to that thread."""


class _Held:
    """A thread's connection, in its thread-local slot; it closes when the thread ends.

    ``lock`` is held while the connection is in use, so that a close from
    another thread never closes it under a running statement.
    """

    __slots__ = ("__weakref__", "closed", "conn", "lock")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        self.closed = False

    def close(self, wait_s: float) -> None:
        """Close the connection once no statement uses it (left to the thread's end after ``wait_s``)."""
        if self.lock.acquire(timeout=wait_s):
            try:
                self.conn.close()
                self.closed = True
            finally:
                self.lock.release()


class ThreadConnections:
    """Each thread's connection to the database at ``path``, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[_Held] = weakref.WeakSet()

    @contextmanager
    def using(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, which :meth:`close` leaves open until the block ends."""
        held = self._held()
        with held.lock:
            yield held.conn

    def open(self) -> None:
        """Open this thread's connection now (creating or migrating the database)."""
        self._held()

    def close(self) -> None:
        """Close every thread's connection; each reopens on next use.

        A connection another thread is using is closed once that use ends (or,
        after :data:`CLOSE_WAIT_S`, when that thread ends): closing it under a
        running statement would crash the process.
        """
        with self._lock:
            for held in list(self._open):
                held.close(CLOSE_WAIT_S)
            self._open = weakref.WeakSet()
        self._local = threading.local()

    def _held(self) -> _Held:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None or held.closed:
            held = _Held(connect(self.path))
            self._local.held = held
            with self._lock:
                self._open.add(held)
        return held

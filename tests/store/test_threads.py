"""Closing the store while another thread reads from it (the app quits while a worker reads the progress)."""

from __future__ import annotations

import threading
import time

from tui.store import AttemptStore

CLOSE_ARRIVES_S = 0.5
"""How long the reader pauses between its statements, for the other thread's close to arrive meanwhile."""


def test_a_close_waits_for_the_reads_another_thread_has_begun(store: AttemptStore) -> None:
    reading, closing = threading.Event(), threading.Event()
    outcome: list[object] = []

    def read() -> None:
        try:
            with store._reading() as conn:
                outcome.append(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])
                reading.set()
                closing.wait(10)
                time.sleep(CLOSE_ARRIVES_S)  # the close is on its way
                outcome.append(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])
        except Exception as exc:  # what the reader got instead of its count
            outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    assert reading.wait(10)
    closer = threading.Thread(target=store.close)
    closing.set()
    closer.start()
    reader.join(30)
    closer.join(30)
    assert outcome == [0, 0]
    assert store.attempts() == []  # the store reopens on next use

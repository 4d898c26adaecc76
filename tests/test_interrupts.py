"""Worker processes spawned by long commands: they ignore the terminal's Ctrl+C, and the command itself loses none."""

from __future__ import annotations

import multiprocessing
import os
import signal

from tui.interrupts import spawning_workers


def _report(queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put((int(signal.getsignal(signal.SIGINT)), int(signal.getsignal(signal.SIGHUP))))


def test_a_worker_spawned_meanwhile_ignores_ctrl_c_from_its_first_instruction() -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    before = signal.getsignal(signal.SIGINT)
    with spawning_workers():
        worker = context.Process(target=_report, args=(queue,))
        worker.start()
    assert queue.get(timeout=60) == (int(signal.SIG_IGN), int(signal.SIG_IGN))
    worker.join(timeout=60)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_ctrl_c_that_arrives_while_workers_start_reaches_the_command_afterwards() -> None:
    received: list[str] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append("after" if left else "inside"))
    try:
        left = False
        with spawning_workers():
            os.kill(os.getpid(), signal.SIGINT)
            left = True
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == ["after"]

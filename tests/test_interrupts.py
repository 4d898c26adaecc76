"""Worker processes spawned by long commands: they ignore the terminal's Ctrl+C, and the command itself loses none."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
from pathlib import Path

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


HELD = """
import os, signal
from tui.interrupts import spawning_workers
received, left = [], False
signal.signal(signal.SIGINT, lambda signum, frame: received.append("after" if left else "inside"))
with spawning_workers():
    os.kill(os.getpid(), signal.SIGINT)
    left = True
print(received)
"""


def test_a_ctrl_c_that_arrives_while_workers_start_reaches_the_command_afterwards() -> None:
    # In a process of its own, with one thread as a command has when it spawns its workers: in pytest's process,
    # threads that earlier tests left (a Dask client's, a browser driver's) may take the process's SIGINT while
    # the main thread blocks it, and discard it as ignored.
    ran = subprocess.run([sys.executable, "-c", HELD], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "['after']"

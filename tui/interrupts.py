"""One signal policy for every long command: SIGTERM and SIGHUP end it the way Ctrl+C does.

Python turns SIGINT into :class:`KeyboardInterrupt`, so ``finally`` blocks and
``except BaseException`` clean-ups run: temporary files are removed, worker
processes stopped, the old output kept. SIGTERM and SIGHUP would instead end the
process on the spot and leave all of that behind. :func:`signals_interrupt`
makes all three raise :class:`Interrupted` (a :class:`KeyboardInterrupt`) in the
main thread; once one has arrived, the others are ignored until the clean-up is
done. Worker processes call :func:`worker_signals`: their parent decides when
they stop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""The signals that stop a command: Ctrl+C, ``kill``, a closed terminal."""


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` says which (``exit_code`` is the shell's 128 + n)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process a signal ended."""
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    for other in STOP_SIGNALS:  # a second signal must not cut the clean-up of the first short
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signum)


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread.

    The handlers in place before are restored afterwards. Outside the main
    thread (where Python cannot set handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:  # a command started with `nohup` keeps ignoring SIGHUP
            signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def worker_signals() -> None:
    """For a worker process: ignore Ctrl+C and a closed terminal (the parent handles them); SIGTERM just ends it.

    The parent stops its workers with SIGTERM once it is interrupted; a worker
    that raised on SIGINT or SIGTERM itself would print a traceback each.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def spawning_workers() -> Iterator[None]:
    """Spawn worker processes in this block: they start ignoring Ctrl+C and SIGHUP, and this process loses neither.

    A spawned worker is a new interpreter that would turn a Ctrl+C arriving while
    it imports (before :func:`worker_signals` runs) into a traceback of its own. An
    ignored signal stays ignored across exec, so both are ignored while workers
    are started here; they are also blocked meanwhile, which on Linux keeps one
    that arrives pending (a blocked signal is never discarded as ignored) until
    the handlers are back. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGHUP)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    handlers = {signum: signal.signal(signum, signal.SIG_IGN) for signum in held}
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

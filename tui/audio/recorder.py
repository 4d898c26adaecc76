"""Named recorders: start, listen to chunk events, stop and get the recording.

This is the API the app, the CLI and the benches use. It keeps one
:class:`~tui.audio.registry.Recorders` registry for the process and offers its
methods as functions. Each recorder's PortAudio callback (or ``input_file``
pump) notes overflows, copies the block and ``put_nowait``\\ s it; a writer
thread streams it to a FLAC beside a crash journal (:mod:`tui.audio.writer`,
:mod:`tui.audio.journal`); one dispatcher thread hands every block to the
listeners as a :class:`ChunkEvent`.

Every running recorder is stopped and its file finalised by :func:`stop_all`,
which runs at interpreter exit and, once :func:`install_signal_handlers` was
called, on SIGTERM, SIGINT and SIGHUP.
"""

from __future__ import annotations

import atexit
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from tui import paths
from tui.audio import journal
from tui.audio.events import ChunkEvent, Event, Listener, RecorderFailed, RecorderHandle, Recording
from tui.audio.registry import EVENT_QUEUE_BLOCKS, Recorders
from tui.audio.writer import BLOCKSIZE, DATA_QUEUE_SECONDS, STALL_SECONDS, STARTUP_SECONDS
from tui.errors import AudioError

__all__ = [
    "BLOCKSIZE",
    "DATA_QUEUE_SECONDS",
    "EVENT_QUEUE_BLOCKS",
    "RECORDERS",
    "STALL_SECONDS",
    "STARTUP_SECONDS",
    "ChunkEvent",
    "Event",
    "Listener",
    "RecorderFailed",
    "RecorderHandle",
    "Recording",
    "active",
    "default_directory",
    "install_signal_handlers",
    "recover",
    "start",
    "stop",
    "stop_all",
    "subscribe",
]

RECORDERS = Recorders()
"""The process's recorders: the functions below act on it."""


def default_directory() -> Path:
    """Where recordings go while they are made: ``<data_dir>/recordings/incoming``."""
    return paths.data_dir() / "recordings" / "incoming"


def start(
    name: str | None = None,
    device: int | str | None = None,
    samplerate: int | None = None,
    *,
    directory: str | os.PathLike[str] | None = None,
    input_file: str | os.PathLike[str] | None = None,
) -> RecorderHandle:
    """Start a named recorder that streams mono FLAC to ``directory``.

    Parameters
    ----------
    name : str, optional
        Unique among running recorders; a readable random one ("amber-otter") by default.
    device : int or str, optional
        PortAudio input index or a fragment of its name; the default input otherwise.
    samplerate : int, optional
        Rate in Hz; the device's default rate otherwise. Ignored for ``input_file``,
        which plays at its own rate.
    directory : path-like, optional
        Where the file is written; :func:`default_directory` by default.
    input_file : path-like, optional
        Record this file, fed in real time through the same machinery, instead of a device.

    Raises
    ------
    RecorderError
        When ``name`` is already recording.
    NoMicrophoneError
        When no input device exists (and no ``input_file`` is given).
    DeviceError
        When the device is unknown or cannot be opened.
    AudioFormatError
        When ``input_file`` cannot be read.
    AudioError
        When the files cannot be created ("the disk holding … is full"); nothing is left behind.
    """
    folder = Path(directory) if directory is not None else default_directory()
    return RECORDERS.start(name, device, samplerate, directory=folder, input_file=input_file)


def stop(name: str) -> Recording:
    """Stop recorder ``name`` and return its finished recording.

    A recorder whose device or disk failed can still be stopped: its recording
    holds everything captured before the failure (``Recording.failed`` is true,
    ``Recording.error`` says what happened). The FLAC is read back before its
    journal is removed; when the streamed one is damaged (disk full) it is
    rebuilt from the journal.

    Raises
    ------
    RecorderError
        When no recorder of that name is running.
    AudioError
        When no readable file could be made (the disk is still full): the
        journal is kept, the message says where, and :func:`recover` finishes
        it once there is room.
    """
    return RECORDERS.stop(name)


def stop_all(*, errors: list[AudioError] | None = None) -> list[Recording]:
    """Stop every running recorder and finalise its file.

    A recorder whose file could not be finished (see :func:`stop`) is left out
    of the result; its error is appended to ``errors`` when given.
    """
    return RECORDERS.stop_all(errors=errors)


def active() -> list[str]:
    """Names of the running recorders, in start order."""
    return RECORDERS.active()


def fresh_name() -> str:
    """A readable random name ("amber-otter") that no running recorder has.

    For listeners that must know a recorder's name before its first block
    arrives: pass it to :func:`start`.
    """
    return RECORDERS.fresh_name()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call ``listener`` with every :class:`ChunkEvent` and :class:`RecorderFailed`.

    Listeners run one after another on the dispatcher thread (never the audio
    thread) and should return quickly; when they fall behind, chunk events are
    dropped (failure events never are). Returns a function that unsubscribes.
    """
    return RECORDERS.subscribe(listener)


def recover(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Finalise recordings cut by a kill, a power loss or a full disk; see :func:`tui.audio.journal.recover`."""
    return journal.recover(Path(directory) if directory is not None else default_directory())


def install_signal_handlers() -> None:
    """Finalise every recording on SIGTERM, SIGINT and SIGHUP, then do what the signal did before.

    Call once, from the main thread.
    """
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        previous = signal.getsignal(signum)
        signal.signal(signum, _chained(signum, previous))


def _chained(signum: int, previous: object) -> Callable[[int, FrameType | None], None]:
    def handler(received: int, frame: FrameType | None) -> None:
        stop_all()
        if callable(previous):
            previous(received, frame)
        elif previous == signal.SIG_DFL:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return handler


atexit.register(stop_all)

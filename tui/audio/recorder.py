"""Named recorders: start, listen to chunk events, stop and get the recording.

Each recorder has three parts. The PortAudio callback (or the file pump of an
``input_file``) notes overflows, copies the block and ``put_nowait``\\ s it twice:
on the recorder's bounded data queue and on the process-wide event queue. A
writer thread drains the data queue into the FLAC and its crash journal (see
:mod:`tui.audio.journal`) and ends on a sentinel. One dispatcher thread drains
the event queue, computes levels and calls the subscribed listeners; when the
listeners lag the event queue fills and blocks are dropped there, never in the
file.

Every running recorder is stopped and its file finalised by :func:`stop_all`,
which runs at interpreter exit and, once :func:`install_signal_handlers` was
called, on SIGTERM, SIGINT and SIGHUP.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import FrameType
from typing import cast

import numpy as np
import soundfile as sf

from tui import paths
from tui.audio import journal
from tui.audio.devices import resolve_input
from tui.audio.files import load_audio
from tui.audio.meter import block_levels
from tui.audio.sources import DeviceSource, FileSource, Source
from tui.errors import AudioError, DeviceError, RecorderError

log = logging.getLogger(__name__)

BLOCKSIZE = 1024
"""Frames per block: 21 ms at 48 kHz."""
DATA_QUEUE_SECONDS = 10.0
"""How much audio the writer may fall behind before blocks are lost (counted as overflows)."""
EVENT_QUEUE_BLOCKS = 32
"""How many chunk events may wait for slow listeners before new ones are dropped."""
STALL_SECONDS = 2.0
"""A device that delivers nothing for this long has failed."""
STARTUP_SECONDS = 10.0
"""How long a device may take to deliver its first block (a sound server can be slow to start)."""

_ADJECTIVES = (
    "amber", "brave", "calm", "clever", "coral", "crisp", "dusty", "eager", "fuzzy", "gentle",
    "golden", "happy", "hazel", "jolly", "lively", "lucky", "mellow", "misty", "nimble", "olive",
    "plucky", "quiet", "rapid", "rosy", "rusty", "silver", "sunny", "swift", "tidy", "witty",
)  # fmt: skip
_ANIMALS = (
    "otter", "badger", "beaver", "bison", "crane", "dingo", "eagle", "ferret", "finch", "gecko",
    "heron", "ibis", "koala", "lemur", "lynx", "marten", "moose", "newt", "ocelot", "owl",
    "panda", "puffin", "quail", "raven", "robin", "seal", "stoat", "tapir", "walrus", "wren",
)  # fmt: skip


@dataclass(frozen=True)
class RecorderHandle:
    """A running recorder: its name and its channel index (lowest free, from 0)."""

    name: str
    channel: int


@dataclass(frozen=True)
class ChunkEvent:
    """One block recorded by a recorder, as delivered to listeners.

    ``samples`` is a float32 copy the listener may keep; ``captured_at`` is the
    ``time.monotonic()`` at which the block left the audio callback.
    """

    channel: int
    name: str
    samples: np.ndarray
    data_len: int
    peak_dbfs: float
    rms_dbfs: float
    clipped: bool
    captured_at: float = 0.0


@dataclass(frozen=True)
class RecorderFailed:
    """A recorder's device failed; what was recorded so far is kept for :func:`stop`."""

    channel: int
    name: str
    error: AudioError


Event = ChunkEvent | RecorderFailed
Listener = Callable[[Event], None]


@dataclass(frozen=True)
class Recording:
    """A finished recording.

    ``overflows`` counts blocks PortAudio flagged or the writer could not keep
    (audio is missing there); ``dropped_events`` counts chunk events listeners
    never saw (the file is complete regardless).
    """

    name: str
    path: Path
    samplerate: int
    duration: float
    overflows: int
    dropped_events: int = 0
    failed: bool = field(default=False, compare=False)

    @cached_property
    def samples(self) -> np.ndarray:
        """The audio as float32 mono, read from :attr:`path` on first use."""
        return load_audio(self.path)[0]

    @property
    def bytes(self) -> bytes:
        """The encoded FLAC file."""
        return self.path.read_bytes()


def default_directory() -> Path:
    """Where recordings go while they are made: ``<data_dir>/recordings/incoming``."""
    return paths.data_dir() / "recordings" / "incoming"


class _Recorder:
    """One named recorder: a source, a data queue, a writer thread and its files."""

    def __init__(self, name: str, channel: int, directory: Path) -> None:
        self.name = name
        self.channel = channel
        self.directory = directory
        self.overflows = 0
        self.dropped_events = 0
        self.frames = 0
        self.failure: AudioError | None = None
        self.finalise_error: Exception | None = None
        self.last_block = time.monotonic()
        self._sentinel = object()
        self.data: queue.Queue[np.ndarray | object]
        self.source: Source
        self.writer = threading.Thread(target=self._write, name=f"pronounce-writer-{name}", daemon=True)
        self.done = threading.Event()

    def open(self, source: Source) -> None:
        """Attach the source, create the files and start writing."""
        self.source = source
        blocks = max(1, int(DATA_QUEUE_SECONDS * source.samplerate / BLOCKSIZE))
        self.data = queue.Queue(maxsize=blocks)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.stem = _claim_stem(self.directory, self.name)
        self.journal = journal.Journal(self.directory / f"{self.stem}{journal.JOURNAL_SUFFIX}", source.samplerate)
        self.part = self.directory / f"{self.stem}{journal.PART_SUFFIX}"
        self.flac = journal.flac_writer(self.part, source.samplerate)
        self.writer.start()

    def on_block(self, indata: np.ndarray, overflowed: bool) -> None:
        """The audio callback's work: note, copy, ``put_nowait`` — nothing else."""
        now = time.monotonic()
        if overflowed:
            self.overflows += 1
        block = indata[:, 0].copy()
        try:
            self.data.put_nowait(block)
        except queue.Full:
            self.overflows += 1
        try:
            _events.put_nowait((self, block, now))
        except queue.Full:
            self.dropped_events += 1

    def _write(self) -> None:
        while True:
            try:
                item = self.data.get(timeout=0.25)
            except queue.Empty:
                if self._device_failed():
                    break
                continue
            if item is self._sentinel:
                break
            samples = cast(np.ndarray, item)
            block = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)
            try:
                self.journal.append(block)
                self.flac.write(block)
            except (OSError, sf.LibsndfileError) as exc:
                self._fail(
                    AudioError(
                        f"recorder {self.name!r} cannot write to {self.directory}: {exc}",
                        hint="free some disk space or choose another data folder; the recording so far is kept",
                    )
                )
                break
            self.frames += block.size
            self.last_block = time.monotonic()
        self._finalise()

    def _device_failed(self) -> bool:
        ended = self.source.ended
        stalled = time.monotonic() - self.last_block > (STALL_SECONDS if self.frames else STARTUP_SECONDS)
        if not (ended or stalled) or self.done.is_set():
            return False
        self._fail(
            DeviceError(
                f"recorder {self.name!r}: the input device " + ("stopped" if ended else "stopped delivering audio"),
                hint="the recording so far is kept; check the microphone connection and the sound server",
            )
        )
        return True

    def _fail(self, error: AudioError) -> None:
        self.failure = error
        _events.put((self, None, time.monotonic()))

    def _finalise(self) -> None:
        """Close and publish the FLAC; when that fails the journal stays for :func:`recover`."""
        try:
            self.flac.close()
            self.part.replace(self.directory / f"{self.stem}.flac")
        except (OSError, sf.LibsndfileError) as exc:
            self.finalise_error = exc
        self.journal.close(delete=self.finalise_error is None)
        self.done.set()

    def stop(self) -> Recording:
        """Stop the source, let the writer drain, finalise the file."""
        self.source.stop()
        while self.writer.is_alive():
            try:
                self.data.put(self._sentinel, timeout=0.1)
                break
            except queue.Full:
                continue
        self.writer.join()
        if self.finalise_error is not None:
            raise AudioError(
                f"recorder {self.name!r} could not finish its file: {self.finalise_error}",
                hint="free some disk space; the recording is recovered the next time pronounce starts",
            ) from self.finalise_error
        return Recording(
            name=self.name,
            path=self.directory / f"{self.stem}.flac",
            samplerate=self.source.samplerate,
            duration=self.frames / self.source.samplerate,
            overflows=self.overflows,
            dropped_events=self.dropped_events,
            failed=self.failure is not None,
        )


def _claim_stem(directory: Path, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
    stem, n = f"{stamp}-{name}", 1
    while any((directory / f"{stem}{suffix}").exists() for suffix in (".flac", journal.JOURNAL_SUFFIX)):
        n += 1
        stem = f"{stamp}-{name}-{n}"
    return stem


_lock = threading.RLock()  # re-entrant: a signal handler may run stop_all() inside start()
_recorders: dict[str, _Recorder] = {}
_listeners: list[Listener] = []
_events: queue.Queue[tuple[_Recorder, np.ndarray | None, float]] = queue.Queue(maxsize=EVENT_QUEUE_BLOCKS)
_dispatcher: threading.Thread | None = None


def _dispatch() -> None:
    while True:
        recorder, block, captured_at = _events.get()
        if block is None:
            assert recorder.failure is not None
            event: Event = RecorderFailed(recorder.channel, recorder.name, recorder.failure)
        else:
            peak, rms, clipped = block_levels(block)
            event = ChunkEvent(recorder.channel, recorder.name, block.copy(), block.size, peak, rms, clipped, captured_at)
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:
                log.exception("recording listener %r failed", listener)


def _ensure_dispatcher() -> None:
    global _dispatcher
    if _dispatcher is None or not _dispatcher.is_alive():
        _dispatcher = threading.Thread(target=_dispatch, name="pronounce-recorder-events", daemon=True)
        _dispatcher.start()


def _random_name() -> str:
    while True:
        name = f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"
        if name not in _recorders:
            return name


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
    """
    folder = Path(directory) if directory is not None else default_directory()
    with _lock:
        if name is not None and name in _recorders:
            raise RecorderError(f"a recorder named {name!r} is already recording", hint="stop it or choose another name")
        chosen = name if name is not None else _random_name()
        used = {recorder.channel for recorder in _recorders.values()}
        recorder = _Recorder(chosen, min(set(range(len(used) + 1)) - used), folder)
        source: Source
        if input_file is not None:
            source = FileSource(Path(input_file), BLOCKSIZE, recorder.on_block)
        else:
            info = resolve_input(device)
            rate = int(samplerate or info.default_samplerate)
            source = DeviceSource(info.index, rate, BLOCKSIZE, recorder.on_block)
        _ensure_dispatcher()
        recorder.open(source)
        _recorders[chosen] = recorder
    try:
        source.start()
    except AudioError:
        with _lock:
            _recorders.pop(chosen, None)
        recorder.stop().path.unlink(missing_ok=True)
        raise
    return RecorderHandle(chosen, recorder.channel)


def stop(name: str) -> Recording:
    """Stop recorder ``name`` and return its finished recording.

    A recorder whose device failed can still be stopped: its recording holds
    everything captured before the failure (``Recording.failed`` is true).

    Raises
    ------
    RecorderError
        When no recorder of that name is running.
    AudioError
        When the file could not be finished (disk full); its journal is kept and
        :func:`recover` finishes it later.
    """
    with _lock:
        recorder = _recorders.pop(name, None)
    if recorder is None:
        running = ", ".join(sorted(_recorders)) or "none"
        raise RecorderError(f"no recorder named {name!r} is recording", hint=f"running recorders: {running}")
    return recorder.stop()


def stop_all() -> list[Recording]:
    """Stop every running recorder and finalise its file."""
    with _lock:
        names = list(_recorders)
    stopped = []
    for name in names:
        try:
            stopped.append(stop(name))
        except RecorderError:
            continue
    return stopped


def active() -> list[str]:
    """Names of the running recorders, in start order."""
    with _lock:
        return list(_recorders)


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call ``listener`` with every :class:`ChunkEvent` and :class:`RecorderFailed`.

    Listeners run one after another on the dispatcher thread (never the audio
    thread) and should return quickly; when they fall behind, chunk events are
    dropped (failure events never are). Returns a function that unsubscribes.
    """
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def recover(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Finalise recordings cut by a kill; see :func:`tui.audio.journal.recover`."""
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

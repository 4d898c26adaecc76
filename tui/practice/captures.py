"""Captures: the one place pronounce starts a recorder, how its blocks reach a listener, and the one recording at a time.

Plain Python (no Textual). Practice takes, the author's reference recordings and
the devices screen's input test all record through the session's
:class:`CaptureRun`, which starts them with :class:`Captures`; each block is
metered once (:class:`tui.audio.meter.LevelMeter`) and handed to the capture's
listener on the recorder's event thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui.audio.meter import SPEECH_DBFS, Level, LevelMeter
from tui.errors import RecorderError

if TYPE_CHECKING:
    from tui.audio.devices import DeviceInfo
    from tui.audio.recorder import Recording


@dataclass(eq=False)
class Capture:
    """One recorder as the session sees it: name, file, clock, meter, and who listens.

    ``tap`` gets every block with the rate before the listener (a live scorer).
    ``path`` is the FLAC the recorder writes (None until it started).
    ``heard_at`` is the monotonic time of the last block louder than
    :data:`~tui.audio.meter.SPEECH_DBFS` (None until something was said).
    """

    listener: CaptureListener | None = None
    name: str = ""
    path: Path | None = None
    tap: Callable[[np.ndarray, int], None] | None = None
    started_at: float = 0.0
    heard_at: float | None = None
    meter: LevelMeter = field(default_factory=lambda: LevelMeter(48000))
    _last_block_at: float | None = None

    def __repr__(self) -> str:
        return f"Capture({self.name!r}, path={self.path})"

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the recorder started."""
        return ((time.monotonic() if now is None else now) - self.started_at) if self.started_at else 0.0

    def note(self, peak_dbfs: float, rms_dbfs: float, clipped: bool, samples: np.ndarray, captured_at: float) -> Chunk:
        """Meter one block (from the recorder's event thread) and remember when speech was heard."""
        seconds = 0.0 if self._last_block_at is None else max(captured_at - self._last_block_at, 0.0)
        self._last_block_at = captured_at
        level = self.meter.feed(peak_dbfs, rms_dbfs, clipped, seconds)
        if rms_dbfs > SPEECH_DBFS:
            self.heard_at = captured_at
        return Chunk(self, samples, level, captured_at)

    def silent_for(self, now: float | None = None) -> float | None:
        """Seconds since speech was last heard (None: nothing heard yet)."""
        if self.heard_at is None:
            return None
        return (time.monotonic() if now is None else now) - self.heard_at


@dataclass(frozen=True)
class Chunk:
    """One recorded block of a capture, metered: for the level meter and the live waveform.

    ``captured_at`` is the ``time.monotonic()`` at which the block left the audio callback.
    """

    capture: Capture
    samples: np.ndarray
    level: Level
    captured_at: float = 0.0


@dataclass(frozen=True)
class CaptureFailed:
    """The capture's device failed; what was recorded so far is kept."""

    capture: Capture
    error: BaseException


CaptureEvent = Chunk | CaptureFailed
CaptureListener = Callable[[CaptureEvent], None]


class Captures:
    """Running captures of one session.

    Parameters
    ----------
    incoming : Path
        Where recorders write.
    settings : callable
        Returns ``(input device or "", input file or None)`` at each start.
    """

    def __init__(self, incoming: Path, settings: Callable[[], tuple[str, Path | None]]) -> None:
        self.incoming = incoming
        self.dropped_audio = 0
        self._settings = settings
        self._lock = threading.Lock()
        self._running: dict[str, Capture] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def open(self, capture: Capture) -> Capture:
        """Start a recorder for ``capture`` on the chosen input (or the input file) (blocking).

        Raises
        ------
        AudioError
            No microphone, the device cannot be opened, or the input file is unreadable.
        """
        from tui.audio import recorder

        name = recorder.fresh_name()
        with self._lock:
            if self._unsubscribe is None:
                self._unsubscribe = recorder.subscribe(self._on_event)
            self._running[name] = capture  # before the start: the first block already has its capture
        device, input_file = self._settings()
        try:
            handle = recorder.start(name, device=device or None, directory=self.incoming, input_file=input_file)
        except BaseException:
            with self._lock:
                self._running.pop(name, None)
            raise
        capture.started_at = time.monotonic()
        capture.path = handle.path
        capture.name = handle.name
        return capture

    def close(self, capture: Capture) -> Recording:
        """Stop the capture's recorder and return its finished recording (blocking)."""
        from tui.audio import recorder

        try:
            recording = recorder.stop(capture.name)
        finally:
            with self._lock:
                self._running.pop(capture.name, None)
        self.dropped_audio += recording.overflows
        return recording

    def shut(self) -> None:
        """Stop listening to the recorder's events."""
        with self._lock:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    def _on_event(self, event: Any) -> None:
        """On the recorder's event thread: meter the block and hand it to its capture's listener."""
        with self._lock:
            capture = self._running.get(event.name)
        if capture is None:
            return
        error = getattr(event, "error", None)
        if error is None and capture.tap is not None:
            capture.tap(event.samples, event.samplerate)
        if capture.listener is None:
            return
        if error is not None:
            capture.listener(CaptureFailed(capture, error))
            return
        capture.listener(capture.note(event.peak_dbfs, event.rms_dbfs, event.clipped, event.samples, event.captured_at))


class RunState(Enum):
    """Where the one recording is: none, its recorder opening, recording, or being stopped."""

    IDLE = "idle"
    STARTING = "starting"
    RECORDING = "recording"
    STOPPING = "stopping"


class CaptureRun:
    """The app's one recording at a time: a practice take, an author's reference, or an input test.

    A key that records claims the run at once, on the event loop
    (:meth:`claim`); the slow start follows in a worker (:meth:`start`). A
    second press while the stream still opens finds the run claimed and starts
    nothing. Every call names its capture, so a screen only ever stops its own.
    """

    def __init__(self, captures: Captures) -> None:
        self._captures = captures
        self._lock = threading.Lock()
        self._state = RunState.IDLE
        self._capture: Capture | None = None
        self._what = ""

    @property
    def state(self) -> RunState:
        """Where the recording is now."""
        return self._state

    @property
    def capture(self) -> Capture | None:
        """The capture claimed or recording (None when idle)."""
        return self._capture

    def owns(self, capture: Capture | None) -> bool:
        """Whether ``capture`` is the one claimed or recording."""
        return capture is not None and capture is self._capture

    def claim(self, what: str, capture: Capture | None = None) -> Capture:
        """Reserve the run for ``capture`` (a new one by default), described as ``what`` ("a take of …") (cheap).

        Raises
        ------
        RecorderError
            Something is being recorded already (or its recorder is opening or closing).
        """
        with self._lock:
            if self._state is not RunState.IDLE:
                raise RecorderError(f"{self._what} is {self._state.value}", hint="stop it first")
            self._capture = capture or Capture()
            self._state, self._what = RunState.STARTING, what
            return self._capture

    def start(self, capture: Capture, listener: CaptureListener | None = None) -> bool:
        """Start the recorder of the claimed ``capture``; ``listener`` gets its blocks (blocking).

        Returns False when the capture was given up (:meth:`discard`) while its
        recorder opened: the recorder is then stopped and its file deleted here.

        Raises
        ------
        AudioError
            The recorder could not start (the run is free again), or ``capture`` is not the one claimed.
        """
        with self._lock:
            if not self.owns(capture) or self._state is not RunState.STARTING:
                raise RecorderError(f"{capture!r} was not claimed to start", hint="press the record key again")
        if listener is not None:
            capture.listener = listener
        try:
            self._captures.open(capture)
        except BaseException:
            self._release(capture)
            raise
        with self._lock:
            kept = self.owns(capture)
            if kept:
                self._state = RunState.RECORDING
        if not kept:
            self._captures.close(capture).path.unlink(missing_ok=True)
        return kept

    def stop(self, capture: Capture) -> Recording:
        """Stop the recording of ``capture`` and return it (blocking).

        Raises
        ------
        RecorderError
            ``capture`` is not recording.
        AudioError
            The recording could not be finished (see :func:`tui.audio.recorder.stop`).
        """
        with self._lock:
            if not self.owns(capture) or self._state is not RunState.RECORDING:
                raise RecorderError(f"{capture!r} is not recording", hint="start a recording first")
            self._state = RunState.STOPPING
        try:
            return self._captures.close(capture)
        finally:
            self._release(capture)

    def discard(self, capture: Capture | None) -> None:
        """Give up ``capture``: stop it and delete its recording, or cancel its start; nothing if not ours (blocking)."""
        with self._lock:
            state = self._state if self.owns(capture) else RunState.IDLE
        if state is RunState.STARTING and capture is not None:
            self._release(capture)  # its start() stops and deletes it once the recorder is open
        elif state is RunState.RECORDING and capture is not None:
            self.stop(capture).path.unlink(missing_ok=True)

    def _release(self, capture: Capture) -> None:
        with self._lock:
            if self.owns(capture):
                self._capture, self._state, self._what = None, RunState.IDLE, ""


def scan_devices() -> tuple[list[DeviceInfo], list[DeviceInfo]]:
    """Rescan PortAudio and list ``(inputs, outputs)`` (blocking)."""
    from tui.audio import devices

    devices.rescan()
    return devices.list_inputs(), devices.list_outputs()

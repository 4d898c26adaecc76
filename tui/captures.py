"""Captures: the one place pronounce starts a recorder, and how its blocks reach a listener.

Plain Python (no Textual). Practice takes, the author's reference recordings and
the devices screen's input test all record through :class:`Captures`; each
block is metered once (:class:`tui.audio.meter.LevelMeter`) and handed to the
capture's listener on the recorder's event thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.recovered import RecoveredTakes
from tui.takes import Capture, CaptureFailed, CaptureListener

if TYPE_CHECKING:
    from tui.audio.recorder import Recording


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
        self.files = RecoveredTakes(incoming)
        self.dropped_audio = 0
        self._settings = settings
        self._lock = threading.Lock()
        self._running: dict[str, Capture] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def open(self, listener: CaptureListener | None = None, *, capture: Capture | None = None) -> Capture:
        """Start a recorder on the chosen input (or the input file); ``listener`` gets its blocks (blocking).

        Raises
        ------
        AudioError
            No microphone, the device cannot be opened, or the input file is unreadable.
        """
        from tui.audio import recorder

        capture = capture or Capture(listener)
        if listener is not None:
            capture.listener = listener
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
        capture.stem = self.files.stem_of(handle.name)
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

    def discard(self, capture: Capture) -> None:
        """Stop the capture if it still runs and delete its recording (blocking)."""
        from tui.audio import recorder

        if capture.name and capture.name in recorder.active():
            self.close(capture).path.unlink(missing_ok=True)

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

"""App-wide messages: what happened on a recorder, player or worker thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from textual.message import Message

from tui.scoring.score import Score


class RecordingStarted(Message):
    """A named recorder is running."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ChunkRecorded(Message):
    """One block of a running recording, for the meter and the live waveform.

    Level messages arrive at block rate; a newer one replaces an older one still
    queued, so a busy UI drops levels instead of falling behind.
    """

    def __init__(self, name: str, samples: np.ndarray, rms_dbfs: float, peak_dbfs: float, clipped: bool) -> None:
        super().__init__()
        self.name = name
        self.samples = samples
        self.rms_dbfs = rms_dbfs
        self.peak_dbfs = peak_dbfs
        self.clipped = clipped

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ChunkRecorded) and message.name == self.name


class RecordingStopped(Message):
    """A recorder ended; its file is finalised at ``path``."""

    def __init__(self, name: str, path: Path, duration: float, overflows: int) -> None:
        super().__init__()
        self.name = name
        self.path = path
        self.duration = duration
        self.overflows = overflows


class AudioFailed(Message):
    """A recorder or the player failed on its own thread."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class PlaybackProgress(Message):
    """The player is at ``position`` seconds of what it plays (None: stopped)."""

    def __init__(self, target: str, position: float | None) -> None:
        super().__init__()
        self.target = target
        self.position = position

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PlaybackProgress) and message.target == self.target


class ScoreReady(Message):
    """An attempt at ``phrase_id`` was scored.

    ``attempt`` is its audio ``(samples, samplerate)``; pitch contours are
    ``(times, f0 Hz with NaN where unvoiced)`` or None.
    """

    def __init__(
        self,
        phrase_id: str,
        score: Score,
        attempt: tuple[np.ndarray, int],
        reference_pitch: tuple[np.ndarray, np.ndarray] | None,
        attempt_pitch: tuple[np.ndarray, np.ndarray] | None,
    ) -> None:
        super().__init__()
        self.phrase_id = phrase_id
        self.score = score
        self.attempt = attempt
        self.reference_pitch = reference_pitch
        self.attempt_pitch = attempt_pitch


class AttemptSaved(Message):
    """The store kept attempt ``attempt_id`` of ``phrase_id``."""

    def __init__(self, phrase_id: str, attempt_id: int) -> None:
        super().__init__()
        self.phrase_id = phrase_id
        self.attempt_id = attempt_id


def recorder_message(event: object, name: str | None) -> Message | None:
    """The UI message for one recorder event of recorder ``name`` (None for other recorders)."""
    if getattr(event, "name", None) != name:
        return None
    error = getattr(event, "error", None)
    if error is not None:
        return AudioFailed(error)
    return ChunkRecorded(event.name, event.samples, event.rms_dbfs, event.peak_dbfs, event.clipped)  # type: ignore[attr-defined]

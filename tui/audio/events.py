"""What recorders hand out: handles, chunk and failure events for listeners, finished recordings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from tui.audio.files import load_audio
from tui.errors import AudioError


@dataclass(frozen=True)
class RecorderHandle:
    """A running recorder: its name, its channel index (lowest free, from 0), its rate in Hz, and its file.

    ``path`` is the FLAC the recorder finalises when it stops (``Recording.path``);
    until then it writes ``<stem>.flac.part`` and a crash journal beside it.
    """

    name: str
    channel: int
    samplerate: int
    path: Path


@dataclass(frozen=True, kw_only=True)
class ChunkEvent:
    """One block recorded by a recorder, as delivered to listeners.

    ``samples`` is a float32 copy the listener may keep; ``captured_at`` is the
    ``time.monotonic()`` at which the block left the audio callback;
    ``samplerate`` is the recorder's rate in Hz.
    """

    channel: int
    name: str
    samples: np.ndarray
    data_len: int
    peak_dbfs: float
    rms_dbfs: float
    clipped: bool
    captured_at: float = 0.0
    samplerate: int = 0


@dataclass(frozen=True)
class RecorderFailed:
    """A recorder's device or disk failed; what was recorded so far is kept for ``stop``."""

    channel: int
    name: str
    error: AudioError


Event = ChunkEvent | RecorderFailed
Listener = Callable[[Event], None]


@dataclass(frozen=True, kw_only=True)
class Recording:
    """A finished recording.

    ``overflows`` counts blocks PortAudio flagged or the writer could not keep
    (audio is missing there); ``dropped_events`` counts chunk events listeners
    never saw (the file is complete regardless). ``failed`` is set when the
    device or the disk failed while recording (``error`` says which): the file
    holds everything recorded before. ``journal_syncs`` counts how often the
    crash journal was flushed to the disk while recording.
    """

    name: str
    path: Path
    samplerate: int
    duration: float
    overflows: int
    dropped_events: int = 0
    failed: bool = field(default=False, compare=False)
    error: AudioError | None = field(default=None, compare=False)
    journal_syncs: int = field(default=0, compare=False)

    @cached_property
    def samples(self) -> np.ndarray:
        """The audio as float32 mono, read from :attr:`path` on first use."""
        return load_audio(self.path)[0]

    @property
    def bytes(self) -> bytes:
        """The encoded FLAC file."""
        return self.path.read_bytes()

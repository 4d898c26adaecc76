"""What a practice session works with: references, takes and their results, recovered takes.

Plain Python (no Textual). A :class:`Take` is bound to the pack, phrase and
reference it was started on, so wherever the learner moves meanwhile, the take
is scored against and filed under that phrase.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui.audio.meter import SPEECH_DBFS, Level, LevelMeter
from tui.packs.model import Pack, Phrase
from tui.speech.types import WordTiming

if TYPE_CHECKING:
    from tui.audio.recorder import Recording
    from tui.scoring.score import Score

Contour = tuple[np.ndarray, np.ndarray]
"""A pitch contour: ``(times s, f0 Hz with NaN where unvoiced)``."""
SIDECAR_SUFFIX = ".take.json"
"""Beside a take's recording in ``recordings/incoming/``: which pack and phrase it was for."""


@dataclass(frozen=True)
class Reference:
    """A phrase's reference audio, ready to play and show; ``prepared`` once ready to score against."""

    phrase_id: str
    samples: np.ndarray
    samplerate: int
    words: tuple[WordTiming, ...]
    prepared: Any = None
    pitch: Contour | None = None

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.size / self.samplerate

    def __repr__(self) -> str:  # short: workers describe themselves with their arguments' reprs
        return f"Reference({self.phrase_id!r}, {self.duration:.2f} s, {len(self.words)} words, prepared={self.prepared is not None})"


@dataclass(frozen=True, eq=False)
class Result:
    """What the result pane shows for one attempt: its score (None: not scored), audio and pitch.

    ``rejected`` says, in words, why a take was not scored (too little speech);
    ``attempt_id`` is set once the attempt is in the store.
    """

    samples: np.ndarray | None
    samplerate: int
    score: Score | None
    rejected: str = ""
    attempt_pitch: Contour | None = None
    reference_pitch: Contour | None = None
    attempt_id: int | None = None
    created_at: datetime | None = None

    def __repr__(self) -> str:
        overall = None if self.score is None else self.score.overall
        return f"Result(overall={overall}, rejected={self.rejected!r}, attempt_id={self.attempt_id})"


class TakeState(Enum):
    """Where a take is: running (starting, recording), being scored, or done one way or another."""

    STARTING = "starting"
    RECORDING = "recording"
    SCORING = "scoring"
    SCORED = "scored"
    SAVED = "saved"
    REJECTED = "rejected"
    FAILED = "failed"

    @property
    def running(self) -> bool:
        """The recorder is (about to be) running: the phrase must not change under it."""
        return self in (TakeState.STARTING, TakeState.RECORDING)

    @property
    def busy(self) -> bool:
        """Not finished yet: running or being scored."""
        return self.running or self is TakeState.SCORING


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


@dataclass(eq=False)
class Capture:
    """One running recorder as the session sees it: name, clock, meter, and who listens.

    ``tap`` gets every block with the rate before the listener (a live scorer).

    ``heard_at`` is the monotonic time of the last block louder than
    :data:`~tui.audio.meter.SPEECH_DBFS` (None until something was said).
    """

    listener: CaptureListener | None = None
    name: str = ""
    stem: str = ""
    tap: Callable[[np.ndarray, int], None] | None = None
    started_at: float = 0.0
    heard_at: float | None = None
    meter: LevelMeter = field(default_factory=lambda: LevelMeter(48000))
    _last_block_at: float | None = None

    def __repr__(self) -> str:
        return f"Capture({self.name!r}, stem={self.stem!r})"

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


@dataclass(eq=False)
class Take:
    """One attempt at one phrase, from pressing record to being saved (or rejected)."""

    pack: Pack
    phrase: Phrase
    reference: Reference
    capture: Capture = field(default_factory=Capture)
    state: TakeState = TakeState.STARTING
    recording: Recording | None = None
    result: Result | None = None
    live: Any = None
    """The :class:`tui.references.LiveScore` fed while recording (None: the file is scored)."""

    @property
    def recorder(self) -> str:
        """The name of the recorder taking it ("" until it started)."""
        return self.capture.name

    def __repr__(self) -> str:
        return f"Take({self.pack.id!r}/{self.phrase.id!r}, {self.state.name}, recorder={self.recorder!r})"


@dataclass(frozen=True)
class RecoveredTake:
    """A finished recording left in ``recordings/incoming/``: cut by a kill or a quit, or not saved.

    ``pack_id``/``phrase_id`` come from the take's sidecar ("" when unknown);
    ``pack_root`` is the folder of that pack.
    """

    path: Path
    recorded_at: datetime
    pack_id: str = ""
    phrase_id: str = ""
    text: str = ""
    pack_root: Path | None = None

    @property
    def sidecar(self) -> Path:
        """The file that says which phrase this take was for."""
        return sidecar_path(self.path.parent, self.path.name.removesuffix(".flac"))


def sidecar_path(directory: Path, stem: str) -> Path:
    """Where the sidecar of the recording ``<stem>.flac`` lives."""
    return directory / f"{stem}{SIDECAR_SUFFIX}"


def write_sidecar(directory: Path, stem: str, take: Take) -> None:
    """Note beside the recording which pack and phrase ``take`` is for (read back by :func:`read_recovered`)."""
    data = {
        "pack_id": take.pack.id,
        "pack_root": str(take.pack.root),
        "phrase_id": take.phrase.id,
        "text": take.phrase.text,
    }
    sidecar_path(directory, stem).write_text(json.dumps(data), encoding="utf-8")


def read_recovered(path: Path) -> RecoveredTake:
    """The recovered take at ``path`` with what its sidecar says (a missing or damaged sidecar says nothing)."""
    recorded = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    sidecar = sidecar_path(path.parent, path.name.removesuffix(".flac"))
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        fields = {key: str(data[key]) for key in ("pack_id", "phrase_id", "text", "pack_root")}
    except (OSError, ValueError, KeyError, TypeError):
        return RecoveredTake(path, recorded)
    root = Path(fields.pop("pack_root")) if fields["pack_root"] else None
    return RecoveredTake(path, recorded, fields["pack_id"], fields["phrase_id"], fields["text"], root)


def is_silent(score: Score) -> bool:
    """The scorer found no speech at all: a zero score with no alignment."""
    return score.overall == 0 and not score.path

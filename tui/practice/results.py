"""What the screens show of a phrase and of an attempt: the phrase's reference, an attempt's result.

Plain Python (no Textual).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from tui.speech.types import WordTiming

if TYPE_CHECKING:
    from tui.scoring.score import Score

Contour = tuple[np.ndarray, np.ndarray]
"""A pitch contour: ``(times s, f0 Hz with NaN where unvoiced)``."""


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


@dataclass(frozen=True, eq=False, kw_only=True)
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


def is_silent(score: Score) -> bool:
    """The scorer found no speech at all: a zero score with no alignment."""
    return score.overall == 0 and not score.path

"""Past attempts as the screens show them: phrase badges, a saved attempt ready to show.

Plain Python (no Textual); every function is blocking (SQLite, file I/O, DSP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tui.errors import PronounceError
from tui.packs.model import Pack
from tui.practice.results import Contour, Result

if TYPE_CHECKING:
    from tui.store import Attempt, AttemptStore


@dataclass(frozen=True)
class PhraseBadge:
    """What the phrase list shows beside a phrase: its best score, and whether it is due again.

    A phrase never tried has ``best`` None and is not marked due (it reads "new").
    """

    phrase_id: str
    best: float | None
    due: bool


def phrase_badges(store: AttemptStore, pack: Pack) -> list[PhraseBadge]:
    """Best score and due flag of every phrase of ``pack``, in pack order."""
    from tui.store.queue import practice_queue

    queue = {item.phrase_id: item for item in practice_queue(store, pack)}
    return [
        PhraseBadge(phrase.id, queue[phrase.id].stats.best, queue[phrase.id].due and not queue[phrase.id].is_new)
        for phrase in pack.phrases
    ]


def attempt_result(attempt: Attempt, *, reference_pitch: Contour | None = None) -> Result:
    """A saved attempt with its audio and pitch contours, ready to show.

    A missing or unreadable recording gives the score alone; the reference's
    pitch is computed from the stored reference audio when not given.
    """
    from tui.audio.files import load_audio
    from tui.scoring import pitch_track

    samples: np.ndarray | None = None
    samplerate, pitch = 16000, None
    try:
        samples, samplerate = load_audio(attempt.audio)
        pitch = pitch_track(samples, samplerate)
    except PronounceError:
        samples = None
    if reference_pitch is None and attempt.reference_audio is not None:
        try:
            reference_pitch = pitch_track(*load_audio(attempt.reference_audio))
        except PronounceError:
            reference_pitch = None
    return Result(samples=samples, samplerate=samplerate, score=attempt.score, attempt_pitch=pitch, reference_pitch=reference_pitch,
                  attempt_id=attempt.id, created_at=attempt.created_at)

"""Past attempts as the screens show them: a saved attempt ready to show.

Plain Python (no Textual); every function is blocking (SQLite, file I/O, DSP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tui.errors import PronounceError
from tui.practice.results import Contour, Result

if TYPE_CHECKING:
    from tui.store import Attempt


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

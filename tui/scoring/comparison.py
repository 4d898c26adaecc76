"""Compare an attempt with a reference: the public entry points of scoring."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tui.scoring import signal
from tui.scoring.features import FRAME_S, YIN_VOICED, frame_levels, voice_activity, yin
from tui.scoring.live import LiveScorer
from tui.scoring.prepared import PreparedReference, prepare_reference
from tui.scoring.score import Score
from tui.speech.types import WordTiming


def compare(
    reference: signal.AudioInput | PreparedReference,
    attempt: signal.AudioInput,
    *,
    words: Sequence[WordTiming] | None = None,
) -> Score:
    """Score ``attempt`` against ``reference``.

    The attempt goes through the same :class:`~tui.scoring.live.LiveScorer` the
    app feeds while recording, in one block: the same samples give the same
    score either way.

    Parameters
    ----------
    reference : path, (samples, samplerate) or PreparedReference
        A prepared reference carries the phrase text, language and cohort;
        raw audio is scored by template match only.
    attempt : path or (samples, samplerate)
        Any rate and channel count, at most 2 minutes (checked before decoding).
    words : sequence of WordTiming, optional
        Reference word boundaries (s); ignored for a PreparedReference.

    Returns
    -------
    Score
        Overall and sub-scores 0–100, one entry per reference word, issues,
        a downsampled alignment path and the evidence used.

    Raises
    ------
    AudioFormatError
        Unreadable, empty, too long or invalid audio, or speech under 0.2 s.
    ScoringError
        If the calibration file is missing.
    """
    if not isinstance(reference, PreparedReference):
        reference = prepare_reference(reference, words=words)
    samples, sr = signal.read(attempt, what="attempt")
    scorer = LiveScorer(reference)
    scorer.feed(samples, sr)
    return scorer.finish()


def pitch_track(samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Pitch contour for plots.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,) or (n, channels)]
    sr : int

    Returns
    -------
    times : np.ndarray [shape=(n_frames,)]
        Seconds.
    f0 : np.ndarray [shape=(n_frames,)]
        Hz, NaN where unvoiced or silent.
    """
    y = signal.load((samples, sr), what="audio")
    levels = frame_levels(y)
    f0, aperiodicity = yin(y)
    n = min(levels.size, f0.size)
    voiced = voice_activity(levels)[:n] & (aperiodicity[:n] < YIN_VOICED) & (levels[:n] > -60.0)
    return np.arange(n) * FRAME_S, np.where(voiced, f0[:n], np.nan)

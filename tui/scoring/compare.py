"""Compare an attempt with a reference: the public entry points of scoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring import signal
from tui.scoring.calibration import load_calibration
from tui.scoring.features import FRAME_S, YIN_VOICED, Analysis, analyse, frame_levels, voice_activity, yin
from tui.scoring.issues import find_issues
from tui.scoring.measure import SENTENCE_FEATURES, Measurements, WordSpan, measure
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming

SCORER_VERSION = "mfcc-dtw-1"
PATH_POINTS = 200
"""At most this many alignment points are kept in :attr:`Score.path`."""


@dataclass(frozen=True)
class PreparedReference:
    """A reference analysed once and reused for every attempt.

    Attributes
    ----------
    analysis : Analysis
        Trimmed, normalised features and pitch of the reference.
    words : tuple of WordTiming
        Word boundaries in the reference (s); empty when unknown.
    """

    analysis: Analysis
    words: tuple[WordTiming, ...]

    def spans(self) -> list[WordSpan]:
        """The words as reference frame spans of the trimmed analysis."""
        a = self.analysis
        return [
            WordSpan(
                w.text,
                int(np.clip(round((w.start - a.offset) / FRAME_S), 0, a.n_frames - 1)),
                int(np.clip(round((w.end - a.offset) / FRAME_S), 1, a.n_frames)),
            )
            for w in self.words
        ]


def prepare_reference(
    audio: signal.AudioInput,
    *,
    words: Sequence[WordTiming] | None = None,
    text: str | None = None,
    lang: str | None = None,
) -> PreparedReference:
    """Analyse a reference once for many comparisons.

    Parameters
    ----------
    audio : path or (samples, samplerate)
    words : sequence of WordTiming, optional
        Word boundaries (s), e.g. from the lesson pack.
    text, lang : str, optional
        Without ``words`` (None or empty), the boundaries are derived from
        ``text`` (see :func:`tui.scoring.words.derive_word_timings`).

    Raises
    ------
    AudioFormatError
        If the reference is unreadable, invalid, silent or too short.
    """
    samples = signal.load(audio, what="reference")
    analysis = analyse(samples, what="reference")
    if analysis is None:
        raise AudioFormatError("the reference is silent", hint="choose or record a reference with speech in it")
    if not words and text:
        from tui.scoring.words import derive_word_timings

        words = derive_word_timings(samples, signal.ANALYSIS_SR, text, lang=lang or "en-us")
    return PreparedReference(analysis, tuple(words or ()))


def _silent_score(reference: PreparedReference) -> Score:
    return Score(
        overall=0.0,
        accuracy=0.0,
        fluency=0.0,
        intonation=0.0,
        completeness=0.0,
        words=tuple(WordScore(w.text, 0.0, w.start, w.end) for w in reference.words),
        issues=("no speech detected",),
        scorer_version=SCORER_VERSION,
    )


def measure_pair(reference: PreparedReference, attempt: signal.AudioInput) -> tuple[Analysis | None, Measurements | None]:
    """The attempt's analysis and raw measurements (None for both when it is silent)."""
    samples = signal.load(attempt, what="attempt")
    analysis = analyse(samples, what="attempt")
    if analysis is None:
        return None, None
    return analysis, measure(reference.analysis, analysis, reference.spans())


def compare(
    reference: signal.AudioInput | PreparedReference,
    attempt: signal.AudioInput,
    *,
    words: Sequence[WordTiming] | None = None,
) -> Score:
    """Score ``attempt`` against ``reference``.

    Parameters
    ----------
    reference : path, (samples, samplerate) or PreparedReference
    attempt : path or (samples, samplerate)
        Any rate and channel count; analysed mono at 16 kHz.
    words : sequence of WordTiming, optional
        Reference word boundaries (s); ignored for a PreparedReference.

    Returns
    -------
    Score
        Overall and sub-scores 0–100, one entry per reference word, issues,
        a downsampled alignment path.

    Raises
    ------
    AudioFormatError
        Unreadable, empty or invalid audio, or speech under 0.2 s.
    ScoringError
        If the calibration file is missing.
    """
    if not isinstance(reference, PreparedReference):
        reference = prepare_reference(reference, words=words)
    analysis, found = measure_pair(reference, attempt)
    if analysis is None or found is None:
        return _silent_score(reference)
    return score_measurements(reference, analysis, found)


def score_measurements(reference: PreparedReference, att: Analysis, found: Measurements) -> Score:
    """Turn raw measurements into a calibrated :class:`Score` with words and issues."""
    calibration = load_calibration()
    x = np.array([[found.sentence[name] for name in SENTENCE_FEATURES]])
    gate = calibration.gate(found.sentence["excess_mean"])
    subs = {name: float(np.clip(model(x)[0], 0.0, 100.0)) * gate for name, model in calibration.sentence.items()}
    completeness = float(np.clip(100.0 * found.sentence["coverage"] / 0.9, 0.0, 100.0))
    overall = subs["overall"] * min(1.0, completeness / 80.0)
    words: list[WordScore] = []
    if reference.words:
        overall_raw = calibration.sentence["overall"].raw(x)[0]
        rows = np.hstack([found.words, np.full((len(found.words), 1), overall_raw)])
        word_scores = np.clip(calibration.word(rows), 0.0, 100.0) * gate
        for timing, value, span in zip(reference.words, word_scores, found.word_att):
            att_start, att_end = (round(float(t), 3) for t in np.asarray(att.time(np.asarray(span))))
            words.append(WordScore(timing.text, round(float(value), 1), timing.start, timing.end, att_start, att_end))
    step = max(1, len(found.path) // PATH_POINTS)
    kept = found.path[::step]
    seconds = np.stack([reference.analysis.time(kept[:, 0]), att.time(kept[:, 1])], axis=1).round(3)
    path = tuple((float(r), float(a)) for r, a in seconds)
    return Score(
        overall=round(overall, 1),
        accuracy=round(subs["accuracy"], 1),
        fluency=round(subs["fluency"], 1),
        intonation=round(subs["intonation"], 1),
        completeness=round(completeness, 1),
        words=tuple(words),
        issues=find_issues(found, words, content=gate),
        path=path,
        scorer_version=SCORER_VERSION,
    )


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

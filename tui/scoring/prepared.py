"""A reference analysed once and reused for every attempt at it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring import phones, signal
from tui.scoring.cohort import Cohort, build_cohort, pooled
from tui.scoring.features import FRAME_S, Analysis, analyse
from tui.scoring.measure import WordSpan
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming

SCORER_VERSION = "mfcc-dtw-gop-3"
DEFAULT_COHORT_LANG = "en-us"
"""Built-in cohort of a reference whose language is unknown: other sentences, whatever the language, still tell."""


@dataclass(frozen=True)
class PreparedReference:
    """A reference analysed once and reused for every attempt.

    Attributes
    ----------
    analysis : Analysis
        Trimmed, normalised features and pitch of the reference.
    words : tuple of WordTiming
        Word boundaries in the reference (s); empty when unknown.
    text, lang : str
        The phrase and its BCP 47 language ("" when unknown).
    cohort : Cohort or None
        Other references in the same voice, for the content check (never this one).
    phones : bool
        Whether attempts get phone evidence (English, with at least one alignable word).
    alignable : bool
        False when the phrase has no word that can be aligned (numbers, symbols, no text).
    """

    analysis: Analysis
    words: tuple[WordTiming, ...]
    text: str = ""
    lang: str = ""
    cohort: Cohort | None = None
    phones: bool = False
    alignable: bool = True
    pooled: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pooled", pooled(self.analysis.feats))

    def spans(self) -> list[WordSpan]:
        """The words as reference frame spans of the trimmed analysis."""
        return word_spans(self.analysis, self.words)


def word_spans(analysis: Analysis, words: Sequence[WordTiming]) -> list[WordSpan]:
    """Word timings (s) as frame spans ``[start, end)`` of the trimmed ``analysis``."""
    return [
        WordSpan(
            w.text,
            int(np.clip(round((w.start - analysis.offset) / FRAME_S), 0, analysis.n_frames - 1)),
            int(np.clip(round((w.end - analysis.offset) / FRAME_S), 1, analysis.n_frames)),
        )
        for w in words
    ]


def prepare_reference(
    audio: signal.AudioInput,
    *,
    words: Sequence[WordTiming] | None = None,
    text: str | None = None,
    lang: str | None = None,
    cohort: Cohort | None = None,
) -> PreparedReference:
    """Analyse a reference once for many comparisons.

    Parameters
    ----------
    audio : path or (samples, samplerate)
        At most 30 s (checked before decoding).
    words : sequence of WordTiming, optional
        Word boundaries (s), e.g. from the lesson pack.
    text : str, optional
        The phrase. Without ``words`` (None or empty) the boundaries are derived
        from it (see :func:`tui.scoring.words.derive_word_timings`); in English
        it is what the attempt is force-aligned to.
    lang : str, optional
        BCP 47 language of ``text`` [default: en-us when there is text].
    cohort : Cohort, optional
        Other references in the same voice (see :func:`tui.scoring.cohort.build_cohort`
        and :func:`tui.scoring.cohort.pack_cohort`); a member equal to this
        reference is left out. By default the language's built-in sentences
        (English ones when the language is unknown; cached per process);
        ``Cohort(())`` turns the check off.

    Raises
    ------
    AudioFormatError
        If the reference is unreadable, invalid, too long, silent or too short.
    """
    samples = signal.load(audio, what="reference")
    analysis = analyse(samples, what="reference")
    if analysis is None:
        raise AudioFormatError("the reference is silent", hint="choose or record a reference with speech in it")
    lang = lang or ("en-us" if text else "")
    if not words and text:
        from tui.scoring.words import derive_word_timings

        words = derive_word_timings(samples, signal.ANALYSIS_SR, text, lang=lang)
    words = tuple(words or ())
    english = bool(text) and phones.covers(lang)
    if english:
        alignable = any(phones.dictionary_tokens(w.text) for w in words)
        phones.warm_up([w.text for w in words])
    else:
        alignable = bool(words)
    own = pooled(analysis.feats)
    if cohort is None:
        cohort = build_cohort(lang=lang or DEFAULT_COHORT_LANG)
    if cohort is not None:
        cohort = Cohort(tuple(m for m in cohort.members if not (m.shape == own.shape and np.array_equal(m, own))))
    return PreparedReference(analysis, words, text or "", lang, cohort, phones=english and alignable, alignable=alignable)


def silent_score(reference: PreparedReference) -> Score:
    """The score of an attempt with no speech in it."""
    return Score(
        overall=0.0,
        accuracy=0.0,
        fluency=0.0,
        intonation=0.0,
        completeness=0.0,
        words=tuple(WordScore(text=w.text, score=0.0, ref_start=w.start, ref_end=w.end) for w in reference.words),
        issues=("no speech detected",),
        scorer_version=SCORER_VERSION,
        evidence="",
    )

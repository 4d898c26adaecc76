"""A reference analysed once and reused for every attempt at it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring import english, signal
from tui.scoring.cohort import Cohort, build_cohort, pack_cohort, pooled
from tui.scoring.english import EnglishPhrase
from tui.scoring.features import FRAME_S, Analysis, analyse
from tui.scoring.measure import WordSpan
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming

SCORER_VERSION = "whisper-ctc-6"
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
    english : EnglishPhrase or None
        The phrase spelled for English evidence (English text with at least one alignable word).
    alignable : bool
        False when the phrase has no word that can be aligned (numbers, symbols, no text).
    """

    analysis: Analysis
    words: tuple[WordTiming, ...]
    text: str = ""
    lang: str = ""
    cohort: Cohort | None = None
    english: EnglishPhrase | None = None
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
    spelled = english.prepare([w.text for w in words]) if text and english.covers(lang) else None
    alignable = spelled.alignable if spelled is not None else bool(words)
    own = pooled(analysis.feats)
    if cohort is None:
        cohort = build_cohort(lang=lang or DEFAULT_COHORT_LANG)
    if cohort is not None:
        cohort = Cohort(tuple(m for m in cohort.members if not (m.shape == own.shape and np.array_equal(m, own))))
    return PreparedReference(
        analysis, words, text or "", lang, cohort, english=spelled if spelled is not None and alignable else None, alignable=alignable
    )


def prepare_phrase(
    text: str | None,
    *,
    lang: str | None = None,
    audio: signal.AudioInput | None = None,
    words: Sequence[WordTiming] | None = None,
    others: Sequence[signal.AudioInput] = (),
) -> PreparedReference:
    """Everything a phrase is scored against: the one way the app, ``review --rescore``, the server and the CLI prepare it.

    Parameters
    ----------
    text : str or None
        The phrase. None scores by template match only (a reference without text).
    lang : str, optional
        Its BCP 47 language [default: en-us when there is text].
    audio : path or (samples, samplerate), optional
        The reference recording; without it espeak-ng speaks ``text`` (and gives the word timings).
    words : sequence of WordTiming, optional
        Word boundaries in ``audio`` (s); derived from the text when missing.
    others : sequence of path or (samples, samplerate)
        The other references of the phrase's pack (the phrase's own may be among them: it is left out),
        which join the language's built-in sentences in the content check's cohort.

    Raises
    ------
    AudioFormatError
        The reference is unreadable, too long, silent or too short.
    TTSError
        There is no reference and espeak-ng cannot speak ``text`` in ``lang``.
    """
    lang = (lang or ("en-us" if text else "")).lower()
    if audio is None:
        if not text:
            raise AudioFormatError("there is neither a reference nor a text to score against", hint="give one of the two")
        from tui.speech.tts import synthesize

        speech = synthesize(text, lang=lang)
        audio, words = (speech.samples, speech.samplerate), speech.words
    cohort = pack_cohort(others, lang=lang) if others else build_cohort(lang=lang or DEFAULT_COHORT_LANG)
    return prepare_reference(audio, words=words, text=text, lang=lang or None, cohort=cohort)


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

"""English evidence about one take: Whisper's word probabilities and the phone recogniser's GOP, as features.

:func:`prepare` spells a phrase once (its words as Whisper writes them, their
phones); :func:`hear` runs both models on a level-normalised take;
:func:`sentence_features` and :func:`word_features` turn the result into the
named measurements the fitted scorer reads (``bench/fit_scorer.py`` computes
them with these same functions). :func:`weakest_sound` names the finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tui.scoring import explained, gop, lexicon, models, whisper
from tui.scoring.gop import GopEvidence
from tui.scoring.whisper import WhisperEvidence

MISSING_LOGPROB = -12.0
"""Whisper log-probability given to a word with no token (below any word said)."""
MISSING_LPR = -12.0
"""Phone margin given to a word with no phone, or to every word when the phones could not be aligned."""
GOP_RANGE = 10.0
"""Phone LPP and LPR are clipped to ±this: beyond it a phone is simply absent or sure, and one squeezed phone
(CTC alignments are peaky) must not outweigh a sentence."""
LANGUAGES = ("en",)
"""Primary language tags the English models cover."""
SENTENCE_FEATURES = ("w_mean", "w_min", "g_lpp", "g_lpr", "g_word_min", "heard_share", "phone_rate")
WORD_FEATURES = ("w_word", "w_heard", "g_word_said", "g_word_lpp", "g_word_lpr", "g_word_worst")


@dataclass(frozen=True)
class EnglishPhrase:
    """A phrase ready for English evidence: its written words and each word's phones (None: nothing to align)."""

    words: tuple[str, ...]
    phones: tuple[tuple[str, ...] | None, ...]

    @property
    def alignable(self) -> bool:
        """Whether any word has phones."""
        return any(self.phones)


@dataclass(frozen=True)
class EnglishEvidence:
    """Both models' view of one take.

    ``heard_phones`` is the phone recogniser's own reading of the take (None:
    not decoded), matched to the phrase's phones (``phrase_phones``) and to
    those of Whisper's transcription (``transcription_phones``) by the guard
    (:mod:`tui.scoring.explained`).
    """

    whisper: WhisperEvidence
    gop: GopEvidence
    heard_phones: tuple[str, ...] | None = None
    phrase_phones: tuple[tuple[str, ...] | None, ...] = ()
    transcription_phones: tuple[tuple[str, ...] | None, ...] = ()


def covers(lang: str) -> bool:
    """Whether English evidence exists for the BCP 47 language ``lang``."""
    return lang.lower().replace("_", "-").split("-")[0] in LANGUAGES


def prepare(words: Sequence[str]) -> EnglishPhrase:
    """Spell the phrase's words (espeak-ng, cached per word)."""
    return EnglishPhrase(tuple(words), lexicon.spell_all(words))


def hear(phrase: EnglishPhrase, y: np.ndarray) -> EnglishEvidence:
    """Run Whisper and the phone recogniser on ``y`` (16 kHz, level-normalised).

    Raises
    ------
    ModelError
        A model is missing or damaged.
    """
    model, recogniser = models.whisper(), models.phone_recogniser()
    with ThreadPoolExecutor(1, thread_name_prefix="pronounce-phones") as pool:
        # both engines leave the GIL while they compute: on two cores the posteriors come during Whisper's work
        posteriors = pool.submit(gop.posteriors, recogniser, y)
        listened = whisper.listen(model, y, phrase.words)
        logp = posteriors.result()
        aligned = gop.align(recogniser, logp, phrase.phones)
    heard = explained.free_phones(logp, recogniser.tokens)
    return EnglishEvidence(listened, aligned, heard, phrase.phones, transcription_phones(listened.heard))


def transcription_phones(transcription: str) -> tuple[tuple[str, ...] | None, ...]:
    """The phones of the words of Whisper's transcription (espeak-ng, cached per word; new words spelled together)."""
    return lexicon.spell_all(transcription.split())


def _normal(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum() or c == "'")


def heard_share(words: Sequence[str], heard: str) -> float:
    """The share of the phrase's words that Whisper's own transcription contains (in order or not)."""
    targets = [_normal(w) for w in words if _normal(w)]
    if not targets:
        return 0.0
    said = [_normal(w) for w in heard.split()]
    found = 0
    for word in targets:
        if word in said:
            said.remove(word)
            found += 1
    return found / len(targets)


def heard_words(words: Sequence[str], heard: str) -> np.ndarray:
    """Which phrase words Whisper's own transcription holds, matched in order.

    The forced probabilities carry Whisper's language model: after "Hello, how"
    it finds "are you" likely even when they were never said. Its free
    transcription does not guess words that are not there.

    Returns
    -------
    np.ndarray [shape=(n_words,)], bool
    """
    said = [_normal(w) for w in heard.split()]
    found = np.zeros(len(words), dtype=bool)
    position = 0
    for i, word in enumerate(words):
        target = _normal(word)
        if target and target in said[position:]:
            position = said.index(target, position) + 1
            found[i] = True
    return found


def word_table(evidence: EnglishEvidence) -> np.ndarray:
    """Per-word features (:data:`WORD_FEATURES`), one row per phrase word.

    Returns
    -------
    np.ndarray [shape=(n_words, len(WORD_FEATURES))]
    """
    rows = []
    in_heard = heard_words([w.text if w is not None else "" for w in evidence.whisper.words], evidence.whisper.heard)
    for prob, aligned, heard in zip(evidence.whisper.words, evidence.gop.words, in_heard):
        w = prob.logprob if prob is not None else MISSING_LOGPROB
        if aligned is None or evidence.gop.failed:
            rows.append((w, float(heard), 0.0, MISSING_LPR, MISSING_LPR, MISSING_LPR))
        elif aligned.worst is None:  # left out by the alignment
            rows.append((w, float(heard), 0.0, -GOP_RANGE, -GOP_RANGE, -GOP_RANGE))
        else:
            gops = np.clip((aligned.lpp, aligned.lpr, aligned.worst.lpr), -GOP_RANGE, GOP_RANGE)
            rows.append((w, float(heard), 1.0, *gops))
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(WORD_FEATURES))


def found(evidence: EnglishEvidence) -> np.ndarray:
    """Which phrase words the evidence found: kept by the phone alignment, or in Whisper's own transcription.

    Returns
    -------
    np.ndarray [shape=(n_words,)], bool
    """
    table = word_table(evidence)
    return (table[:, WORD_FEATURES.index("g_word_said")] > 0) | (table[:, WORD_FEATURES.index("w_heard")] > 0)


def sentence_features(evidence: EnglishEvidence, words: Sequence[str], speech_seconds: float) -> dict[str, float]:
    """Sentence measurements (:data:`SENTENCE_FEATURES`) of one take."""
    table = word_table(evidence)
    phones = evidence.gop.phones()
    if phones and not evidence.gop.failed:
        lpp = float(np.mean(np.clip([p.lpp for p in phones], -GOP_RANGE, GOP_RANGE)))
        lpr = float(np.mean(np.clip([p.lpr for p in phones], -GOP_RANGE, GOP_RANGE)))
    else:
        lpp = lpr = MISSING_LPR
    return {
        "w_mean": float(table[:, 0].mean()) if table.size else MISSING_LOGPROB,
        "w_min": float(table[:, 0].min()) if table.size else MISSING_LOGPROB,
        "g_lpp": lpp,
        "g_lpr": lpr,
        "g_word_min": float(table[:, WORD_FEATURES.index("g_word_lpr")].min()) if table.size else MISSING_LPR,
        "heard_share": heard_share(words, evidence.whisper.heard),
        "phone_rate": float(np.log(max(len(phones), 1) / max(speech_seconds, 0.2))),
    }


def word_spans(evidence: EnglishEvidence) -> list[tuple[float, float] | None]:
    """Where each word lies in the take (s): from the phone alignment, else Whisper's; None when neither placed it."""
    spans: list[tuple[float, float] | None] = []
    for prob, aligned in zip(evidence.whisper.words, evidence.gop.words):
        if aligned is not None and aligned.said and not evidence.gop.failed:
            spans.append((aligned.phones[0].start, aligned.phones[-1].end))
        elif prob is not None:
            spans.append((prob.start, prob.end))
        else:
            spans.append(None)
    return spans


HEARD_OTHER_LPR = 0.0
"""A phone whose margin is below this was heard as another phone."""


def weakest_sound(evidence: EnglishEvidence, words: Sequence[str], index: int) -> str | None:
    """The finding about word ``index``'s weakest sound, in plain words (None when it has no aligned phone).

    "the 'th' in 'the' sounded like 'd'" when another phone was more likely,
    else "the vowel in 'cat' was unclear".
    """
    if evidence.gop.failed or index >= len(evidence.gop.words):
        return None
    aligned = evidence.gop.words[index]
    worst = None if aligned is None else aligned.worst
    if worst is None:
        return None
    word = words[index].strip(".,!?;:\"()").lower() or words[index]
    name = lexicon.phone_name(worst.phone, word)
    if worst.lpr < HEARD_OTHER_LPR and worst.heard not in ("<wb>", "<blank>", "<unk>"):
        return f"{name} sounded like {lexicon.heard_name(worst.heard)}"
    return f"{name} was unclear"

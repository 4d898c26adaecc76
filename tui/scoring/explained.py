"""How much of a take the phrase explains: the guard against another phrase said instead.

Forced alignment always puts the phrase somewhere: the phones of "I'm sorry"
fit inside "My name is Alex", so a take of another, longer phrase seems to hold
every word. What the alignment cannot show is the speech the phrase does *not*
explain. Two free listeners do:

- the phone recogniser's own decoding (greedy CTC: the best token per frame,
  repeats and blanks removed), matched to the phrase's phones (longest common
  subsequence, a phone matching any token of its slot);
- Whisper's own transcription, matched to the phrase's words.

Each gives the share of what it heard that the phrase explains: extra speech
lowers it, a partial take does not (completeness and the content check see
those). The third measurement lets the listeners check each other: how much
better the phrase explains the heard phones than Whisper's own transcription
does (below 0 when both listeners agree on other words: another phrase; near 0
when Whisper heard the phrase, or misheard a take it could not make out).

A logistic function of the three (fitted on speechocean762-dev by
``bench/bench_guard.py``: right takes against other sentences and against the
en-basics pack's short phrases) gives the probability that the take says the
phrase; below :data:`GATE` it scales every score as the content check does,
and the words only the aligner placed stop counting towards completeness.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tui.scoring.calibration import DOUBTED_SCALE
from tui.scoring.lexicon import ARPABET_TO_IPA

if TYPE_CHECKING:
    from tui.scoring.english import EnglishEvidence

FEATURES = ("phones_explained", "words_explained", "phones_margin")
COEF = (17.26, 8.94, 5.54)
INTERCEPT = -6.37
"""The guard's logistic function of :data:`FEATURES` (fitted by ``bench/bench_guard.py``)."""
GATE = (0.06, 0.11)
"""Guard probability at or below which every score is scaled by DOUBTED_SCALE, and from which it stands."""


def is_phone(token: str) -> bool:
    """Whether a recogniser token is a phone (not a blank, a boundary, a tone mark or punctuation)."""
    return bool(token) and not token.startswith("<") and unicodedata.category(token[0]) in ("Ll", "Lu", "Lo")


def free_phones(logp: np.ndarray, tokens: Sequence[str]) -> tuple[str, ...]:
    """The recogniser's own reading of a take: greedy CTC decoding of its log-posteriors.

    Parameters
    ----------
    logp : np.ndarray [shape=(n_frames, n_tokens)]
    tokens : sequence of str
        The recogniser's token names.

    Returns
    -------
    tuple of str
        IPA phone tokens, in order.
    """
    if logp.shape[0] == 0:
        return ()
    best = np.asarray(logp).argmax(axis=1)
    changed = np.concatenate(([True], best[1:] != best[:-1]))
    return tuple(tokens[i] for i in best[changed] if is_phone(tokens[i]))


def common(slots: Sequence[frozenset[str]], heard: Sequence[str]) -> int:
    """Length of the longest common subsequence of the phrase's slots and the heard tokens (a token matches its slot)."""
    if not slots or not heard:
        return 0
    row = np.zeros(len(heard) + 1, dtype=np.int64)
    for slot in slots:
        match = np.fromiter((token in slot for token in heard), dtype=np.int64, count=len(heard))
        # next[j + 1] = max(row[j + 1], row[j] + match[j], next[j]): a running maximum
        row = np.concatenate(([0], np.maximum.accumulate(np.maximum(row[1:], row[:-1] + match))))
    return int(row[-1])


def phones_explained(phones: Sequence[tuple[str, ...] | None], heard: Sequence[str]) -> float:
    """The share of the heard phone tokens (IPA) that the phrase's phones (ARPAbet, per word) explain, in order.

    1 when nothing was heard (nothing is unexplained).
    """
    slots = [frozenset(ARPABET_TO_IPA[p]) for word in phones if word for p in word]
    return common(slots, heard) / len(heard) if heard else 1.0


def _normal(text: str) -> str:
    return "".join(c for c in text.lower().replace("’", "'") if c.isalnum() or c == "'")


def words_explained(words: Sequence[str], transcription: str) -> float:
    """The share of the words of Whisper's transcription that are phrase words (in any order; 1 when it is empty)."""
    targets = [w for w in map(_normal, words) if w]
    heard = [w for w in map(_normal, transcription.split()) if w]
    if not heard:
        return 1.0
    found = 0
    for word in heard:
        if word in targets:
            targets.remove(word)
            found += 1
    return found / len(heard)


def measurements(words: Sequence[str], evidence: EnglishEvidence) -> dict[str, float] | None:
    """The guard's :data:`FEATURES` of one take (None when the phone recogniser's own reading is unknown)."""
    if evidence.heard_phones is None:
        return None
    phrase = phones_explained(evidence.phrase_phones, evidence.heard_phones)
    transcription = phones_explained(evidence.transcription_phones, evidence.heard_phones) if evidence.whisper.heard.strip() else 0.0
    return {
        "phones_explained": phrase,
        "words_explained": words_explained(words, evidence.whisper.heard),
        "phones_margin": phrase - transcription,
    }


def p_right(values: dict[str, float]) -> float:
    """The guard's probability that the take says the phrase, from :data:`FEATURES` in ``values``."""
    raw = INTERCEPT + sum(c * values[name] for c, name in zip(COEF, FEATURES))
    return float(1.0 / (1.0 + np.exp(-np.clip(raw, -40.0, 40.0))))


def scale(values: dict[str, float]) -> float:
    """The factor the guard puts on every score: DOUBTED_SCALE at or below the gate's low end, 1 from its high end."""
    return float(np.interp(p_right(values), GATE, [DOUBTED_SCALE, 1.0]))


def trust(guard_scale: float) -> float:
    """How far words only the aligner placed count as found: 0 for a doubted take, 1 for an undoubted one."""
    return float(np.clip((guard_scale - DOUBTED_SCALE) / (1.0 - DOUBTED_SCALE), 0.0, 1.0))

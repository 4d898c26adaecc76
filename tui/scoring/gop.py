"""Goodness of pronunciation per phone from a CTC phone recogniser's posteriors.

The phone recogniser (see :mod:`tui.scoring.models`) gives a log-posterior per
IPA token every 20 ms. The phrase's phones (each a *slot*: the tokens that count
as that phone, see :mod:`tui.scoring.lexicon`) are force-aligned to them with
the CTC topology (optional blanks between phones, a blank needed between two
equal slots), by Viterbi. For each phone, over the frames it holds:

- **LPP**: the mean log-posterior of the expected phone (0 is sure);
- **LPR**: its margin to the best other phone (below 0: another phone was
  more likely, and that one is what the learner seems to have said);
- its duration, up to where the next phone starts.

CTC posteriors are peaky (a phone holds one or two frames, blanks the rest), so
durations are approximate; the margins are what carry the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tui.scoring.lexicon import ARPABET_TO_IPA
from tui.scoring.models import PhoneRecogniser

FRAME_S = 0.02
"""Seconds per posterior frame."""
FLOOR = -30.0
"""Log-posterior floor (a token the model rules out entirely)."""
SKIP_COST = 4.0
"""Log-probability paid per phone of a word the alignment leaves out: a word whose phones fit worse than this on
average (a word that was not said, squeezed in somewhere) is left out instead, so a partial take aligns what it holds."""


@dataclass(frozen=True)
class PhoneGop:
    """One aligned phone.

    Attributes
    ----------
    phone : str
        ARPAbet.
    lpp, lpr : float
        Mean log-posterior of the expected phone, and its margin to the best other phone.
    start, end : float
        Its span in the take (s), up to the next phone's start.
    heard : str
        The IPA token most likely instead (the best other phone).
    """

    phone: str
    lpp: float
    lpr: float
    start: float
    end: float
    heard: str


@dataclass(frozen=True)
class WordGop:
    """The aligned phones of one word (none when the alignment left the word out: it was not said)."""

    phones: tuple[PhoneGop, ...]

    @property
    def said(self) -> bool:
        """Whether the alignment kept the word."""
        return bool(self.phones)

    @property
    def lpp(self) -> float:
        """Mean LPP of its phones (:data:`FLOOR` when left out)."""
        return float(np.mean([p.lpp for p in self.phones])) if self.phones else FLOOR

    @property
    def lpr(self) -> float:
        """Mean LPR of its phones (:data:`FLOOR` when left out)."""
        return float(np.mean([p.lpr for p in self.phones])) if self.phones else FLOOR

    @property
    def worst(self) -> PhoneGop | None:
        """Its phone with the lowest margin (None when left out)."""
        return min(self.phones, key=lambda p: p.lpr) if self.phones else None


@dataclass(frozen=True)
class GopEvidence:
    """The phrase force-aligned to the posteriors of one take.

    ``words`` has one entry per phrase word (None for a word with no phones to
    align, such as a number); ``failed`` means the take is too short to hold
    the phrase's phones at all.
    """

    words: tuple[WordGop | None, ...]
    failed: bool
    seconds: float

    def phones(self) -> list[PhoneGop]:
        """Every aligned phone, in order (a left-out word has none)."""
        return [p for w in self.words if w is not None for p in w.phones]


def posteriors(model: PhoneRecogniser, y: np.ndarray) -> np.ndarray:
    """Log-posteriors of 16 kHz mono samples ``y`` in [-1, 1].

    Returns
    -------
    np.ndarray [shape=(n_frames, n_tokens)], float32
        One row per 20 ms.
    """
    wave_in, length_in, probs_out, length_out = model.names
    wav = np.ascontiguousarray(np.clip(y, -1.0, 1.0), dtype=np.float32).reshape(1, -1)
    log_probs, lengths = model.session.run([probs_out, length_out], {wave_in: wav, length_in: np.array([wav.shape[1]], np.int64)})
    n = int(np.asarray(lengths).reshape(-1)[0])
    return np.maximum(np.asarray(log_probs[0][:n], dtype=np.float32), FLOOR)


def slot_ids(model: PhoneRecogniser, phone: str) -> tuple[int, ...]:
    """The recogniser's token ids that count as the ARPAbet ``phone``."""
    index = {token: i for i, token in enumerate(model.tokens)}
    return tuple(index[t] for t in ARPABET_TO_IPA[phone] if t in index)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]


def viterbi(blank: np.ndarray, labels: np.ndarray, repeats: np.ndarray, words: Sequence[int]) -> np.ndarray | None:
    """CTC forced alignment in which a whole word may be left out, at :data:`SKIP_COST` per phone.

    Parameters
    ----------
    blank : np.ndarray [shape=(T,)]
        Log-probability of no phone in each frame.
    labels : np.ndarray [shape=(T, L)]
        Log-probability of each expected phone in each frame.
    repeats : np.ndarray [shape=(L,)], bool
        Whether phone ``i`` has the same slot as phone ``i - 1`` (a blank must separate them).
    words : sequence of int
        How many of the phones each word has, in order (they add up to ``L``).

    Returns
    -------
    np.ndarray [shape=(T,)], int or None
        The phone index each frame is given (-1 for blank or a left-out word), None when there are no frames.
    """
    t_max, n = labels.shape
    states = 2 * n + 1
    if t_max == 0:
        return None
    emit = np.empty((t_max, states), dtype=np.float64)
    emit[:, 0::2] = blank[:, None]
    emit[:, 1::2] = labels
    step2_ok = np.zeros(states, dtype=bool)
    step2_ok[3::2] = ~repeats[1:]
    # leaving word k out: from the blank before its first phone straight to the blank after its last
    starts = np.cumsum([0, *words])
    jump = np.zeros(states, dtype=np.int64)
    jump_cost = np.full(states, -np.inf)
    for first, count in zip(starts[:-1], words):
        jump[2 * (first + count)] = 2 * count
        jump_cost[2 * (first + count)] = -SKIP_COST * count
    jumped = np.flatnonzero(jump)
    score = np.full(states, -np.inf)
    score[:2] = emit[0, :2]
    back = np.zeros((t_max, states), dtype=np.int64)
    for t in range(1, t_max):
        stay = score
        step = np.concatenate(([-np.inf], score[:-1]))
        step2 = np.where(step2_ok, np.concatenate(([-np.inf, -np.inf], score[:-2])), -np.inf)
        left_out = np.full(states, -np.inf)
        left_out[jumped] = score[jumped - jump[jumped]] + jump_cost[jumped]
        options = np.stack([stay, step, step2, left_out])
        choice = np.argmax(options, axis=0)
        score = options[choice, np.arange(states)] + emit[t]
        back[t] = np.where(choice == 3, jump, choice)
    # ending before the last words means leaving them out too
    remaining = np.concatenate([np.cumsum(np.asarray(words)[::-1])[::-1], [0]])
    ends = 2 * starts
    finals = score[ends] - SKIP_COST * remaining
    best = int(np.argmax(finals))
    end, total = int(ends[best]), float(finals[best])
    if score[states - 2] > total:
        end, total = states - 2, float(score[states - 2])
    if not np.isfinite(total):
        return None
    path = np.empty(t_max, dtype=np.int64)
    state = end
    for t in range(t_max - 1, -1, -1):
        path[t] = state
        state -= int(back[t, state])
    return np.where(path % 2 == 1, path // 2, -1)


def align(model: PhoneRecogniser, logp: np.ndarray, words: Sequence[tuple[str, ...] | None]) -> GopEvidence:
    """Force-align the words' phones to the log-posteriors ``logp`` and measure each phone."""
    seconds = logp.shape[0] * FRAME_S
    phones = [p for w in words if w for p in w]
    if not phones:
        return GopEvidence(tuple(None for _ in words), failed=True, seconds=seconds)
    slots = [slot_ids(model, p) for p in phones]
    blank_ids = [model.blank] + [i for i, t in enumerate(model.tokens) if t == "<wb>"]
    blank = _logsumexp(logp[:, blank_ids])
    labels = np.stack([_logsumexp(logp[:, list(s)]) for s in slots], axis=1)
    repeats = np.array([i > 0 and slots[i] == slots[i - 1] for i in range(len(slots))])
    owner = viterbi(blank, labels, repeats, [len(w) for w in words if w])
    if owner is None:
        return GopEvidence(tuple(None for _ in words), failed=True, seconds=seconds)
    others = logp.copy()
    others[:, blank_ids] = -np.inf
    held = [np.flatnonzero(owner == i) for i in range(len(phones))]
    kept = [i for i in range(len(phones)) if held[i].size]
    measured: list[PhoneGop | None] = []
    for i, (phone, slot) in enumerate(zip(phones, slots)):
        frames = held[i]
        if not frames.size:
            measured.append(None)
            continue
        rival = others[frames].copy()
        rival[:, list(slot)] = -np.inf
        best = int(np.argmax(rival.mean(axis=0)))
        lpp = float(labels[frames, i].mean())
        after = [k for k in kept if k > i]
        end = int(held[after[0]][0]) if after else int(frames[-1]) + 1
        measured.append(PhoneGop(phone, lpp, lpp - float(rival.max(axis=1).mean()), round(int(frames[0]) * FRAME_S, 3),
                                 round(max(end, int(frames[0]) + 1) * FRAME_S, 3), model.tokens[best]))
    out: list[WordGop | None] = []
    position = 0
    for word in words:
        if not word:
            out.append(None)
            continue
        out.append(WordGop(tuple(p for p in measured[position : position + len(word)] if p is not None)))
        position += len(word)
    return GopEvidence(tuple(out), failed=False, seconds=seconds)

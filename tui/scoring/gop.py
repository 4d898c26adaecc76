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
    """The aligned phones of one word."""

    phones: tuple[PhoneGop, ...]

    @property
    def lpp(self) -> float:
        """Mean LPP of its phones."""
        return float(np.mean([p.lpp for p in self.phones]))

    @property
    def lpr(self) -> float:
        """Mean LPR of its phones."""
        return float(np.mean([p.lpr for p in self.phones]))

    @property
    def worst(self) -> PhoneGop:
        """Its phone with the lowest margin."""
        return min(self.phones, key=lambda p: p.lpr)

    @property
    def start(self) -> float:
        return self.phones[0].start

    @property
    def end(self) -> float:
        return self.phones[-1].end


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
        """Every aligned phone, in order."""
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


def viterbi(blank: np.ndarray, labels: np.ndarray, repeats: np.ndarray) -> np.ndarray | None:
    """CTC forced alignment.

    Parameters
    ----------
    blank : np.ndarray [shape=(T,)]
        Log-probability of no phone in each frame.
    labels : np.ndarray [shape=(T, L)]
        Log-probability of each expected phone in each frame.
    repeats : np.ndarray [shape=(L,)], bool
        Whether phone ``i`` has the same slot as phone ``i - 1`` (a blank must separate them).

    Returns
    -------
    np.ndarray [shape=(T,)], int or None
        The phone index each frame is given (-1 for blank), None when ``T`` frames cannot hold the phones.
    """
    t_max, n = labels.shape
    states = 2 * n + 1
    if t_max < n + int(repeats.sum()):
        return None
    emit = np.empty((t_max, states), dtype=np.float64)
    emit[:, 0::2] = blank[:, None]
    emit[:, 1::2] = labels
    skip_ok = np.zeros(states, dtype=bool)
    skip_ok[3::2] = ~repeats[1:]
    score = np.full(states, -np.inf)
    score[:2] = emit[0, :2]
    back = np.zeros((t_max, states), dtype=np.int8)
    for t in range(1, t_max):
        stay = score
        step = np.concatenate(([-np.inf], score[:-1]))
        skip = np.where(skip_ok, np.concatenate(([-np.inf, -np.inf], score[:-2])), -np.inf)
        choice = np.argmax(np.stack([stay, step, skip]), axis=0)
        score = np.choose(choice, [stay, step, skip]) + emit[t]
        back[t] = choice
    end = states - 1 if score[states - 1] >= score[states - 2] else states - 2
    if not np.isfinite(score[end]):
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
    owner = viterbi(blank, labels, repeats)
    if owner is None:
        return GopEvidence(tuple(None for _ in words), failed=True, seconds=seconds)
    others = logp.copy()
    others[:, blank_ids] = -np.inf
    firsts = [int(np.flatnonzero(owner == i)[0]) for i in range(len(phones))]
    measured: list[PhoneGop] = []
    for i, (phone, slot) in enumerate(zip(phones, slots)):
        frames = np.flatnonzero(owner == i)
        rival = others[frames].copy()
        rival[:, list(slot)] = -np.inf
        best = int(np.argmax(rival.mean(axis=0)))
        lpp = float(labels[frames, i].mean())
        end = firsts[i + 1] if i + 1 < len(phones) else int(frames[-1]) + 1
        measured.append(PhoneGop(phone, lpp, lpp - float(rival.max(axis=1).mean()), round(firsts[i] * FRAME_S, 3),
                                 round(max(end, firsts[i] + 1) * FRAME_S, 3), model.tokens[best]))
    out: list[WordGop | None] = []
    position = 0
    for word in words:
        if not word:
            out.append(None)
            continue
        out.append(WordGop(tuple(measured[position : position + len(word)])))
        position += len(word)
    return GopEvidence(tuple(out), failed=False, seconds=seconds)

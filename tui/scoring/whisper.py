"""How likely Whisper tiny.en finds the phrase's own words, given the take.

The take's log-mel spectrum (Whisper's framing: 80 bands, 25 ms windows every
10 ms, zero padded) is encoded once. Whisper was trained on 30 s windows, but
its encoder takes shorter ones: a take is encoded in the shortest of
:data:`WINDOWS_S` that holds it. A 10 s window costs a ninth of the CPU of the
30 s one, and the scorer fitted on it agrees with the experts as well (see the
README's scoring figures; ``bench/evidence_features.py`` encodes the dev set the
same way). The decoder is then forced
through the phrase's tokens (``align``), which gives the probability of each
target token and where each lies in time, and decodes freely once (what it
heard, for the findings). A word's evidence is the mean log-probability of its
tokens. The phrase is written as Whisper writes speech: words with their
punctuation removed, capitalised first word (all-capital text lowered first).

Like any language model's, these probabilities carry how usual the words are
as well as how they were said; the fitted scorer weighs them with the phone
evidence, which does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tui.scoring.models import Whisper

SR = 16000
WINDOWS_S = (10, 20, 30)
"""Encoder windows (s): a take is encoded in the shortest that holds it and :data:`MARGIN_S` of silence after it."""
MARGIN_S = 0.5
N_FFT = 400
HOP = 160
N_MELS = 80
FRAME_S = 0.02
"""Seconds per encoder position (two mel frames)."""
_STRIP = re.compile(r"^[^\w']+|[^\w']+$")


@dataclass(frozen=True)
class WordProb:
    """One phrase word as Whisper found it: the mean log-probability of its tokens and where it lies (s)."""

    text: str
    logprob: float
    start: float
    end: float


@dataclass(frozen=True)
class WhisperEvidence:
    """Whisper's view of one take.

    ``words`` has one entry per phrase word (None for a word that writes no
    token); ``heard`` is its own transcription of the take.
    """

    words: tuple[WordProb | None, ...]
    heard: str

    def sentence(self) -> float:
        """Mean word log-probability (very low when no word has a token)."""
        found = [w.logprob for w in self.words if w is not None]
        return float(np.mean(found)) if found else -20.0


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    linear = hz / (200.0 / 3)
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27), linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27) * (mel - 15.0)), mel * (200.0 / 3))


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Slaney mel filters, 0–8 kHz, as Whisper was trained with.

    Returns
    -------
    np.ndarray [shape=(N_MELS, N_FFT // 2 + 1)], float32
    """
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SR / 2)), N_MELS + 2))
    bins = np.linspace(0.0, SR / 2, N_FFT // 2 + 1)
    lower = (bins[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    upper = (edges[2:, None] - bins[None, :]) / np.diff(edges)[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def window_frames(samples: int) -> int:
    """Mel frames of the encoder window for a take of ``samples`` at 16 kHz (a longer take is cut to the last window)."""
    seconds = samples / SR + MARGIN_S
    return next((w for w in WINDOWS_S if seconds <= w), WINDOWS_S[-1]) * SR // HOP


def log_mel(y: np.ndarray, n_frames: int) -> np.ndarray:
    """Whisper's input features for 16 kHz samples ``y`` in a window of ``n_frames`` mel frames (zero padded, or cut).

    Returns
    -------
    np.ndarray [shape=(N_MELS, n_frames)], float32
    """
    size = n_frames * HOP
    padded = np.zeros(size, dtype=np.float32)
    padded[: min(y.size, size)] = y[:size]
    padded = np.pad(padded, (N_FFT // 2, N_FFT // 2), mode="reflect")
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames] * window
    spectrum = np.fft.rfft(frames, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    mel = np.einsum("fk,mk->mf", power, mel_filters())  # not BLAS matmul: see features._mfcc
    logs = np.log10(np.maximum(mel, 1e-10))
    logs = np.maximum(logs, logs.max() - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32)


def written(words: Sequence[str]) -> list[str]:
    """The phrase's words as Whisper would write them (see the module doc); "" for a word of punctuation only."""
    cleaned = [_STRIP.sub("", w.replace("’", "'")) for w in words]
    letters = "".join(cleaned)
    if letters.isupper() and len(letters) > 1:
        cleaned = [w.lower() for w in cleaned]
    for i, word in enumerate(cleaned):
        if word:
            cleaned[i] = word[0].upper() + word[1:]
            break
    return cleaned


def encode(model: Whisper, y: np.ndarray) -> Any:
    """The encoder's output for 16 kHz samples ``y`` (level-normalised) in the window :func:`window_frames` gives,
    reused by :func:`target` and :func:`transcribe`."""
    import ctranslate2

    features = log_mel(y, window_frames(y.size))
    return model.model.encode(ctranslate2.StorageView.from_array(features[None]), to_cpu=True)


def _specials(model: Whisper) -> tuple[int, int, int]:
    sot, no_timestamps, eot = (int(model.tokenizer.token_to_id(t)) for t in ("<|startoftranscript|>", "<|notimestamps|>", "<|endoftext|>"))
    return sot, no_timestamps, eot


def transcribe(model: Whisper, encoded: Any, *, max_tokens: int = 64) -> str:
    """What Whisper hears in the encoded take (greedy decoding)."""
    sot, no_timestamps, _ = _specials(model)
    found = model.model.generate(encoded, [[sot, no_timestamps]], beam_size=1, max_length=max_tokens)[0]
    return str(model.tokenizer.decode(found.sequences_ids[0])).strip()


def target(model: Whisper, encoded: Any, samples: int, words: Sequence[str]) -> tuple[WordProb | None, ...]:
    """The phrase ``words`` forced through the decoder: per word, its tokens' mean log-probability and its span.

    ``samples`` is the take's length at 16 kHz.
    """
    sot, no_timestamps, eot = _specials(model)
    per_word = [model.tokenizer.encode(" " + w, add_special_tokens=False).ids if w else [] for w in written(words)]
    ids = [t for tokens in per_word for t in tokens]
    if not ids:
        return tuple(None for _ in words)
    frames = min(max(samples // HOP, 2), window_frames(samples))
    result = model.model.align(encoded, [sot, no_timestamps], [[*ids, eot]], [frames], median_filter_width=7)[0]
    probs = np.log(np.maximum(np.asarray(result.text_token_probs[: len(ids)], dtype=np.float64), 1e-9))
    times = np.full(len(ids) + 1, np.nan)
    for token, time in result.alignments:
        if 0 <= token <= len(ids) and np.isnan(times[token]):
            times[token] = time * FRAME_S
    out: list[WordProb | None] = []
    position = 0
    for text, tokens in zip(words, per_word):
        if not tokens:
            out.append(None)
            continue
        span = slice(position, position + len(tokens))
        position += len(tokens)
        start = float(np.nanmin(times[span])) if not np.isnan(times[span]).all() else 0.0
        after = float(times[position]) if not np.isnan(times[position]) else start + 0.3
        out.append(WordProb(text, float(probs[span].mean()), round(start, 3), round(max(after, start + FRAME_S), 3)))
    return tuple(out)


def listen(model: Whisper, y: np.ndarray, words: Sequence[str]) -> WhisperEvidence:
    """Encode ``y`` (16 kHz, level-normalised), score the phrase ``words`` against it and transcribe it."""
    encoded = encode(model, y)
    found = target(model, encoded, y.size, words)
    return WhisperEvidence(found, transcribe(model, encoded, max_tokens=max_tokens(len(words))))


def max_tokens(words: int) -> int:
    """The longest free transcription decoded for a phrase of ``words`` words."""
    return min(3 * words + 24, 220)

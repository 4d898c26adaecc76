"""Raw measurements of an attempt against a reference, before calibration.

These are the features the calibration maps to 0–100: alignment costs,
timing and pauses, pitch agreement after alignment, coverage; per word too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui.scoring.align import cost_matrix, dtw
from tui.scoring.features import FRAME_S, Analysis, pauses

SENTENCE_FEATURES = (
    "cost_mean",
    "cost_p90",
    "excess_mean",
    "ref_min_mean",
    "word_cost_max",
    "word_cost_std",
    "log_speech_ratio",
    "abs_log_speech_ratio",
    "log_span_ratio",
    "pause_count",
    "pause_share",
    "pause_max",
    "tempo_std",
    "pitch_corr",
    "pitch_rmse",
    "log_pitch_range_ratio",
    "voiced_share",
    "coverage",
)
CHUNK = round(0.3 / FRAME_S)
"""Reference frames per segment when there are no word boundaries (0.3 s)."""
LOOK_BACK = round(0.4 / FRAME_S)
"""A pause counts as 'before' a word when it ends within this many frames of it (0.4 s)."""
WORD_FEATURES = ("cost", "excess", "ref_min", "log_dur_ratio", "pause_before", "cost_rel")


@dataclass(frozen=True)
class WordSpan:
    """A reference word as a range of reference frames ``[start, end)``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Measurements:
    """Everything calibration and the score card need from one comparison.

    Attributes
    ----------
    sentence : dict[str, float]
        One value per name in :data:`SENTENCE_FEATURES`.
    words : np.ndarray [shape=(n_words, len(WORD_FEATURES))]
    word_att : list of (int, int)
        Attempt frame span ``[start, end)`` matched to each word.
    word_pause : np.ndarray [shape=(n_words,)]
        Pause (s) in the attempt right before each word.
    path : np.ndarray [shape=(k, 2)]
        Alignment ``(ref_frame, att_frame)``.
    """

    sentence: dict[str, float]
    words: np.ndarray
    word_att: list[tuple[int, int]]
    word_pause: np.ndarray
    path: np.ndarray


def _per_index(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Mean of ``values`` grouped by ``index`` (0..size-1)."""
    total = np.bincount(index, weights=values, minlength=size)
    count = np.bincount(index, minlength=size)
    return total / np.maximum(count, 1)


def _semitones(f0: np.ndarray) -> np.ndarray:
    return 12.0 * np.log2(f0 / 100.0)


def _pitch(ref: Analysis, att: Analysis, path: np.ndarray) -> tuple[float, float, float, float]:
    """Correlation, RMSE (st), log range ratio of median-normalised contours; voiced share."""
    att_st = _semitones(att.f0)
    ref_st = _semitones(ref.f0)
    aligned = np.full(ref.n_frames, np.nan)
    voiced = ~np.isnan(att_st[path[:, 1]])
    if voiced.any():
        aligned = _per_index(path[voiced, 0], att_st[path[voiced, 1]], ref.n_frames)
        aligned[np.bincount(path[voiced, 0], minlength=ref.n_frames) == 0] = np.nan
    both = ~np.isnan(aligned) & ~np.isnan(ref_st)
    voiced_share = float(np.mean(~np.isnan(att_st[att.speech]))) if att.speech.any() else 0.0
    if both.sum() < 10:
        return 0.0, 6.0, -1.0, voiced_share
    a = aligned[both] - np.median(aligned[both])
    r = ref_st[both] - np.median(ref_st[both])
    spread_a, spread_r = float(a.std()), float(r.std())
    corr = float(np.dot(a - a.mean(), r - r.mean()) / (a.size * spread_a * spread_r)) if spread_a * spread_r > 0 else 0.0
    rmse = float(np.sqrt(np.mean((a - r) ** 2)))
    return corr, rmse, float(np.log((spread_a + 0.1) / (spread_r + 0.1))), voiced_share


def measure(ref: Analysis, att: Analysis, words: list[WordSpan]) -> Measurements:
    """Align ``att`` to ``ref`` and measure how they differ.

    ``words`` are reference word spans in ``ref`` frames; when empty the
    reference is cut into 0.3 s chunks for the per-segment measures.
    """
    cost = cost_matrix(ref.feats, att.feats)
    path = dtw(cost)
    ri, ai = path[:, 0], path[:, 1]
    on_path = cost[ri, ai].astype(np.float64)
    ref_cost = _per_index(ri, on_path, ref.n_frames)
    att_min = cost.min(axis=0).astype(np.float64)
    ref_min = cost.min(axis=1).astype(np.float64)
    excess = _per_index(ri, on_path - att_min[ai], ref.n_frames)

    spans = words or [
        WordSpan("", s, min(s + CHUNK, ref.n_frames)) for s in range(0, ref.n_frames, CHUNK)
    ]
    first_att = np.full(ref.n_frames, att.n_frames, dtype=np.int64)
    np.minimum.at(first_att, ri, ai)
    last_att = np.zeros(ref.n_frames, dtype=np.int64)
    np.maximum.at(last_att, ri, ai)
    att_pauses = pauses(att.speech)
    rows: list[tuple[float, ...]] = []
    word_att: list[tuple[int, int]] = []
    word_pause: list[float] = []
    for span in spans:
        s, e = max(span.start, 0), min(max(span.end, span.start + 1), ref.n_frames)
        s = min(s, ref.n_frames - 1)
        e = max(e, s + 1)
        a0, a1 = int(first_att[s]), int(last_att[e - 1]) + 1
        word_att.append((a0, a1))
        gap = sum(max(0, min(pe, a0 + 1) - max(ps, a0 - LOOK_BACK)) for ps, pe in att_pauses) * FRAME_S
        word_pause.append(gap)
        rows.append(
            (
                float(ref_cost[s:e].mean()),
                float(excess[s:e].mean()),
                float(ref_min[s:e].mean()),
                float(np.log(max(a1 - a0, 1) / (e - s))),
                gap,
                0.0,
            )
        )
    word_rows = np.asarray(rows, dtype=np.float64)
    utt_cost = float(on_path.mean())
    word_rows[:, 5] = word_rows[:, 0] - utt_cost

    ref_speech, att_speech = ref.speech_seconds, att.speech_seconds
    pause_total = sum(e - s for s, e in att_pauses) * FRAME_S
    corr, rmse, range_ratio, voiced_share = _pitch(ref, att, path)
    log_ratio = float(np.log(max(att_speech, 0.05) / max(ref_speech, 0.05)))
    matched_speech = att.speech[ai][ref.speech[ri]]
    sentence = {
        "cost_mean": utt_cost,
        "cost_p90": float(np.percentile(ref_cost, 90)),
        "excess_mean": float(excess.mean()),
        "ref_min_mean": float(ref_min.mean()),
        "word_cost_max": float(word_rows[:, 0].max()),
        "word_cost_std": float(word_rows[:, 0].std()),
        "log_speech_ratio": log_ratio,
        "abs_log_speech_ratio": abs(log_ratio),
        "log_span_ratio": float(np.log(att.n_frames / ref.n_frames)),
        "pause_count": float(len(att_pauses)),
        "pause_share": pause_total / max(att.n_frames * FRAME_S, 1e-3),
        "pause_max": max((e - s for s, e in att_pauses), default=0) * FRAME_S,
        "tempo_std": float(np.std(word_rows[:, 3] - log_ratio)) if len(rows) > 1 else 0.0,
        "pitch_corr": corr,
        "pitch_rmse": rmse,
        "log_pitch_range_ratio": range_ratio,
        "voiced_share": voiced_share,
        "coverage": float(matched_speech.mean()) if matched_speech.size else 0.0,
    }
    return Measurements(sentence, word_rows, word_att, np.asarray(word_pause), path)

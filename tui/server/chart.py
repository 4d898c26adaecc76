"""Charts drawn as inline SVG on the server: a take's pitch against the reference, a phrase's scores over time.

On the take page, the take is drawn on the reference's time axis through the
score's alignment path, so the two contours line up where the same words were
said. On the learner's page, each phrase gets a small chart of its scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from markupsafe import Markup, escape

from tui.server.scorer import Contours
from tui.speech.types import WordTiming

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 26, 28
SEMITONE_RANGE = 12.0
"""The chart shows at most this many semitones above and below the reference's median pitch."""


def _semitones(f0: np.ndarray, base: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(12.0 * np.log2(f0 / base), -SEMITONE_RANGE, SEMITONE_RANGE)


def _polyline_path(xs: np.ndarray, ys: np.ndarray) -> str:
    """An SVG path ``d`` drawing the finite stretches of ``(xs, ys)``; gaps where ``ys`` is NaN."""
    parts, pen_down = [], False
    for x, y in zip(xs, ys):
        if not np.isfinite(y):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
    return " ".join(parts)


def pitch_svg(contours: Contours, path: Sequence[tuple[float, float]], words: Sequence[WordTiming]) -> Markup:
    """The chart as an ``<svg>`` element.

    Parameters
    ----------
    contours : Contours
        Pitch of the reference and the take (s, Hz; NaN unvoiced).
    path : sequence of (reference s, take s)
        The score's alignment; empty draws the take on its own time axis.
    words : sequence of WordTiming
        Reference words, marked along the top.
    """
    voiced = contours.ref_f0[np.isfinite(contours.ref_f0)]
    take_voiced = contours.take_f0[np.isfinite(contours.take_f0)]
    base = float(np.median(voiced)) if voiced.size else float(np.median(take_voiced)) if take_voiced.size else 150.0
    take_times = contours.take_times
    if len(path) >= 2:
        pairs = np.asarray(path, dtype=float)
        take_times = np.interp(take_times, pairs[:, 1], pairs[:, 0])
    end = max(float(contours.ref_times[-1]) if contours.ref_times.size else 0.0,
              float(take_times[-1]) if take_times.size else 0.0, 0.5)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(seconds: np.ndarray | float) -> np.ndarray:
        return LEFT + np.asarray(seconds) / end * inner_w

    def y(semitones: np.ndarray | float) -> np.ndarray:
        return TOP + (SEMITONE_RANGE - np.asarray(semitones)) / (2 * SEMITONE_RANGE) * inner_h

    out = [f'<svg class="pitch" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="pitch of the reference and the take"'
           f' xmlns="http://www.w3.org/2000/svg">']
    for st in (-12, -6, 0, 6, 12):
        gy = float(y(st))
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        out.append(f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">{st:+d}</text>')
    step = 0.5 if end <= 4 else 1.0
    for t in np.arange(0.0, end + 1e-9, step):
        out.append(f'<text class="axis" x="{float(x(t)):.1f}" y="{HEIGHT - 8}" text-anchor="middle">{t:g}s</text>')
    for word in words:
        wx = float(x(word.start))
        out.append(f'<line class="word" x1="{wx:.1f}" x2="{wx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        out.append(f'<text class="wordlabel" x="{wx + 3:.1f}" y="{TOP - 8}">{escape(word.text)}</text>')
    ref_d = _polyline_path(x(contours.ref_times), y(_semitones(contours.ref_f0, base)))
    take_d = _polyline_path(x(take_times), y(_semitones(contours.take_f0, base)))
    out.append(f'<path class="reference" d="{ref_d}"/>')
    out.append(f'<path class="take" d="{take_d}"/>')
    out.append("</svg>")
    return Markup("".join(out))


TREND_W, TREND_H = 320, 120
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 28, 10, 8, 20


def _band(score: float) -> str:
    return "good" if score >= 80 else "fair" if score >= 60 else "poor"


def scores_svg(points: Sequence[tuple[datetime, float]], *, label: str, target: int | None = None) -> Markup:
    """A phrase's scores over time as an ``<svg>``: a line through the takes, each a dot coloured by its band.

    Parameters
    ----------
    points : sequence of (recorded_at, overall)
        Oldest first; the time axis runs from the first to the last.
    label : str
        What the chart shows, for screen readers (escaped).
    target : int, optional
        An assignment's target score, drawn as a line.
    """
    inner_w, inner_h = TREND_W - TREND_LEFT - TREND_RIGHT, TREND_H - TREND_TOP - TREND_BOTTOM
    start, end = points[0][0], points[-1][0]
    span = (end - start).total_seconds()

    def x(when: datetime) -> float:
        return TREND_LEFT + (inner_w / 2 if span <= 0 else (when - start).total_seconds() / span * inner_w)

    def y(score: float) -> float:
        return TREND_TOP + (100 - min(100.0, max(0.0, score))) / 100 * inner_h

    out = [f'<svg class="trend" viewBox="0 0 {TREND_W} {TREND_H}" role="img" aria-label="{escape(label)}"'
           f' xmlns="http://www.w3.org/2000/svg">']
    for level in (0, 60, 80, 100):
        gy = y(level)
        out.append(f'<line class="grid" x1="{TREND_LEFT}" x2="{TREND_W - TREND_RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        out.append(f'<text class="axis" x="{TREND_LEFT - 4}" y="{gy + 3.5:.1f}" text-anchor="end">{level}</text>')
    if target is not None:
        ty = y(target)
        out.append(f'<line class="target" x1="{TREND_LEFT}" x2="{TREND_W - TREND_RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
    first, last = f"{start:%d %b}", f"{end:%d %b}"
    out.append(f'<text class="axis" x="{TREND_LEFT}" y="{TREND_H - 5}">{first}</text>')
    if last != first:
        out.append(f'<text class="axis" x="{TREND_W - TREND_RIGHT}" y="{TREND_H - 5}" text-anchor="end">{last}</text>')
    if len(points) > 1:
        line = " ".join(f"{'L' if n else 'M'}{x(when):.1f},{y(score):.1f}" for n, (when, score) in enumerate(points))
        out.append(f'<path class="scores" d="{line}"/>')
    for when, score in points:
        out.append(f'<circle class="{_band(score)}" cx="{x(when):.1f}" cy="{y(score):.1f}" r="3.2">'
                   f'<title>{when:%Y-%m-%d %H:%M} · {score:.0f}</title></circle>')
    out.append("</svg>")
    return Markup("".join(out))

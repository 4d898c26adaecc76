"""The attempt page's pitch chart: reference and take in semitones, drawn as inline SVG on the server.

The take is drawn on the reference's time axis through the score's alignment
path, so the two contours line up where the same words were said.
"""

from __future__ import annotations

from collections.abc import Sequence

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

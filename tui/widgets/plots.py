"""Plots drawn with braille: pitch contour (reference vs attempt) and scores over time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from rich.text import Text
from textual.widget import Widget

from tui.text import printable
from tui.widgets.braille import BrailleCanvas, styled
from tui.widgets.wording import plural

REFERENCE_STYLE = "cyan"
ATTEMPT_STYLE = "yellow"

Contour = tuple[np.ndarray, np.ndarray]


def warp_to_reference(times: np.ndarray, path: Sequence[tuple[float, float]]) -> np.ndarray:
    """Map attempt times onto the reference's time axis through the alignment ``path``.

    Parameters
    ----------
    times : np.ndarray [shape=(n,)]
        Attempt times in seconds.
    path : sequence of (reference seconds, attempt seconds)
        The scorer's alignment; with fewer than two points ``times`` is returned as is.
    """
    if len(path) < 2:
        return np.asarray(times, dtype=float)
    pairs = np.asarray(path, dtype=float)
    order = np.argsort(pairs[:, 1], kind="stable")
    return np.interp(times, pairs[order, 1], pairs[order, 0])


def _voiced(contour: Contour) -> Contour:
    """The voiced, finite points of a contour (times ≥ 0, f0 > 0)."""
    times, f0 = (np.asarray(a, dtype=float).reshape(-1) for a in contour)
    n = min(times.size, f0.size)
    times, f0 = times[:n], f0[:n]
    keep = np.isfinite(times) & np.isfinite(f0) & (f0 > 0) & (times >= 0)
    return times[keep], f0[keep]


def _layers_to_text(canvas: BrailleCanvas, styles: dict[int, str]) -> Text:
    layers = canvas.layers()
    rows = [styled(row, [styles.get(layer, "") for layer in layers[y].tolist()]) for y, row in enumerate(canvas.rows())]
    return Text("\n").join(rows)


SEMITONE_LIMIT = 12.0
"""The chart shows at most this many semitones above and below the reference's median pitch (as the web page does)."""


def semitones(contour: Contour, base: float) -> Contour:
    """The voiced points of ``contour`` as semitones from ``base`` Hz, clipped to ±:data:`SEMITONE_LIMIT`."""
    times, f0 = _voiced(contour)
    return times, np.clip(12.0 * np.log2(f0 / base), -SEMITONE_LIMIT, SEMITONE_LIMIT)


def stretches(times: np.ndarray, values: np.ndarray, *, gap: float = 0.06) -> list[tuple[np.ndarray, np.ndarray]]:
    """The runs of points no more than ``gap`` seconds apart: each is drawn as one line (unvoiced gaps stay gaps)."""
    if times.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(times) > gap) + 1
    return list(zip(np.split(times, breaks), np.split(values, breaks)))


class PitchPlot(Widget):
    """Pitch of the reference and of the attempt as two lines on the reference's time axis, with its words under them.

    Semitones from the reference's median pitch, the vertical range fitted to both
    lines (robustly: a stray octave jump does not squash them), voiced stretches
    joined, unvoiced gaps left open.
    """

    DEFAULT_CSS = """
    PitchPlot { height: 5; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.reference: Contour | None = None
        self.attempt: Contour | None = None
        self.words: tuple[tuple[str, float], ...] = ()

    def set_contours(self, reference: Contour | None, attempt: Contour | None, path: Sequence[tuple[float, float]] = (),
                     words: Sequence[tuple[str, float]] = ()) -> None:
        """Show ``(times, f0 Hz with NaN where unvoiced)`` of both, attempt times warped by ``path``; ``words`` are
        ``(text, start in the reference)``, marked under the lines."""
        self.reference = reference
        self.attempt = None if attempt is None else (warp_to_reference(attempt[0], path), attempt[1])
        self.words = tuple(words)
        self.refresh()

    def render(self) -> Text:
        legend = Text.assemble(("pitch ", "bold"), ("━ reference ", REFERENCE_STYLE), ("━ you", ATTEMPT_STYLE))
        voiced = [_voiced(c) for c in (self.reference, self.attempt) if c is not None]
        voiced = [c for c in voiced if c[0].size]
        if not voiced or self.size.width <= 0:
            return legend + Text("  (no pitch to show)", style="dim")
        base = float(np.median(voiced[0][1]))
        lines = [(layer, semitones(c, base)) for layer, c in ((1, self.reference), (2, self.attempt)) if c is not None]
        points = np.concatenate([values for _, (_, values) in lines if values.size])
        low, high = np.percentile(points, [3, 97]) + np.array([-1.0, 1.0])
        t_end = max([float(times.max()) for _, (times, _) in lines if times.size] + [w[1] for w in self.words] + [0.1])
        canvas = BrailleCanvas(self.size.width, max(self.size.height - 2, 1))
        for layer, (times, values) in lines:
            for run_times, run_values in stretches(times, values):
                x = run_times / t_end * (canvas.dots_x - 1)
                y = (high - np.clip(run_values, low, high)) / max(high - low, 1e-6) * (canvas.dots_y - 1)
                canvas.polyline(x, y, layer=layer)
        chart = _layers_to_text(canvas, {1: REFERENCE_STYLE, 2: ATTEMPT_STYLE})
        return Text("\n").join([legend, chart, word_marks(self.words, t_end, self.size.width)])


def word_marks(words: Sequence[tuple[str, float]], t_end: float, width: int) -> Text:
    """Each word's text under where it starts, cut so that a space always separates two."""
    line = [" "] * width
    taken = 0
    for index, (text, start) in enumerate(words):
        column = max(min(int(start / t_end * width), width - 1), taken)
        following = int(words[index + 1][1] / t_end * width) if index + 1 < len(words) else width
        label = printable(text, single_line=True)[: max(following - column - 1, 1)]
        for offset, char in enumerate(label[: width - column]):
            line[column + offset] = char
        taken = column + len(label) + 1
    return Text("".join(line), style="dim")


class ScoreChart(Widget):
    """Overall score (0–100) of each attempt over time, oldest on the left."""

    DEFAULT_CSS = """
    ScoreChart { height: 8; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.points: list[tuple[datetime, float]] = []
        self.title = ""

    def set_points(self, points: Sequence[tuple[datetime, float]], title: str = "") -> None:
        """Plot ``(when, overall score)`` pairs (scores that are not finite numbers are left out)."""
        self.points = sorted((when, float(score)) for when, score in points if isinstance(score, int | float) and np.isfinite(score))
        self.title = title
        self.refresh()

    def render(self) -> Text:
        header = Text(f"score over time {self.title}".rstrip(), style="bold")
        if not self.points:
            return header + Text("  (no attempts yet)", style="dim")
        axis = 4
        canvas = BrailleCanvas(max(self.size.width - axis, 1), max(self.size.height - 1, 1))
        scores = np.array([score for _, score in self.points], dtype=float)
        x = np.linspace(0, canvas.dots_x - 1, len(scores)) if len(scores) > 1 else np.array([0.0])
        y = (100 - np.clip(scores, 0, 100)) / 100 * (canvas.dots_y - 1)
        canvas.polyline(x, y)
        body = Text()
        for row_index, row in enumerate(canvas.rows()):
            label = "100" if row_index == 0 else "  0" if row_index == canvas.height - 1 else "   "
            body.append(f"{label} ", style="dim")
            body.append(row, style="green")
            if row_index < canvas.height - 1:
                body.append("\n")
        first, last = self.points[0][0], self.points[-1][0]
        header.append(f"  {plural(len(scores), 'attempt')}, {first:%d %b} → {last:%d %b}", style="dim")
        return header + Text("\n") + body

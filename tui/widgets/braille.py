"""A tiny braille canvas: 2×4 dots per terminal cell, for waveforms and plots."""

from __future__ import annotations

import numpy as np
from rich.text import Text

# Bit of each dot in a braille cell, indexed [row 0..3][column 0..1].
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)


class BrailleCanvas:
    """A grid of ``width × height`` cells, drawn on at dot resolution.

    Parameters
    ----------
    width, height : int
        Size in terminal cells; the dot grid is ``(2 * width) × (4 * height)``.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width = max(width, 1)
        self.height = max(height, 1)
        self._bits = np.zeros((self.height, self.width), dtype=np.uint8)
        self._layer = np.zeros((self.height, self.width), dtype=np.int8)

    @property
    def dots_x(self) -> int:
        """Number of dot columns."""
        return self.width * 2

    @property
    def dots_y(self) -> int:
        """Number of dot rows (0 is the top)."""
        return self.height * 4

    def points(self, x: np.ndarray, y: np.ndarray, *, layer: int = 1) -> None:
        """Set the dots at integer coordinates ``x``, ``y`` (outside ones are ignored).

        A cell takes the highest ``layer`` drawn into it, so overlays win.
        """
        x = np.asarray(x, dtype=np.int64)
        y = np.asarray(y, dtype=np.int64)
        keep = (x >= 0) & (x < self.dots_x) & (y >= 0) & (y < self.dots_y)
        x, y = x[keep], y[keep]
        cy, cx = y // 4, x // 2
        np.bitwise_or.at(self._bits, (cy, cx), _DOT_BITS[y % 4, x % 2])
        np.maximum.at(self._layer, (cy, cx), layer)

    def vline(self, x: int, y0: int, y1: int, *, layer: int = 1) -> None:
        """Draw a vertical run of dots from ``y0`` to ``y1`` inclusive."""
        lo, hi = sorted((int(y0), int(y1)))
        ys = np.arange(lo, hi + 1)
        self.points(np.full(ys.shape, x), ys, layer=layer)

    def polyline(self, x: np.ndarray, y: np.ndarray, *, layer: int = 1) -> None:
        """Join consecutive points with straight segments, one dot column at a time."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.size == 1:
            self.points(np.round(x), np.round(y), layer=layer)
        for x0, y0, x1, y1 in zip(x[:-1], y[:-1], x[1:], y[1:]):
            columns = np.arange(round(x0), round(x1) + 1)
            rows = np.interp(columns, [x0, x1], [y0, y1]) if x1 > x0 else np.full(columns.shape, y1)
            previous = round(y0)
            for column, row in zip(columns.tolist(), np.round(rows).astype(int).tolist()):
                self.vline(column, previous, row, layer=layer)
                previous = row

    def rows(self) -> list[str]:
        """The canvas as ``height`` strings of ``width`` braille characters."""
        return ["".join(map(chr, (0x2800 + row.astype(np.int32)).tolist())) for row in self._bits]

    def layers(self) -> np.ndarray:
        """np.ndarray [shape=(height, width)]: the top layer drawn in each cell (0: empty)."""
        return self._layer.copy()


def styled(chars: str, styles: list[str]) -> Text:
    """``chars`` with one style per character, appended as runs of equal style (fast to build and render)."""
    text = Text()
    start = 0
    for index in range(1, len(chars) + 1):
        if index == len(chars) or styles[index] != styles[start]:
            text.append(chars[start:index], style=styles[start])
            start = index
    return text

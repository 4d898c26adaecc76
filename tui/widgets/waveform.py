"""Waveforms: a reference/attempt view with word boundaries and a position marker, and a live one."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.text import printable
from tui.widgets.braille import BrailleCanvas, styled

WORD_STYLES = ("cyan", "dodger_blue2")
SELECTED_STYLE = "bold yellow"
GUTTER = 10
"""Columns left of the waveform for its title ("reference", "you"): both waveforms share a time axis."""


class Timed(Protocol):
    """Anything with a text and a start/end in seconds (a pack's or the scorer's word)."""

    @property
    def text(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


def envelope(samples: np.ndarray, columns: int) -> np.ndarray:
    """Peak absolute amplitude of ``samples`` in ``columns`` equal slices.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
    columns : int

    Returns
    -------
    np.ndarray [shape=(columns,)]
    """
    if columns <= 0 or samples.size == 0:
        return np.zeros(max(columns, 0), dtype=np.float32)
    starts = np.minimum(np.linspace(0, samples.size, columns + 1)[:-1].astype(np.int64), samples.size - 1)
    return np.maximum.reduceat(np.abs(samples), starts).astype(np.float32)


def draw_envelope(canvas: BrailleCanvas, peaks: np.ndarray) -> None:
    """Draw ``peaks`` (0..1, one per dot column) mirrored around the middle row."""
    middle = (canvas.dots_y - 1) / 2
    for x, peak in enumerate(peaks[: canvas.dots_x]):
        half = float(np.clip(peak, 0.0, 1.0)) * middle
        canvas.vline(x, round(middle - half), round(middle + half))


class Waveform(Widget):
    """A whole recording, its words underneath, and where playback is now.

    The title sits in a gutter left of the waveform, so the words underneath
    line up with the sound above them. Click a word to select it (posts
    :class:`Waveform.WordSelected`).
    """

    DEFAULT_CSS = """
    Waveform { height: 4; }
    Waveform.-empty { height: 1; }
    """

    position: reactive[float | None] = reactive(None)
    selected: reactive[int | None] = reactive(None)

    class WordSelected(Message):
        """The user clicked word ``index`` of the waveform."""

        def __init__(self, waveform: Waveform, index: int) -> None:
            super().__init__()
            self.waveform = waveform
            self.index = index

    def __init__(self, title: str = "", *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.add_class("-empty")
        self.title = title
        self._samples = np.zeros(0, dtype=np.float32)
        self._samplerate = 16000
        self.words: tuple[Timed, ...] = ()

    @property
    def duration(self) -> float:
        """Length of the shown audio in seconds."""
        return self._samples.size / self._samplerate

    def set_audio(self, samples: np.ndarray, samplerate: int, words: Sequence[Timed] = ()) -> None:
        """Show ``samples`` (mono float) with optional word timings."""
        self._samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._samplerate = samplerate
        self.words = tuple(words)
        self.position = None
        self.selected = None
        if (self._samples.size == 0) != self.has_class("-empty"):
            self.set_class(self._samples.size == 0, "-empty")
        self.refresh()

    def clear(self) -> None:
        """Show nothing."""
        self.set_audio(np.zeros(0, dtype=np.float32), self._samplerate)

    def word_at(self, seconds: float) -> int | None:
        """Index of the word spoken at ``seconds``, or None."""
        for index, word in enumerate(self.words):
            if word.start <= seconds <= word.end:
                return index
        return None

    @property
    def wave_width(self) -> int:
        """Columns of the waveform itself (right of the title gutter)."""
        return max(self.size.width - GUTTER, 1)

    def on_click(self, event: events.Click) -> None:
        if self.duration <= 0 or event.x < GUTTER:
            return
        index = self.word_at((event.x - GUTTER + 0.5) / self.wave_width * self.duration)
        if index is not None:
            self.selected = index
            self.post_message(self.WordSelected(self, index))

    def render(self) -> Text:
        width, height = self.wave_width, max(self.size.height - 1, 1)
        gutter = Text(f"{self.title[: GUTTER - 1]:<{GUTTER}}", style="bold")
        if self._samples.size == 0 or self.size.width <= GUTTER:
            return gutter + Text("—", style="dim")
        canvas = BrailleCanvas(width, height)
        peaks = envelope(self._samples, canvas.dots_x)
        draw_envelope(canvas, peaks / max(float(peaks.max()), 1e-6))
        column_styles = self._column_styles(width)
        text = Text()
        for index, row in enumerate(canvas.rows()):
            text.append_text(gutter if index == 0 else Text(" " * GUTTER))
            text.append_text(styled(row, column_styles))
            text.append("\n")
        text.append(" " * GUTTER)
        text.append_text(self._labels(width))
        return text

    def _column_styles(self, width: int) -> list[str]:
        styles = ["grey50"] * width
        for index, word in enumerate(self.words):
            a = int(word.start / self.duration * width)
            b = max(int(np.ceil(word.end / self.duration * width)), a + 1)
            style = SELECTED_STYLE if index == self.selected else WORD_STYLES[index % 2]
            for column in range(max(a, 0), min(b, width)):
                styles[column] = style
        if self.position is not None and self.duration > 0:
            column = min(int(self.position / self.duration * width), width - 1)
            styles[column] = f"reverse {styles[column]}"
        return styles

    def _labels(self, width: int) -> Text:
        """Each word's text under its start, cut short so that a space always separates two labels."""
        line = [" "] * width
        styles = ["dim"] * width
        starts = [min(int(word.start / self.duration * width), width - 1) for word in self.words]
        taken = 0
        for index, word in enumerate(self.words):
            start = max(starts[index], taken)
            limit = min(starts[index + 1] - 1 if index + 1 < len(starts) else width, width)
            label = printable(word.text, single_line=True)[: max(limit - start, 1)]
            if start >= width:
                break
            style = SELECTED_STYLE if index == self.selected else WORD_STYLES[index % 2]
            for offset, char in enumerate(label[: width - start]):
                line[start + offset] = char
                styles[start + offset] = style
            taken = start + len(label) + 1
        return styled("".join(line), styles)


class LiveWaveform(Widget):
    """The last few seconds of a running recording, scrolling left as chunks arrive."""

    DEFAULT_CSS = """
    LiveWaveform { height: 3; }
    """

    COLUMNS_PER_CHUNK = 2  # dot columns per recorder block (one cell)

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._peaks: deque[float] = deque(maxlen=4096)

    def reset(self) -> None:
        """Forget everything shown."""
        self._peaks.clear()
        self.refresh()

    def add_chunk(self, samples: np.ndarray) -> None:
        """Append one block of recorded samples (mono, or its first channel)."""
        block = np.asarray(samples, dtype=np.float32)
        if block.ndim > 1:
            block = block[:, 0]
        self._peaks.extend(envelope(block, self.COLUMNS_PER_CHUNK).tolist())
        self.refresh()

    def render(self) -> Text:
        canvas = BrailleCanvas(self.size.width, self.size.height)
        peaks = np.array(list(self._peaks)[-canvas.dots_x :], dtype=np.float32)
        # sqrt lifts quiet speech into view without letting loud speech overflow.
        draw_envelope(canvas, np.sqrt(peaks))
        return Text("\n".join(canvas.rows()), style="red")

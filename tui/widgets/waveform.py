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

from tui.widgets.braille import BrailleCanvas, styled

WORD_STYLES = ("cyan", "dodger_blue2")
SELECTED_STYLE = "bold yellow"


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

    Click a word to select it (posts :class:`Waveform.WordSelected`).
    """

    DEFAULT_CSS = """
    Waveform { height: 5; }
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

    def _column_time(self, column: int, width: int) -> float:
        return (column + 0.5) / width * self.duration

    def on_click(self, event: events.Click) -> None:
        if self.duration <= 0 or self.size.width <= 0:
            return
        index = self.word_at(self._column_time(event.x, self.size.width))
        if index is not None:
            self.selected = index
            self.post_message(self.WordSelected(self, index))

    def render(self) -> Text:
        width, height = self.size.width, max(self.size.height - 1, 1)
        if self._samples.size == 0 or width <= 0:
            return Text(f"{self.title} —", style="dim")
        canvas = BrailleCanvas(width, height)
        peaks = envelope(self._samples, canvas.dots_x)
        draw_envelope(canvas, peaks / max(float(peaks.max()), 1e-6))
        column_styles = self._column_styles(width)
        text = Text()
        for row in canvas.rows():
            text.append_text(styled(row, column_styles))
            text.append("\n")
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
        line = [" "] * width
        styles = ["dim"] * width
        for index, word in enumerate(self.words):
            start = min(int(word.start / self.duration * width), width - 1)
            end = min(int(np.ceil(word.end / self.duration * width)), width)
            label = word.text[: max(end - start, 1)]
            for offset, char in enumerate(label):
                if start + offset < width:
                    line[start + offset] = char
                    styles[start + offset] = SELECTED_STYLE if index == self.selected else WORD_STYLES[index % 2]
        text = styled("".join(line), styles)
        if self.title:
            text = Text(self.title + " ", style="bold") + text
            text.truncate(width)
        return text


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

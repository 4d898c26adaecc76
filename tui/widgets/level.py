"""The input level meter: draws a :class:`tui.audio.meter.Level` — the engine meters, this only draws."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui.audio.meter import DISPLAY_FLOOR_DBFS, Level, bar_fraction

CLIP_WARNING = "CLIP — move back or turn the input down"
SILENT_WARNING = "can't hear you — check the microphone (d: devices)"
LABEL_WIDTH = 29
"""Columns of `` -23.4 dBFS  peak  -12.0`` after the bar: fixed, so the bar never changes size."""


def db_label(value: float) -> str:
    """A dBFS figure six columns wide; below the bar's floor it reads ``<-60``."""
    return f"{value:6.1f}" if value >= DISPLAY_FLOOR_DBFS else f"{'<' + str(int(DISPLAY_FLOOR_DBFS)):>6}"


class LevelMeter(Widget):
    """Two lines: a bar with the held peak and the figures, then the warning (clipping, silence).

    Feed it with :meth:`show` (a ``Level`` per block, None when not recording).
    """

    DEFAULT_CSS = """
    LevelMeter { height: 2; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.level: Level | None = None
        self.updates = 0

    def show(self, level: Level | None) -> None:
        """Draw ``level``; None clears the bar and any warning."""
        self.level = level
        if level is not None:
            self.updates += 1
        self.refresh()

    @property
    def warning(self) -> str:
        """The warning on screen, or ""."""
        if self.level is None:
            return ""
        return CLIP_WARNING if self.level.clipped else SILENT_WARNING if self.level.silent else ""

    def render(self) -> Text:
        level = self.level
        width = max(self.size.width - LABEL_WIDTH - 2, 4)
        rms = level.rms_dbfs if level else DISPLAY_FLOOR_DBFS - 1
        held = level.peak_hold_dbfs if level else DISPLAY_FLOOR_DBFS - 1
        filled = round(bar_fraction(rms) * width)
        peak_col = min(round(bar_fraction(held) * width), width - 1)
        bar = Text("▕")
        for col in range(width):
            frac = (col + 1) / width
            colour = "green" if frac < 0.75 else "yellow" if frac < 0.92 else "red"
            if col < filled:
                bar.append("█", style=colour)
            elif col == peak_col and held > DISPLAY_FLOOR_DBFS:
                bar.append("│", style=f"bold {colour}")
            else:
                bar.append("·", style="dim")
        bar.append("▏")
        if level is None:
            bar.append(" input level", style="dim")
            return bar
        bar.append(f" {db_label(rms)} dBFS  peak {db_label(held)}")
        warning = self.warning
        if warning:
            bar.append("\n")
            bar.append(warning, style="bold white on red" if level.clipped else "bold yellow")
        return bar

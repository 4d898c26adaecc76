"""Live input level: a dBFS bar with peak hold, clip and "can't hear you" warnings."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FLOOR_DBFS = -60.0
SILENCE_DBFS = -50.0
SILENCE_WARN_AFTER_S = 2.0
PEAK_HOLD_S = 1.0
PEAK_DECAY_DB_PER_S = 20.0
CLIP_SHOW_S = 1.5


def level_fraction(dbfs: float) -> float:
    """Map a dBFS value onto ``[0, 1]`` of the bar (``FLOOR_DBFS`` → 0, 0 dBFS → 1)."""
    if dbfs != dbfs:  # NaN
        return 0.0
    return min(max((dbfs - FLOOR_DBFS) / -FLOOR_DBFS, 0.0), 1.0)


def _db(value: float) -> str:
    """A dBFS figure for the label; below the bar's floor it reads ``<-60``."""
    return f"{value:6.1f}" if value >= FLOOR_DBFS else f"{'<' + str(int(FLOOR_DBFS)):>6}"


class LevelMeter(Widget):
    """One line: level bar, held peak, figures, and a warning when clipping or silent.

    Feed it with :meth:`update_level` (from chunk events); call :meth:`reset` when
    a recording starts so the silence timer starts afresh.
    """

    DEFAULT_CSS = """
    LevelMeter { height: 1; }
    """

    rms_dbfs: reactive[float] = reactive(FLOOR_DBFS)
    peak_dbfs: reactive[float] = reactive(FLOOR_DBFS)
    held_dbfs: reactive[float] = reactive(FLOOR_DBFS)
    warning: reactive[str] = reactive("")

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._held_at = 0.0
        self._clip_at = -1e9
        self._loud_at = time.monotonic()
        self.updates = 0

    def reset(self) -> None:
        """Forget the held peak, warnings and silence timer."""
        now = time.monotonic()
        self._held_at, self._clip_at, self._loud_at = now, -1e9, now
        self.rms_dbfs = self.peak_dbfs = self.held_dbfs = FLOOR_DBFS
        self.warning = ""

    def update_level(self, rms_dbfs: float, peak_dbfs: float, clipped: bool, *, now: float | None = None) -> None:
        """Show one block's level; ``now`` (monotonic seconds) is for tests."""
        now = time.monotonic() if now is None else now
        held = self.held_dbfs
        if now - self._held_at > PEAK_HOLD_S:
            held -= PEAK_DECAY_DB_PER_S * (now - self._held_at - PEAK_HOLD_S)
        if peak_dbfs >= held:
            held, self._held_at = peak_dbfs, now
        if clipped:
            self._clip_at = now
        if rms_dbfs > SILENCE_DBFS:
            self._loud_at = now
        if now - self._clip_at < CLIP_SHOW_S:
            self.warning = "CLIP — move back or turn the input down"
        elif now - self._loud_at > SILENCE_WARN_AFTER_S:
            self.warning = "can't hear you — check the microphone (d: devices)"
        else:
            self.warning = ""
        self.rms_dbfs, self.peak_dbfs, self.held_dbfs = rms_dbfs, peak_dbfs, max(held, FLOOR_DBFS)
        self.updates += 1

    def render(self) -> Text:
        label = f" {_db(self.rms_dbfs)} dBFS  peak {_db(self.peak_dbfs)} "
        width = max(self.size.width - len(label) - 2 - (len(self.warning) + 1 if self.warning else 0), 10)
        filled = round(level_fraction(self.rms_dbfs) * width)
        peak_col = min(round(level_fraction(self.held_dbfs) * width), width - 1)
        bar = Text("▕")
        for col in range(width):
            frac = (col + 1) / width
            colour = "green" if frac < 0.75 else "yellow" if frac < 0.92 else "red"
            if col < filled:
                bar.append("█", style=colour)
            elif col == peak_col and self.held_dbfs > FLOOR_DBFS:
                bar.append("│", style=f"bold {colour}")
            else:
                bar.append("·", style="dim")
        bar.append("▏")
        bar.append(label)
        if self.warning:
            bar.append(self.warning, style="bold white on red" if self.warning.startswith("CLIP") else "bold yellow")
        return bar

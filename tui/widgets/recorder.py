"""The recorder's part of the practice screen: the line saying what happens now, and while recording a meter and live waveform."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Static

from tui.messages import ChunkRecorded
from tui.widgets.level import LevelMeter
from tui.widgets.waveform import LiveWaveform

RecState = Literal["ready", "recording", "scoring"]
"""What the panel shows: the meter and live waveform only while ``recording``."""


class RecorderPanel(Vertical):
    """The rec line (:func:`~tui.widgets.recstate.rec_line`), and while ``state`` is "recording" the level meter and live waveform."""

    DEFAULT_CSS = """
    RecorderPanel { height: auto; }
    RecorderPanel #rec-state { height: 1; }
    """

    state: var[RecState] = var("ready")
    line: var[Text] = var(Text)
    """Redrawn only when it changes."""

    def compose(self) -> ComposeResult:
        yield Static("", id="rec-state")
        yield LevelMeter(id="meter")
        yield LiveWaveform(id="live")

    def on_mount(self) -> None:
        self.watch_state(self.state)

    @property
    def line_width(self) -> int:
        """Columns the rec line has."""
        return self.content_size.width or self.app.size.width

    def watch_state(self, state: RecState) -> None:
        recording = state == "recording"
        if recording:
            self.query_one(LevelMeter).show(None)
            self.query_one(LiveWaveform).reset()
        self.query_one(LevelMeter).display = recording
        self.query_one(LiveWaveform).display = recording

    def watch_line(self, line: Text) -> None:
        self.query_one("#rec-state", Static).update(line)

    def chunk(self, message: ChunkRecorded) -> None:
        """One recorded block: its level on the meter, its samples on the live waveform."""
        self.query_one(LevelMeter).show(message.level)
        self.query_one(LiveWaveform).add_chunk(message.samples)

    def quiet(self) -> None:
        """Clear the meter (the take ended)."""
        self.query_one(LevelMeter).show(None)

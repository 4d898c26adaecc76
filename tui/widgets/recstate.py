"""The one line under the reference that says what happens now: ready, recording, scoring, playing."""

from __future__ import annotations

from rich.text import Text

from tui.config import AppConfig
from tui.practice.playback import NowPlaying
from tui.practice.takes import Take, TakeState
from tui.widgets.wording import fit


def rec_line(take: Take | None, playing: NowPlaying | None, config: AppConfig, *, elapsed: float = 0.0, width: int = 80) -> Text:
    """What the recorder (or else the player) is doing, with the keys that matter now, in ``width`` columns."""
    state = take.state if take is not None else None
    if state is TakeState.STARTING:
        return Text("◌ starting the recorder…", style="yellow")
    if state is TakeState.RECORDING and take is not None:
        return fit([
            (0, Text("● REC ", style="bold white on red")),
            (2, Text(take.recorder)),
            (0, Text(f"{elapsed:5.1f} s", style="bold")),
            (0, Text("space stops")),
            (1, Text(f"auto-stop after {config.auto_stop_seconds:g} s of quiet", style="dim") if config.auto_stop else Text()),
        ], width, gap="  ")
    if state is TakeState.SCORING:
        return Text("◌ scoring…", style="yellow")
    if playing is not None:
        speed = f" at {playing.play.speed:g}×" if playing.play.speed != 1.0 else ""
        if playing.position is None:
            slow = playing.play.speed != 1.0
            return Text(f"◌ preparing {'slow ' if slow else ''}playback…", style="yellow")
        what = "my attempt" if playing.play.target == "attempt" else "the reference"
        return fit([(0, Text.assemble(("▶ playing ", "green"), f"{what}{speed}")), (1, Text("escape stops", style="dim"))], width)
    return fit([
        (0, Text("○ ready", style="green")),
        (1, Text(f"auto-stop {'on' if config.auto_stop else 'off'} (t) · shadowing {'on' if config.shadowing else 'off'} (h)", style="dim")),
    ], width)

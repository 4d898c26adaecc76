"""The status bar: today's practice, what the screen says, uploads, pack, input, recorder, dropped audio."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.messages import StatusChanged
from tui.practice.progress import Progress
from tui.practice.session import Session
from tui.text import printable
from tui.widgets.wording import fit, plural


def practice_summary(progress: Progress) -> Text:
    """``3 due today · goal 4/10 · streak 2 days`` (the goal in green once met)."""
    met = progress.done_today >= progress.goal
    text = Text.assemble(
        (f"{progress.due_today} due today", "bold yellow" if progress.due_today else ""),
        " · goal ",
        (f"{progress.done_today}/{progress.goal}", "bold green" if met else "bold"),
    )
    if progress.streak:
        text.append(f" · streak {plural(progress.streak, 'day')}")
    return text


class StatusBar(Widget):
    """One line under the screen, drawn from the session plus what the screen sets; never wider than the screen.

    ``pack`` overrides the session's pack id (the author screen shows the pack
    it edits); ``recorder`` and ``extra`` are the screen's. When the line is too
    long, the input, then the recorder, then the pack are left out.
    """

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    """

    pack: reactive[str] = reactive("")
    recorder: reactive[str] = reactive("")
    extra: reactive[str] = reactive("")

    def __init__(self, session: Session, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self._unsubscribe = session.add_status_listener(self._status_changed)

    def _status_changed(self) -> None:
        """On any thread: redraw from the event loop."""
        self.post_message(StatusChanged())

    def on_unmount(self) -> None:
        self._unsubscribe()

    def on_status_changed(self, message: StatusChanged) -> None:
        message.stop()
        self.refresh()

    @property
    def source(self) -> str:
        """Where recordings come from: the input file or the chosen input device."""
        if self.session.input_file is not None:
            return f"file {self.session.input_file.name}"
        return self.session.config.input_device or "default input"

    def render(self) -> Text:
        pack = self.pack or (self.session.pack.id if self.session.pack else "")
        dropped = self.session.dropped_audio
        progress = self.session.progress
        parts: list[tuple[int, Text]] = [
            (0, practice_summary(progress) if progress is not None and not self.pack else Text()),
            (0, Text(printable(self.extra, single_line=True))),
            (1, Text(printable(self.session.status, single_line=True))),
            (1 if dropped else 5, Text.assemble(("dropped ", "dim"), (str(dropped), "bold red" if dropped else ""))),
        ]
        for priority, label, value in ((4, "pack", pack), (6, "input", self.source), (3, "recorder", self.recorder)):
            if value:
                parts.append((priority, Text.assemble((f"{label} ", "dim"), printable(value, single_line=True))))
        return fit(parts, self.content_size.width)

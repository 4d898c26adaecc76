"""The status bar: pack, input, recorder, dropped audio, the session's status line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.messages import StatusChanged
from tui.practice.session import Session
from tui.text import printable


class StatusBar(Widget):
    """One line under the screen, drawn from the session plus what the screen sets.

    ``pack`` overrides the session's pack id (the author screen shows the pack
    it edits); ``recorder`` and ``extra`` are the screen's.
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
        text = Text()
        for label, value in (("pack", pack), ("input", self.source), ("recorder", self.recorder)):
            if value:
                text.append(f"{label} ", style="dim")
                text.append(f"{printable(value, single_line=True)}   ")
        dropped = self.session.dropped_audio
        text.append("dropped ", style="dim")
        text.append(str(dropped), style="bold red" if dropped else "")
        for extra in (self.extra, self.session.status):
            if extra:
                text.append(f"   {printable(extra, single_line=True)}")
        return text

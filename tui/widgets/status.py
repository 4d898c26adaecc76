"""The status bar: pack, input, recorder, dropped audio."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """One line under the screen; ``dropped`` counts audio blocks lost this session."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    """

    pack: reactive[str] = reactive("")
    source: reactive[str] = reactive("")
    recorder: reactive[str] = reactive("")
    dropped: reactive[int] = reactive(0)
    extra: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text()
        for label, value in (("pack", self.pack), ("input", self.source), ("recorder", self.recorder)):
            if value:
                text.append(f"{label} ", style="dim")
                text.append(f"{value}   ")
        text.append("dropped ", style="dim")
        text.append(str(self.dropped), style="bold red" if self.dropped else "")
        if self.extra:
            text.append(f"   {self.extra}")
        return text

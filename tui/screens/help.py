"""Help: the keys of the screen it was opened from."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def keys_table(screen: Screen[Any]) -> Table:
    """Key and description of every binding the screen or the app owns (not the focused widget's)."""
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan")
    table.add_column()
    for key, active in screen.active_bindings.items():
        if active.binding.description and active.node in (screen, screen.app):
            table.add_row(active.binding.key_display or key, active.binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 64; height: auto; max-height: 90%; border: round $primary; padding: 1 2; background: $surface; }
    """

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self._table = keys_table(under)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "keys"
            yield Static(self._table)
            yield Static("\nctrl+p: every action by name · the mouse works too · escape closes", classes="dim")

"""Help: the keys of the screen it was opened from (and the app's own), not Textual's generic ones."""

from __future__ import annotations

from typing import Any

from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

FOOTNOTE = "ctrl+p: every action by name · the mouse works too · escape closes"
TWO_COLUMNS_FROM = 70
"""Terminal width from which the keys are listed in two columns (narrower ones would wrap every description)."""
FRAME = 8
"""Columns the overlay's border, padding and margin take from the terminal's width."""


def own_bindings(node: Any) -> list[Binding]:
    """The bindings declared by pronounce's own classes of ``node`` (most derived first), not Textual's."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("tui.") and "BINDINGS" in cls.__dict__:
            found += [b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding) and b.description]
    return found


def key_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for the screen's own keys, then the app's (a binding's tooltip says more than its label)."""
    rows, seen = [], set()
    for binding in [*own_bindings(screen), *own_bindings(screen.app)]:
        if binding.action in seen:
            continue
        seen.add(binding.action)
        rows.append((binding.key_display or binding.key, binding.tooltip or binding.description))
    return rows


def keys_table(screen: Screen[Any], *, width: int) -> Table:
    """The keys in ``width`` columns of terminal: two side-by-side halves from :data:`TWO_COLUMNS_FROM` on.

    When the table is wider than ``width`` its descriptions wrap (under themselves), so nothing is cut.
    """
    rows = key_rows(screen)
    columns = 2 if width >= TWO_COLUMNS_FROM else 1
    per_column = -(-len(rows) // columns)
    table = Table(box=None, show_header=False, padding=(0, 1), collapse_padding=True)
    for _ in range(columns):
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
    parts = [rows[i * per_column : (i + 1) * per_column] for i in range(columns)]
    for index in range(per_column):
        cells: list[Text] = []
        for part in parts:
            key, what = part[index] if index < len(part) else ("", "")
            cells += [Text(key), Text(what)]
        table.add_row(*cells)
    console = screen.app.console
    if Measurement.get(console, console.options.update_width(10_000), table).maximum > width:
        table.width = width
    return table


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: auto; max-width: 98%; height: auto; max-height: 96%;
                                  border: round $primary; padding: 0 1; background: $surface; }
    HelpScreen Static { width: auto; }
    HelpScreen #footnote { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self._table = keys_table(under, width=under.app.size.width - FRAME)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "keys"
            yield Static(self._table)
            yield Static(FOOTNOTE, id="footnote", markup=False)

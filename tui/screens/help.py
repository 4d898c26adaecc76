"""Help: the keys of the screen it was opened from (and the app's own), not Textual's generic ones."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

FOOTNOTE = "ctrl+p: every action by name · the mouse works too · escape closes"
TWO_COLUMNS_FROM = 110
"""Terminal width from which the keys are listed in two columns."""


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


def keys_table(screen: Screen[Any], *, columns: int = 1) -> Table:
    """The keys, in ``columns`` side-by-side halves (two fit a wide terminal without scrolling)."""
    rows = key_rows(screen)
    per_column = -(-len(rows) // columns)
    table = Table(box=None, show_header=False, padding=(0, 1))
    for _ in range(columns):
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
    parts = [rows[i * per_column : (i + 1) * per_column] for i in range(columns)]
    for index in range(per_column):
        cells: list[Text] = []
        for part in parts:
            key, what = part[index] if index < len(part) else ("", "")
            cells += [Text(key), Text(what)]
        table.add_row(*cells)
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
        self._table = keys_table(under, columns=2 if under.app.size.width >= TWO_COLUMNS_FROM else 1)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "keys"
            yield Static(self._table)
            yield Static(FOOTNOTE, id="footnote", markup=False)

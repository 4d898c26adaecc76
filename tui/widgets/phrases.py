"""The phrase list: id, text, best-score badge and a due marker."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.widgets.scorecard import level_style


@dataclass(frozen=True)
class PhraseRow:
    """What the list shows for one phrase."""

    id: str
    text: str
    best: float | None = None
    due: bool = False


def row_prompt(row: PhraseRow) -> Text:
    """Two lines: ``● Hello there  83`` (due marker, text, badge) over the dim phrase id."""
    text = Text()
    text.append("● " if row.due else "  ", style="bold yellow")
    text.append(row.text, style="bold")
    if row.best is None:
        text.append("  new", style="italic dim")
    else:
        text.append(f"  {row.best:.0f}", style=f"bold {level_style(row.best)}")
    text.append(f"\n  {row.id}", style="dim")
    return text


class PhraseList(OptionList):
    """The pack's phrases; highlighting one makes it the current phrase."""

    DEFAULT_CSS = """
    PhraseList { width: 40; height: 1fr; }
    """

    def set_rows(self, rows: list[PhraseRow]) -> None:
        """Show ``rows``, keeping the highlighted phrase when it still exists."""
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        self.set_options([Option(row_prompt(row), id=row.id) for row in rows])
        ids = [row.id for row in rows]
        if ids:
            self.highlighted = ids.index(current) if current in ids else 0

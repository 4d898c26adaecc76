"""The phrase list: text, best-score badge (or "new"), a due marker, the phrase id, and what an assignment asks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.practice.classroom import AssignedPhrase, assigned_first
from tui.practice.history import PhraseBadge
from tui.text import printable
from tui.widgets.scorecard import figure, finite, level_style


@dataclass(frozen=True)
class PhraseRow:
    """What the list shows for one phrase: ``best`` None means never tried; ``due`` means practise it again now.

    ``assigned`` is what an assignment asks ("due Fri · target 80"), ``assigned_done`` once it is met.
    """

    id: str
    text: str
    best: float | None = None
    due: bool = False
    assigned: str = ""
    assigned_done: bool = False


def row_prompt(row: PhraseRow, width: int = 0) -> Text:
    """``● Hello there  83`` (due marker, text, badge) over the dim phrase id, cut to ``width`` columns with "…"."""
    text = Text()
    text.append("● " if row.due else "  ", style="bold yellow")
    text.append(printable(row.text, single_line=True), style="bold")
    if row.best is None:
        text.append("  new", style="italic dim")
    else:
        best = finite(row.best)
        text.append(f"  {figure(best)}", style=f"bold {level_style(best)}")
    phrase_id = printable(row.id, single_line=True)
    if row.assigned:
        label = ("✓ " if row.assigned_done else "◆ ") + row.assigned
        if width > 4 and len(label) > width - 2:  # a narrow list: "◆ due Fri · ≥80"
            label = label.replace(" · target ", " · ≥")
        text.append("\n  ")
        text.append(label, style="green" if row.assigned_done else "bold yellow")
        return text
    if width > 4 and len(phrase_id) > width - 2:
        phrase_id = phrase_id[: width - 3] + "…"
    text.append(f"\n  {phrase_id}", style="dim")
    return text


def queue_rows(phrases: Sequence[tuple[str, str]], badges: Sequence[PhraseBadge], assigned: dict[str, AssignedPhrase],
               today: date) -> list[PhraseRow]:
    """The list's rows of ``phrases`` (id, text) in pack order: each with its badge and what an assignment asks, the
    assigned phrases not done first."""
    rows = {phrase_id: PhraseRow(phrase_id, text, badge.best, badge.due,
                                 assigned=assigned[phrase_id].label(today) if phrase_id in assigned else "",
                                 assigned_done=phrase_id in assigned and assigned[phrase_id].done)
            for (phrase_id, text), badge in zip(phrases, badges)}
    return [rows[phrase_id] for phrase_id in assigned_first([phrase_id for phrase_id, _ in phrases], assigned)]


class PhraseList(OptionList):
    """The pack's phrases; highlighting one makes it the current phrase."""

    DEFAULT_CSS = """
    PhraseList { width: 30%; min-width: 24; max-width: 48; height: 1fr; }
    """

    def __init__(self, rows: list[PhraseRow] | None = None, *, id: str | None = None) -> None:
        self.rows = list(rows or ())
        self._width = 0
        super().__init__(*self._row_options(), id=id)
        if self.rows:
            self.highlighted = 0

    def _row_options(self) -> list[Option]:
        return [Option(row_prompt(row, self._width), id=row.id) for row in self.rows]

    def set_rows(self, rows: list[PhraseRow]) -> None:
        """Show ``rows``, keeping the highlighted phrase when it still exists."""
        self.rows = list(rows)
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        self.set_options(self._row_options())
        ids = [row.id for row in rows]
        if ids:
            self.highlighted = ids.index(current) if current in ids else 0

    def on_resize(self) -> None:
        """Cut the phrase ids to the new width."""
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            if self.rows:
                self.set_rows(self.rows)

    def index_of(self, phrase_id: str) -> int | None:
        """The row of ``phrase_id`` (None when it is not listed)."""
        for index in range(self.option_count):
            if self.get_option_at_index(index).id == phrase_id:
                return index
        return None

"""The phrase list: a due marker and the text, over the phrase id and the best-score badge (or "new")."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.text import printable
from tui.widgets.scorecard import figure, finite, level_style


@dataclass(frozen=True)
class PhraseRow:
    """What the list shows for one phrase: ``best`` None means never tried; ``due`` means practise it again now."""

    id: str
    text: str
    best: float | None = None
    due: bool = False


def row_prompt(row: PhraseRow, width: int = 0) -> Text:
    """``● Hello there`` (due marker, text) over the dim phrase id and the badge at the right edge of ``width``.

    The id is cut with "…" so that id and badge fit on one line; the text wraps.
    """
    text = Text()
    text.append("● " if row.due else "  ", style="bold yellow")
    text.append(printable(row.text, single_line=True), style="bold")
    best = None if row.best is None else finite(row.best)
    badge = "new" if row.best is None else figure(best)
    phrase_id = printable(row.id, single_line=True)
    line = width - 1  # a full-width line would make the list scroll sideways, resize, and redraw again
    room = line - 2 - len(badge) - 2  # "  " before the id, at least two spaces before the badge
    if width and room > 1 and len(phrase_id) > room:
        phrase_id = phrase_id[: room - 1] + "…"
    text.append(f"\n  {phrase_id}", style="dim")
    text.append(" " * max(2, line - 2 - len(phrase_id) - len(badge)) if width else "  ")
    text.append(badge, style="italic dim" if row.best is None else f"bold {level_style(best)}")
    return text


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

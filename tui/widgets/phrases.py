"""The phrase list: a due marker, the text with its best-score badge (or "new"), and under it the phrase id, or what
an assignment asks ("◆ due Fri · target 80")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.packs.model import Pack
from tui.practice.classroom import AssignedPhrase, assigned_first
from tui.practice.progress import Progress
from tui.text import printable
from tui.widgets.scorecard import figure, finite, level_style

DUE_MARK = "●"


@dataclass(frozen=True)
class PhraseRow:
    """What the list shows for one phrase.

    ``best`` None means never tried; ``due`` means practise it again now;
    ``known`` False means the attempts are not read yet (no badge at all, rather than a wrong "new");
    ``assigned`` is what an assignment asks ("due Fri · target 80"), ``assigned_done`` once it is met.
    """

    id: str
    text: str
    best: float | None = None
    due: bool = False
    known: bool = True
    assigned: str = ""
    assigned_done: bool = False


def phrase_rows(pack: Pack | None, progress: Progress | None, order: str = "pack", *,
                assigned: dict[str, AssignedPhrase] | None = None, today: date | None = None) -> list[PhraseRow]:
    """The rows of ``pack``'s phrases with their progress (no badges while it is unknown).

    ``order`` "due" lists them as the practice queue does, most urgent first; "pack" as the pack does. Either way the
    phrases ``assigned`` by the teacher and not done yet come first, the soonest due first.
    """
    if pack is None:
        return []
    phrases = list(pack.phrases)
    if progress is not None and order == "due":
        rank = {phrase_id: index for index, phrase_id in enumerate(progress.queue)}
        phrases.sort(key=lambda phrase: rank.get(phrase.id, len(rank)))
    assigned = assigned or {}
    if assigned:
        first = assigned_first([phrase.id for phrase in phrases], assigned)
        phrases.sort(key=lambda phrase: first.index(phrase.id))
    rows = []
    for phrase in phrases:
        work = assigned.get(phrase.id)
        label, done = (work.label(today or date.today()), work.done) if work is not None else ("", False)
        if progress is None:
            rows.append(PhraseRow(phrase.id, phrase.text, known=False, assigned=label, assigned_done=done))
            continue
        item = progress.of(phrase.id)
        rows.append(PhraseRow(phrase.id, phrase.text, item.best, item.due, assigned=label, assigned_done=done))
    return rows


class Hanging:
    """A marker, then lines whose wrapped parts start under the text, not under the marker (a hanging indent).

    ``lines`` wrap at the width given, except those made with ``no_wrap``, which are cut with "…".
    (A Rich renderable of its own: a table grid did the same at several times the cost, for every row.)
    """

    def __init__(self, marker: Text, lines: list[Text]) -> None:
        self.marker = marker
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.marker.cell_len
        width = max(options.max_width - indent, 1)
        wrapped: list[Text] = []
        for line in self.lines:
            if line.no_wrap:
                cut = line.copy()
                cut.truncate(width, overflow="ellipsis")
                wrapped.append(cut)
            else:
                wrapped.extend(line.wrap(console, width))
        pad = Text(" " * indent)
        yield Text("\n").join(Text.assemble(self.marker if number == 0 else pad, line) for number, line in enumerate(wrapped))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        indent = self.marker.cell_len
        return Measurement(indent + 1, indent + max((line.cell_len for line in self.lines), default=0))


def row_prompt(row: PhraseRow) -> Hanging:
    """``● Hello there  83`` over the dim phrase id; wrapped lines keep the indent after the marker."""
    text = Text(printable(row.text, single_line=True), style="bold")
    if row.known and row.best is None:
        text.append("  new", style="italic dim")
    elif row.known:
        best = finite(row.best)
        text.append(f"  {figure(best)}", style=f"bold {level_style(best)}")
    if row.assigned:
        under = Text(("✓ " if row.assigned_done else "◆ ") + row.assigned, style="green" if row.assigned_done else "bold yellow")
    else:
        under = Text(printable(row.id, single_line=True), style="dim", no_wrap=True)
    return Hanging(Text(f"{DUE_MARK} " if row.due else "  ", style="bold yellow"), [text, under])


class PhraseList(OptionList):
    """The pack's phrases, in the order given; highlighting one makes it the current phrase."""

    DEFAULT_CSS = """
    PhraseList { width: 30%; min-width: 24; max-width: 48; height: 1fr; }
    """

    def __init__(self, rows: list[PhraseRow] | None = None, *, id: str | None = None) -> None:
        self.rows = list(rows or ())
        super().__init__(*self._row_options(), id=id)
        if self.rows:
            self.highlighted = 0

    def _row_options(self) -> list[Option]:
        return [Option(row_prompt(row), id=row.id) for row in self.rows]

    def set_rows(self, rows: list[PhraseRow]) -> None:
        """Show ``rows``, keeping the highlighted phrase when it still exists (the same rows again change nothing)."""
        if list(rows) == self.rows and self.option_count == len(rows):
            return
        self.rows = list(rows)
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        self.set_options(self._row_options())
        ids = [row.id for row in rows]
        if ids:
            self.highlighted = ids.index(current) if current in ids else 0

    def index_of(self, phrase_id: str) -> int | None:
        """The row of ``phrase_id`` (None when it is not listed)."""
        for index in range(self.option_count):
            if self.get_option_at_index(index).id == phrase_id:
                return index
        return None

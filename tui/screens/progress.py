"""Progress: every phrase's attempts, best and latest score and when it is due; the days practised, plotted.

The plot is drawn by plotext (through textual-plotext): the mean overall score
of each day practised over the last four weeks, with the days' takes counted
in the summary above it.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static
from textual_plotext import PlotextPlot

from tui.messages import ProgressRead
from tui.packs.model import Pack
from tui.practice.progress import PLOT_DAYS, PhraseProgress, Progress
from tui.practice.session import Session
from tui.screens.base import AppScreen
from tui.text import printable
from tui.widgets.scorecard import figure, finite, level_style
from tui.widgets.status import StatusBar
from tui.widgets.wording import plural


def due_text(item: PhraseProgress, now: datetime) -> Text:
    """``new``, ``● now`` or when it is due next (``in 3 d``, ``in 5 h``)."""
    if item.is_new:
        return Text("new", style="italic dim")
    if item.due or item.due_at is None:
        return Text("● now", style="bold yellow")
    hours = (item.due_at - now).total_seconds() / 3600
    return Text(f"in {hours / 24:.0f} d" if hours >= 36 else f"in {max(hours, 1):.0f} h", style="dim")


def score_text(value: float | None) -> Text:
    """A score coloured by level, right-aligned; "—" when there is none."""
    score = finite(value)
    return Text(figure(score), style=f"bold {level_style(score)}" if score is not None else "dim", justify="right")


class ProgressScreen(AppScreen):
    """The pack's phrases with their scores and due dates, today's goal and streak, and a plot of the last weeks.

    ``enter`` goes back to practise the highlighted phrase (dismissed with its id).
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "practise", "Practise it", tooltip="Practise the highlighted phrase"),
    ]

    def __init__(self, session: Session, pack: Pack) -> None:
        super().__init__(session)
        self.pack = pack

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary")
        yield DataTable(id="progress-table", cursor_type="row", zebra_stripes=True)
        yield PlotextPlot(id="progress-plot")
        yield StatusBar(self.session)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"progress · {printable(self.pack.title, single_line=True)}"
        table = self.query_one(DataTable)
        table.add_column("phrase", key="phrase")
        for label in ("takes", "best", "latest", "due"):
            table.add_column(label, key=label)
        if self.session.progress is not None:
            self._show(self.session.progress)
        self.load()
        table.focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="progress", description="read the progress")
    def load(self) -> None:
        """Read the progress afresh."""
        self.post_message(ProgressRead(self.pack, self.session.read_progress(self.pack)))

    def on_progress_read(self, message: ProgressRead) -> None:
        if message.pack is self.pack:
            self._show(message.progress)

    def _show(self, progress: Progress) -> None:
        now = self.session.clock()
        table = self.query_one(DataTable)
        highlighted = table.cursor_row
        table.clear()
        for phrase in self.pack.phrases:
            item = progress.of(phrase.id)
            table.add_row(Text(printable(phrase.text, single_line=True)), Text(str(item.attempts), justify="right"),
                          score_text(item.best), score_text(item.latest), due_text(item, now), key=phrase.id)
        if self.pack.phrases:
            table.move_cursor(row=min(max(highlighted, 0), len(self.pack.phrases) - 1))
        days = [day for _, day in progress.last_days() if day is not None]
        takes = sum(day.takes for day in days)
        summary = f"practised on {plural(len(days), 'day')} of the last {PLOT_DAYS}, {plural(takes, 'take')} in all"
        self.query_one("#summary", Static).update(Text(summary, style="bold"))
        self._plot(progress)

    def on_resize(self) -> None:
        if self.session.progress is not None:
            self._plot(self.session.progress)  # the ticks that fit the new height

    def _plot(self, progress: Progress) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        days = progress.last_days()
        plt.title(f"mean score of the days practised, last {PLOT_DAYS} days")
        plt.ylim(0, 100)
        plt.yticks([0, 50, 100] if plot.size.height < 14 else [0, 25, 50, 75, 100])
        plt.xlim(0, len(days) - 1)
        ticks = [float(i) for i in [*range(0, len(days) - 3, 7), len(days) - 1]]
        plt.xticks(ticks, [f"{days[int(i)][0]:%d %b}" if i < len(days) - 1 else "today" for i in ticks])
        practised = [(index, day.mean) for index, (_, day) in enumerate(days) if day is not None]
        if practised:
            plt.plot([i for i, _ in practised], [m for _, m in practised], marker="braille", color="green")
            plt.scatter([i for i, _ in practised], [m for _, m in practised], marker="●", color="green")
        plot.refresh()

    def action_back(self) -> None:
        """Back to practice."""
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def action_practise(self) -> None:
        """Practise the highlighted phrase."""
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.pack.phrases):
            self.dismiss(self.pack.phrases[table.cursor_row].id)

"""Review: past attempts filtered by pack and phrase, one attempt's result, scores over time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input

from tui.packs.model import Pack
from tui.screens.base import AppScreen
from tui.widgets.plots import ScoreChart
from tui.widgets.scorecard import ScoreCard
from tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from tui.app import PronounceApp


class ReviewScreen(AppScreen):
    """Attempts table (newest first); the highlighted row's result card and its phrase's chart."""

    app: PronounceApp

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "play_attempt", "Play attempt"),
        Binding("slash", "filter", "Filter"),
        Binding("delete", "delete", "Delete attempt"),
    ]

    def __init__(self, pack: Pack | None, phrase_id: str | None) -> None:
        super().__init__()
        self.pack = pack
        self.attempts: list[Any] = []
        self._initial_filter = phrase_id or ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Input(self._initial_filter, placeholder="filter: phrase id (pack: prefix with pack id and /)", id="filter")
                yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="details"):
                yield ScoreCard(id="card")
                yield ScoreChart(id="chart")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "review"
        table = self.query_one(DataTable)
        table.add_columns("#", "when", "phrase", "score", "s")
        self.query_one(StatusBar).pack = self.pack.id if self.pack else ""
        self.load()
        table.focus()

    def _filters(self) -> tuple[str | None, str | None]:
        text = self.query_one("#filter", Input).value.strip()
        if "/" in text:
            pack, _, phrase = text.partition("/")
            return pack or None, phrase or None
        return (self.pack.id if self.pack else None), (text or None)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def load(self) -> None:
        """Read the filtered attempts from the store."""
        from tui.store import AttemptStore

        pack, phrase = self._filters()
        attempts = AttemptStore(self.app.data_dir).attempts(pack=pack, phrase=phrase)
        self.app.call_from_thread(self._show, attempts)

    def _show(self, attempts: list[Any]) -> None:
        self.attempts = sorted(attempts, key=lambda a: a.id, reverse=True)
        table = self.query_one(DataTable)
        table.clear()
        for attempt in self.attempts:
            table.add_row(
                str(attempt.id), f"{attempt.created_at:%Y-%m-%d %H:%M}", attempt.phrase_id,
                f"{attempt.score.overall:.0f}", f"{attempt.duration:.1f}", key=str(attempt.id),
            )
        self.query_one(StatusBar).extra = f"{len(self.attempts)} attempts"
        if not self.attempts:
            self.query_one(ScoreCard).show(None)
            self.query_one(ScoreChart).set_points([])

    @property
    def current(self) -> Any:
        """The highlighted attempt, or None."""
        row = self.query_one(DataTable).cursor_row
        return self.attempts[row] if 0 <= row < len(self.attempts) else None

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        attempt = self.current
        if attempt is None:
            return
        self.query_one(ScoreCard).show(attempt.score)
        same = [a for a in self.attempts if a.phrase_id == attempt.phrase_id and a.pack_id == attempt.pack_id]
        self.query_one(ScoreChart).set_points([(a.created_at, a.score.overall) for a in same], f"— {attempt.phrase_id}")

    def action_filter(self) -> None:
        """Focus the filter box."""
        self.query_one("#filter", Input).focus()

    def action_play_attempt(self) -> None:
        """Play the highlighted attempt's recording."""
        attempt = self.current
        if attempt is None:
            return
        if attempt.missing:
            self.notify("This attempt's recording is missing.", severity="warning")
            return
        self.play(attempt.audio)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-play")
    def play(self, path: Any) -> None:
        """Load and play a recording."""
        from tui.audio.files import load_audio

        samples, samplerate = load_audio(path)
        self.app.player.play(samples, samplerate, device=self.app.config.output_device or None)

    def action_delete(self) -> None:
        """Delete the highlighted attempt and its recording."""
        attempt = self.current
        if attempt is not None:
            self.delete(attempt.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def delete(self, attempt_id: int) -> None:
        """Delete one attempt, then reload."""
        from tui.store import AttemptStore

        AttemptStore(self.app.data_dir).delete(attempt_id)
        self.app.call_from_thread(self.notify, f"Deleted attempt #{attempt_id}.")
        self.load()

"""Review: past attempts filtered by pack and phrase, one attempt's result and the teacher's answer, scores over time,
recovered takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.practice.history import attempt_result
from tui.practice.playback import Play
from tui.practice.recovered import RecoveredTake
from tui.practice.results import Result
from tui.practice.session import Session
from tui.screens.base import AppScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import printable
from tui.widgets.plots import ScoreChart
from tui.widgets.scorecard import ScoreCard, figure, finite
from tui.widgets.status import StatusBar
from tui.widgets.teacher import TeacherNotePanel
from tui.widgets.wording import plural

if TYPE_CHECKING:
    from tui.practice.classroom import TeacherNote


def phrase_words(text: str, phrase_id: str) -> str:
    """How a phrase is named everywhere: by its text (its id only when the text is unknown)."""
    return printable(text or phrase_id, single_line=True)


NO_MATCH = "No attempts match the filter: change it (/), or go back (escape) and practise the phrase."
NO_ATTEMPTS = "No attempts yet: go back (escape), press space and say the phrase."


class ReviewScreen(AppScreen):
    """Attempts table (newest first); the highlighted attempt's result and its phrase's chart; recovered takes."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "play_attempt", "Play"),
        Binding("t", "play_teacher", "Teacher", tooltip="Play the teacher's recording of the highlighted attempt"),
        Binding("b", "play_both", "Mine, then teacher's", show=False,
                tooltip="Play the highlighted attempt, then the teacher's recording"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("delete", "delete", "Delete"),
        Binding("n", "score_recovered", "Score recovered take", show=False),
    ]

    def __init__(self, session: Session, phrase_id: str | None, *, new_answers: bool = False) -> None:
        """Review the attempts at ``phrase_id`` (every attempt of the pack when None); ``new_answers`` starts on the
        newest attempt the teacher's answer to which is not seen yet."""
        super().__init__(session)
        self.attempts: list[Any] = []
        self.notes: dict[int, TeacherNote] = {}
        self.recovered: list[RecoveredTake] = []
        self._keep_row = 0
        """The row the cursor goes back to when the table is filled again (after a delete: the neighbour)."""
        self._initial_filter = phrase_id or ""
        self._to_new_answer = new_answers

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Input(self._initial_filter, placeholder="filter: phrase id, or pack-id/phrase-id", id="filter")
                yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
                yield Static(Text("recovered takes (n: score now · delete)", style="bold yellow"), id="recovered-title")
                yield DataTable(id="recovered", cursor_type="row")
            with VerticalScroll(id="details"):
                yield ScoreCard(hint=NO_ATTEMPTS, id="card")
                yield TeacherNotePanel(id="teacher-note")
                yield ScoreChart(id="chart")
        yield StatusBar(self.session)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "review"
        answers = ("✉",) if self.session.classroom is not None else ()  # the teacher's answers: only with a class server
        self.query_one("#attempts", DataTable).add_columns("#", "when", "score", "phrase", *answers)
        self.query_one(TeacherNotePanel).display = False
        if self.session.uploader is not None:
            self.session.uploader.fetch_soon()  # the teacher may have answered since the last look
        self.query_one("#recovered", DataTable).add_columns("recorded", "phrase", "file")
        self._show_recovered([])
        self.load()
        self.query_one("#attempts", DataTable).focus()

    def _filters(self) -> tuple[str | None, str | None]:
        text = self.query_one("#filter", Input).value.strip()
        if "/" in text:
            pack, _, phrase = text.partition("/")
            return pack or None, phrase or None
        practised = self.session.pack
        return (practised.id if practised else None), (text or None)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._keep_row = 0
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def load(self) -> None:
        """Read the filtered attempts and the recovered takes."""
        pack, phrase = (None, None) if self._to_new_answer else self._filters()  # the new answers may be on any pack
        attempts = self.session.store.attempts(pack=pack, phrase=phrase)
        classroom = self.session.classroom
        notes = classroom.notes([a.id for a in attempts]) if classroom is not None else {}
        recovered = self.session.recovered_takes()
        self.app.call_from_thread(self._show, attempts, bool(pack or phrase), notes)
        self.app.call_from_thread(self._show_recovered, recovered)

    def _show(self, attempts: list[Any], filtered: bool, notes: dict[int, TeacherNote]) -> None:
        self.attempts = sorted(attempts, key=lambda a: a.id, reverse=True)
        self.notes = notes
        table = self.query_one("#attempts", DataTable)
        table.clear()
        for attempt in self.attempts:
            table.add_row(
                Text(str(attempt.id)), Text(f"{attempt.created_at.astimezone():%m-%d %H:%M}"),
                Text(figure(finite(attempt.score.overall)), justify="right"), Text(phrase_words(attempt.text, attempt.phrase_id)),
                *([_note_mark(notes.get(attempt.id))] if self.session.classroom is not None else []), key=str(attempt.id),
            )
        if self.attempts:
            table.move_cursor(row=min(self._keep_row, len(self.attempts) - 1))
        self.query_one(StatusBar).extra = plural(len(self.attempts), "attempt")
        card = self.query_one(ScoreCard)
        card.set_hint(NO_MATCH if filtered and not self.attempts else NO_ATTEMPTS)
        if self._to_new_answer:
            self._to_new_answer = False
            for row, attempt in enumerate(self.attempts):
                note = notes.get(attempt.id)
                if note is not None and not note.seen:
                    table.move_cursor(row=row)
                    break
        if not self.attempts:
            card.show_result(None)
            self.query_one(TeacherNotePanel).show_note(None)
            self.query_one(ScoreChart).set_points([])

    def _show_recovered(self, recovered: list[RecoveredTake]) -> None:
        self.recovered = recovered
        table = self.query_one("#recovered", DataTable)
        table.clear()
        for take in recovered:
            phrase = phrase_words(take.text, take.phrase_id) if take.phrase_id else "(unknown phrase)"
            table.add_row(Text(f"{take.recorded_at.astimezone():%m-%d %H:%M}"), Text(printable(phrase, single_line=True)),
                          Text(printable(take.path.name, single_line=True)))
        for widget in (table, self.query_one("#recovered-title")):
            widget.display = bool(recovered)

    @property
    def current(self) -> Any:
        """The highlighted attempt, or None."""
        row = self.query_one("#attempts", DataTable).cursor_row
        return self.attempts[row] if 0 <= row < len(self.attempts) else None

    @on(DataTable.RowHighlighted, "#attempts")
    def _row_changed(self) -> None:
        attempt = self.current
        if attempt is None:
            return
        self.query_one(ScoreCard).show_result(Result(samples=None, samplerate=16000, score=attempt.score), title=self._title(attempt))
        same = [a for a in self.attempts if a.phrase_id == attempt.phrase_id and a.pack_id == attempt.pack_id]
        title = f"— “{phrase_words(attempt.text, attempt.phrase_id)}”"
        self.query_one(ScoreChart).set_points([(a.created_at, a.score.overall) for a in same], title)
        note = self.notes.get(attempt.id)
        self.query_one(TeacherNotePanel).show_note(note)
        if note is not None and not note.seen:
            self.note_seen(note)
            self.notes[attempt.id] = replace(note, seen=True)
        self.load_result(attempt)

    @work(thread=True, exit_on_error=False, group="review-seen", description="the teacher's answer seen")
    def note_seen(self, note: TeacherNote) -> None:
        """The learner saw the teacher's answer: it no longer counts as new."""
        if self.session.classroom is not None:
            self.session.classroom.seen(note)

    @staticmethod
    def _title(attempt: Any) -> str:
        missing = " · recording missing" if attempt.missing else ""
        return f"attempt #{attempt.id} · {attempt.created_at.astimezone():%Y-%m-%d %H:%M} · {attempt.duration:.1f} s{missing}"

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-result", description="the attempt's audio and pitch")
    def load_result(self, attempt: Any) -> None:
        """Read the attempt's recording and both pitch contours, then show them."""
        result = attempt_result(attempt)
        self.app.call_from_thread(self._result_loaded, attempt.id, result)

    def _result_loaded(self, attempt_id: int, result: Result) -> None:
        if self.current is not None and self.current.id == attempt_id:
            self.query_one(ScoreCard).show_result(result, title=self._title(self.current))

    def action_filter(self) -> None:
        """Focus the filter box."""
        self.query_one("#filter", Input).focus()

    def action_play_attempt(self) -> None:
        """Play the highlighted attempt's (or recovered take's) recording."""
        if self.focused is self.query_one("#recovered", DataTable):
            take = self._recovered_take()
            if take is not None:
                self.play(take.path)
            return
        attempt = self.current
        if attempt is None:
            return
        if attempt.missing:
            self.notify("This attempt's recording is missing.", severity="warning")
            return
        self.play(attempt.audio)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The teacher's keys only while logged in to a class server (the footer leaves them out otherwise)."""
        if action in ("play_teacher", "play_both"):
            return self.session.classroom is not None
        return True

    def action_play_teacher(self) -> None:
        """Play the teacher's recording of the highlighted attempt."""
        note = self._teacher_recording()
        if note is not None and note.audio is not None:
            self.play(note.audio, target="teacher")

    def action_play_both(self) -> None:
        """Play the highlighted attempt, then the teacher's recording."""
        note, attempt = self._teacher_recording(), self.current
        if note is not None and note.audio is not None and attempt is not None and not attempt.missing:
            self.play(attempt.audio, note.audio)

    def _teacher_recording(self) -> TeacherNote | None:
        attempt = self.current
        note = self.notes.get(attempt.id) if attempt is not None else None
        if note is None or note.audio is None:
            self.notify("The teacher sent no recording for this attempt." if note is None or not note.audio_url
                        else "The teacher's recording is still downloading.", severity="warning")
            return None
        return note

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-play")
    def play(self, path: Path, then: Path | None = None, *, target: str = "attempt") -> None:
        """Load and play a recording (and ``then`` the teacher's after it)."""
        plays = [Play.of_file(target, path)] + ([Play.of_file("teacher", then)] if then is not None else [])
        self.session.playback.play(plays)

    def action_delete(self) -> None:
        """Delete the highlighted attempt (or recovered take) and its recording, once confirmed."""
        if self.focused is self.query_one("#recovered", DataTable):
            take = self._recovered_take()
            if take is not None:
                self._confirm(f"Delete the recovered take {take.path.name}?", lambda: self._delete_recovered(take))
            return
        attempt = self.current
        if attempt is not None:
            what = f"“{printable(attempt.text, single_line=True)}”, {figure(finite(attempt.score.overall))}"
            row = self.query_one("#attempts", DataTable).cursor_row
            self._confirm(f"Delete attempt #{attempt.id} ({what}) and its recording?", lambda: self.delete(attempt.id, row))

    def _confirm(self, question: str, then: Callable[[], object]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def delete(self, attempt_id: int, row: int) -> None:
        """Delete one attempt, then reload with the cursor on its neighbour (the row that takes its place)."""
        self._keep_row = row
        self.session.store.delete(attempt_id)
        self.app.call_from_thread(self.notify, f"Deleted attempt #{attempt_id} and its recording.")
        self.load()

    def _recovered_take(self) -> RecoveredTake | None:
        row = self.query_one("#recovered", DataTable).cursor_row
        return self.recovered[row] if 0 <= row < len(self.recovered) else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def _delete_recovered(self, take: RecoveredTake) -> None:
        self.session.delete_recovered(take)
        self.app.call_from_thread(self.notify, f"Deleted {take.path.name}.", markup=False)
        self.load()

    def action_score_recovered(self) -> None:
        """Score the highlighted recovered take against its phrase now, and keep it."""
        take = self._recovered_take()
        if take is None:
            self.notify("No recovered take to score.")
            return
        self.score_recovered(take)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-score")
    def score_recovered(self, take: RecoveredTake) -> None:
        """Score a recovered take (it becomes an attempt unless it has no speech)."""
        result, attempt = self.session.score_recovered(take)
        if attempt is None:
            self.app.call_from_thread(self.notify, f"Not scored: {printable(result.rejected)}", severity="warning", markup=False)
            return
        self.app.call_from_thread(self.notify, f"Scored the recovered take: attempt #{attempt.id}, {figure(finite(attempt.score.overall))}.")
        self.load()


def _note_mark(note: TeacherNote | None) -> Text:
    """The attempts table's mark of an answered attempt: ``✉`` (bold yellow while new)."""
    if note is None:
        return Text("")
    return Text("✉", style="bold yellow" if not note.seen else "cyan")

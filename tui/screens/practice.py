"""The practice screen: pick a phrase, hear it, say it, see the score, compare."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static

from tui.errors import PronounceError
from tui.messages import AssignmentsRead, AttemptDeleted, InboxChanged, LatestLoaded, ProgressRead, ReferenceLoaded
from tui.packs.model import Pack, Phrase
from tui.practice.classroom import AssignedPhrase, AssignmentLine
from tui.practice.results import Reference, Result
from tui.practice.session import Session
from tui.practice.takes import Take
from tui.screens.playing import PLAYBACK_BINDINGS
from tui.screens.recording import RECORDING_BINDINGS, RecordingActions
from tui.speech.types import WordTiming
from tui.text import printable
from tui.widgets.phrases import PhraseList, PhraseRow, phrase_rows
from tui.widgets.recorder import RecorderPanel
from tui.widgets.scorecard import ScoreCard
from tui.widgets.status import StatusBar
from tui.widgets.teacher import AssignmentsBox
from tui.widgets.waveform import Waveform

SHORT_HEIGHT = 32
"""Terminal height below which the practice screen is laid out compactly (``.-short`` in app.tcss)."""
NOTHING_DUE = "Nothing is due now: every phrase you tried is scheduled for later. j/k move to another one."


class PracticeScreen(RecordingActions):
    """What ``pronounce`` opens: the phrase list and everything to practise the current phrase."""

    BINDINGS = [
        RECORDING_BINDINGS[0],
        *PLAYBACK_BINDINGS,
        Binding("j", "phrase(1)", "Next phrase", key_display="j ↓", show=False),
        Binding("k", "phrase(-1)", "Previous phrase", key_display="k ↑", show=False),
        Binding("n", "next_due", "Next due", tooltip="Go to the most urgent phrase to practise"),
        Binding("o", "order", "Order", tooltip="List phrases in pack order or most urgent first (saved)", show=False),
        Binding("g", "progress", "Progress", tooltip="Progress: best and latest scores, days practised"),
        *RECORDING_BINDINGS[1:],
        Binding("r", "review", "Review", tooltip="Review my attempts (and recovered takes)", show=False),
        Binding("e", "author", "Author", tooltip="Write lesson packs", show=False),
        Binding("d", "devices", "Devices", tooltip="Choose and test the microphone and speakers", show=False),
        Binding("A", "open_assigned", "Assigned pack", tooltip="The next assigned pack", show=False),
    ]

    def __init__(self, session: Session, pack: Pack | Path) -> None:
        super().__init__(session)
        if isinstance(pack, Pack):
            session.use_pack(pack)
        self.pack_path = pack if isinstance(pack, Path) else None
        self.reference: Reference | None = None
        self.shown: Result | None = None
        self._shown_phrase: str | None = None
        self.assigned: dict[str, AssignedPhrase] = {}
        """The phrases of the pack the teacher's assignments ask for (read with the progress)."""
        self.assignment_lines: list[AssignmentLine] = []

    @property
    def pack(self) -> Pack | None:
        """The pack practised: the session's (None while it loads)."""
        return self.session.pack

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield PhraseList(self._rows(), id="phrases")
            with Vertical(id="main"):
                yield AssignmentsBox(id="assignments")
                yield Static("", id="phrase-text")
                yield Static("", id="phrase-notes")
                with VerticalScroll(id="practice-body"):
                    yield from self._body()
        yield StatusBar(self.session, id="status")
        yield Footer(compact=True)

    def _body(self) -> ComposeResult:
        yield Waveform("reference", id="reference")
        yield RecorderPanel(id="recorder")
        yield Waveform("you", id="attempt")
        yield ScoreCard(id="card")

    def _rows(self) -> list[PhraseRow]:
        return phrase_rows(self.pack, self.session.progress, self.session.config.order, assigned=self.assigned)

    def on_mount(self) -> None:
        self.query_one(AssignmentsBox).display = False
        self._unsubscribe_inbox = self.session.add_inbox_listener(self._inbox_fetched)
        if self.pack_path is not None:
            self.load_pack(self.pack_path)
        elif self.pack is not None:
            self._pack_loaded(self.pack)

    # ---- pack and phrases -------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="pack")
    def load_pack(self, path: Path) -> None:
        """Load the pack off the event loop."""
        try:
            pack = self.session.open_pack(path)
        except PronounceError as exc:
            self.app.call_from_thread(self._pack_failed, path, exc)
            raise
        self.app.call_from_thread(self._pack_loaded, pack)

    def use_pack(self, pack: Pack) -> None:
        """Practise ``pack`` now (from the author screen)."""
        self.session.use_pack(pack)
        self._shown_phrase = None
        self.query_one(PhraseList).set_rows(self._rows())
        self._pack_loaded(pack)

    def _pack_loaded(self, pack: Pack) -> None:
        self.sub_title = printable(pack.title, single_line=True)
        phrases = self.query_one(PhraseList)
        if not phrases.rows:
            phrases.set_rows(self._rows())
        if phrases.highlighted is None and phrases.option_count:
            phrases.highlighted = 0
        phrases.focus()
        self.query_one(StatusBar).refresh()
        self._phrase_changed()
        self.call_after_refresh(self.refresh_progress, pack)  # the first frame first

    def _pack_failed(self, path: Path, error: PronounceError) -> None:
        self.query_one("#phrase-text", Static).update(Text(f"Cannot open the lesson pack {printable(str(path))}", style="bold red"))
        self.query_one("#phrase-notes", Static).update(
            Text(f"{printable(str(error))}\nOpen another with: pronounce practice PATH  ·  or create one with e (author).", style="yellow")
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="progress", description="read the progress")
    def refresh_progress(self, pack: Pack) -> None:
        """Read best scores, due phrases and today's goal, then what the teacher's assignments ask."""
        self.post_message(ProgressRead(pack, self.session.read_progress(pack)))
        classroom = self.session.classroom
        if classroom is not None:
            self.post_message(AssignmentsRead(pack, classroom.assigned(pack), classroom.lines()))

    def on_progress_read(self, message: ProgressRead) -> None:
        if message.pack is self.pack:
            self.query_one(PhraseList).set_rows(self._rows())
            self.query_one(StatusBar).refresh()

    def on_assignments_read(self, message: AssignmentsRead) -> None:
        """The assigned phrases not done come first; the queue starts with them until the learner moves."""
        if message.pack is not self.pack:
            return
        phrases = self.query_one(PhraseList)
        untouched = not self.assignment_lines and phrases.highlighted in (None, 0)
        self.assigned, self.assignment_lines = message.assigned, message.lines
        rows = self._rows()
        phrases.set_rows(rows)
        take = self.session.take
        if untouched and rows and rows[0].assigned and not rows[0].assigned_done and not (take is not None and take.state.running):
            phrases.highlighted = 0
        self.query_one(AssignmentsBox).show_lines(message.lines, message.pack.id, date.today())

    def _inbox_fetched(self) -> None:
        """On the uploader's thread: the teacher's answers or assignments arrived."""
        self.post_message(InboxChanged())

    def on_inbox_changed(self, message: InboxChanged) -> None:
        if self.pack is not None:
            self.refresh_progress(self.pack)

    def on_unmount(self) -> None:
        self._unsubscribe_inbox()

    def action_open_assigned(self) -> None:
        """Practise the pack of the soonest assignment not done that is not the pack open now."""
        current = self.pack.id if self.pack is not None else None
        for line in self.assignment_lines:
            if not line.progress.done and line.folder is not None and line.progress.assignment.pack_id != current:
                self._shown_phrase = None
                self.assigned, self.assignment_lines = {}, []
                self.query_one(PhraseList).set_rows([])
                self.load_pack(line.folder)
                return
        self.notify("No assignment of another pack is waiting.", markup=False)

    def on_screen_resume(self) -> None:
        """Back from another screen: attempts may have been deleted, or scored from recovered takes."""
        if self.pack is not None:
            self.refresh_progress(self.pack)
        shown = self.shown
        if shown is not None and shown.attempt_id is not None and self.phrase is not None:
            self.check_shown(self.phrase, shown.attempt_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="phrase", description="check the attempt shown")
    def check_shown(self, phrase: Phrase, attempt_id: int) -> None:
        """When the attempt shown was deleted meanwhile, show the latest one left (or none)."""
        if not self.session.attempt_exists(attempt_id):
            self.post_message(AttemptDeleted(attempt_id))
            self.post_message(LatestLoaded(phrase.id, self.session.latest_result(phrase)))

    def on_attempt_deleted(self, message: AttemptDeleted) -> None:
        if self.shown is not None and self.shown.attempt_id == message.attempt_id:
            self.shown = None
            self.query_one(ScoreCard).show_result(None, title="result")
            self.query_one("#attempt", Waveform).clear()
        status = self.query_one(StatusBar)
        if status.extra == saved_note(message.attempt_id):
            status.extra = ""

    def action_next_due(self) -> None:
        """Go to the most urgent phrase (the practice queue's first, other than this one)."""
        progress = self.session.progress
        if progress is None:
            self.notify("Still reading your attempts: try again in a moment.")
            return
        phrase_id = progress.next_due(self.phrase.id if self.phrase else None)
        index = self.query_one(PhraseList).index_of(phrase_id) if phrase_id is not None else None
        if index is None:
            self.notify(NOTHING_DUE)
            return
        self.query_one(PhraseList).highlighted = index

    def action_order(self) -> None:
        """List the phrases in pack order, or most urgent first (saved)."""
        self._change_setting(order="pack" if self.session.config.order == "due" else "due")
        self.query_one(PhraseList).set_rows(self._rows())
        self.notify("Most urgent phrases first." if self.session.config.order == "due" else "Phrases in pack order.")

    def action_progress(self) -> None:
        """Open the progress screen."""
        from tui.screens.progress import ProgressScreen

        if self.pack is not None:
            self.app.push_screen(ProgressScreen(self.session, self.pack), self._go_to)

    def _go_to(self, phrase_id: str | None) -> None:
        """Make ``phrase_id`` the current phrase (chosen on the progress screen)."""
        index = self.query_one(PhraseList).index_of(phrase_id) if phrase_id is not None else None
        if index is not None:
            self.query_one(PhraseList).highlighted = index

    @property
    def phrase(self) -> Phrase | None:
        """The highlighted phrase."""
        option = self.query_one(PhraseList).highlighted_option
        if self.pack is None or option is None or option.id is None:
            return None
        return self.pack.phrase(option.id)

    @on(OptionList.OptionHighlighted, "#phrases")
    def _phrase_changed(self) -> None:
        phrase = self.phrase
        if phrase is None or phrase.id == self._shown_phrase:
            return  # refreshing the badges re-highlights the same phrase: keep its result
        take = self.session.take
        if take is not None and take.state.running:
            self._refuse_phrase_change(take)
            return
        self._shown_phrase = phrase.id
        self.action_stop_playback()
        self.reference = self.session.reference(phrase)
        self.shown = None
        self.word = None
        self.query_one("#phrase-text", Static).update(Text(printable(phrase.text), style="bold"))
        notes = Text()
        if phrase.translation:
            notes.append(printable(phrase.translation), style="italic")
        if phrase.notes:
            notes.append(("\n" if phrase.translation else "") + printable(phrase.notes), style="dim")
        self.query_one("#phrase-notes", Static).update(notes)
        self.query_one("#reference", Waveform).clear()
        self.query_one("#attempt", Waveform).clear()
        self.query_one(ScoreCard).show_result(None, title="result")
        if self.reference is not None:
            self._show_reference(self.reference)
        self.call_after_refresh(self._load_if_current, phrase)

    def _load_if_current(self, phrase: Phrase) -> None:
        if self.phrase is not None and self.phrase.id == phrase.id:
            self.load_phrase(phrase)

    def _refuse_phrase_change(self, take: Take) -> None:
        phrases = self.query_one(PhraseList)
        index = phrases.index_of(take.phrase.id)
        if index is not None and phrases.highlighted != index:
            phrases.highlighted = index
        self.notify(f"Recording “{printable(take.phrase.text)}”: press space to stop it first.", severity="warning", markup=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="phrase", description="load the phrase")
    def load_phrase(self, phrase: Phrase) -> None:
        """Load the phrase's reference, prepare it for scoring, then fetch its latest attempt."""
        self.post_message(ReferenceLoaded(self.session.load_reference(phrase)))
        self.post_message(ReferenceLoaded(self.session.prepare_reference(phrase)))
        self.post_message(LatestLoaded(phrase.id, self.session.latest_result(phrase)))

    def on_reference_loaded(self, message: ReferenceLoaded) -> None:
        if self.phrase is not None and message.reference.phrase_id == self.phrase.id:
            first = self.reference is None
            self.reference = message.reference
            if first:
                self._show_reference(message.reference)

    def _show_reference(self, reference: Reference) -> None:
        self.query_one("#reference", Waveform).set_audio(reference.samples, reference.samplerate, reference.words)

    def on_latest_loaded(self, message: LatestLoaded) -> None:
        if self.phrase is None or message.phrase_id != self.phrase.id or message.result is None or self.shown is not None:
            return
        when = f"{message.result.created_at:%d %b %H:%M}" if message.result.created_at else ""
        self.show_result(message.result, title=f"latest attempt · {when}" if when else "latest attempt")

    def action_phrase(self, step: int) -> None:
        """Move to the next (1) or previous (-1) phrase."""
        phrases = self.query_one(PhraseList)
        phrases.action_cursor_down() if step > 0 else phrases.action_cursor_up()

    # ---- takes (recording in :class:`~tui.screens.recording.RecordingActions`) ----

    def take_scored(self, take: Take, result: Result) -> None:
        """Show the take's result (or why it was not kept) when its phrase is still the current one."""
        if result.score is None:
            self.query_one(StatusBar).extra = "take not saved"
        if self.phrase is not None and take.phrase.id == self.phrase.id:
            self.show_result(result, title="result" if result.score is not None else "take not saved")
            self.query_one(ScoreCard).scroll_visible()

    def attempt_saved(self, take: Take, attempt_id: int) -> None:
        """Say so in the status bar, and read the progress again (best score, due phrases, today's goal)."""
        self.query_one(StatusBar).extra = saved_note(attempt_id)
        self.refresh_progress(take.pack)

    def recording_shown(self, recording: bool) -> None:
        """The attempt's waveform gives way to the meter and live waveform while recording."""
        self.set_class(recording, "-recording")

    def show_result(self, result: Result, *, title: str) -> None:
        """Show ``result`` in the card and its audio as the attempt waveform (``a`` plays it)."""
        self.shown = result
        self.query_one(ScoreCard).show_result(result, title=title)
        attempt = self.query_one("#attempt", Waveform)
        if result.samples is None:
            attempt.clear()
        else:
            spans = [(w.text, w.att_start, w.att_end) for w in (result.score.words if result.score else ())]
            words = [WordTiming(text, start, end) for text, start, end in spans if start is not None and end is not None]
            attempt.set_audio(result.samples, result.samplerate, words)
        self.watch_word(self.word)  # the new views mark the selected word too

    def watch_word(self, index: int | None) -> None:
        """Mark the selected word in both waveforms and in the card."""
        self.query_one("#reference", Waveform).selected = index
        self.query_one("#attempt", Waveform).selected = index
        self.query_one(ScoreCard).select_word(index)

    def watch_marker(self, marker: tuple[str, float] | None) -> None:
        """Put the play marker on the waveform that plays (none when idle)."""
        for name in ("reference", "attempt"):
            self.query_one(f"#{name}", Waveform).position = marker[1] if marker is not None and marker[0] == name else None

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    # ---- other screens ----------------------------------------------------

    def action_review(self) -> None:
        """Open the attempts review: on the current phrase, or on the teacher's new answers when there are some."""
        from tui.screens.review import ReviewScreen

        uploader = self.session.uploader
        new_answers = uploader is not None and uploader.status().new_comments > 0
        self.app.push_screen(ReviewScreen(self.session, None if new_answers else self.phrase.id if self.phrase else None,
                                          new_answers=new_answers))

    def action_author(self) -> None:
        """Open the pack author."""
        from tui.screens.author import AuthorScreen

        self.app.push_screen(AuthorScreen(self.session, self.pack.root if self.pack else None), self._authored)

    def _authored(self, pack: Pack | None) -> None:
        """The author chose to practise ``pack`` now."""
        if pack is not None:
            self.use_pack(pack)

    def action_devices(self) -> None:
        """Choose input and output devices."""
        from tui.screens.devices import DevicesScreen

        self.app.push_screen(DevicesScreen(self.session))



def saved_note(attempt_id: int) -> str:
    """What the status bar says after a take was kept."""
    return f"saved attempt #{attempt_id}"

"""The practice screen: pick a phrase, hear it, say it, see the score, compare."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.widgets import Footer, Header, OptionList, Static

from tui.errors import PronounceError
from tui.messages import (
    AttemptSaved,
    AudioFailed,
    ChunkRecorded,
    InboxChanged,
    LatestLoaded,
    ReferenceLoaded,
    TakeChanged,
    TakeScored,
    capture_message,
)
from tui.packs.model import Pack, Phrase
from tui.practice.captures import CaptureEvent
from tui.practice.classroom import AssignmentLine
from tui.practice.results import Reference, Result
from tui.practice.session import Session
from tui.practice.takes import Take, TakeState
from tui.screens.playing import PLAYBACK_BINDINGS, PlaybackActions
from tui.speech.types import WordTiming
from tui.text import printable
from tui.widgets.level import LevelMeter
from tui.widgets.phrases import PhraseList, PhraseRow, queue_rows
from tui.widgets.recstate import rec_line
from tui.widgets.scorecard import ScoreCard
from tui.widgets.status import StatusBar
from tui.widgets.teacher import AssignmentsBox
from tui.widgets.waveform import LiveWaveform, Waveform

RecState = Literal["ready", "recording", "scoring"]
"""What the screen's recorder part shows: the meter and live waveform only while ``recording``."""

TICK_S = 0.05
"""How often the elapsed time, auto-stop and the play marker are updated."""


class PracticeScreen(PlaybackActions):
    """What ``pronounce`` opens: the phrase list and everything to practise the current phrase."""

    BINDINGS = [
        Binding("space", "record", "Record", tooltip="Start recording; press again to stop and score"),
        *PLAYBACK_BINDINGS,
        Binding("j", "phrase(1)", "Next phrase", key_display="j ↓", show=False),
        Binding("k", "phrase(-1)", "Previous phrase", key_display="k ↑", show=False),
        Binding("t", "auto_stop", "Auto-stop on/off", show=False),
        Binding("h", "shadowing", "Shadowing on/off", show=False),
        Binding("r", "review", "Review", tooltip="Review my attempts (and recovered takes)"),
        Binding("e", "author", "Author", tooltip="Write lesson packs", show=False),
        Binding("d", "devices", "Devices", tooltip="Choose and test the microphone and speakers", show=False),
        Binding("A", "open_assigned", "Assigned pack", tooltip="Open the pack of the soonest assignment not done", show=False),
    ]

    rec_state: var[RecState] = var("ready")
    rec_text: var[Text] = var(Text)
    """The line under the reference (:func:`~tui.widgets.recstate.rec_line`): redrawn only when it changes."""

    def __init__(self, session: Session, pack: Pack | Path) -> None:
        super().__init__(session)
        if isinstance(pack, Pack):
            session.use_pack(pack)
        self.pack_path = pack if isinstance(pack, Path) else None
        self.reference: Reference | None = None
        self.shown: Result | None = None
        self._shown_phrase: str | None = None
        self.assignment_lines: list[AssignmentLine] = []

    @property
    def pack(self) -> Pack | None:
        """The pack practised: the session's (None while it loads)."""
        return self.session.pack

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield PhraseList([PhraseRow(p.id, p.text) for p in (self.pack.phrases if self.pack else ())], id="phrases")
            with VerticalScroll(id="main"):
                yield AssignmentsBox(id="assignments")
                yield Static("", id="phrase-text")
                yield Static("", id="phrase-notes")
                yield Waveform("reference", id="reference")
                yield Static("", id="rec-state")
                yield LevelMeter(id="meter")
                yield LiveWaveform(id="live")
                yield Waveform("you", id="attempt")
                yield ScoreCard(id="card")
        yield StatusBar(self.session, id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(AssignmentsBox).display = False
        self._unsubscribe_inbox = self.session.add_inbox_listener(self._inbox_fetched)
        self.set_interval(TICK_S, self._tick)
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
        self.query_one(PhraseList).set_rows([PhraseRow(p.id, p.text) for p in pack.phrases])
        self._pack_loaded(pack)

    def _pack_loaded(self, pack: Pack) -> None:
        self.sub_title = printable(pack.title, single_line=True)
        phrases = self.query_one(PhraseList)
        if not phrases.rows:
            phrases.set_rows([PhraseRow(p.id, p.text) for p in pack.phrases])
        if phrases.highlighted is None and phrases.option_count:
            phrases.highlighted = 0
        phrases.focus()
        self.query_one(StatusBar).refresh()
        self._phrase_changed()
        self.call_after_refresh(self.refresh_badges, pack)  # the first frame first

    def _pack_failed(self, path: Path, error: PronounceError) -> None:
        self.query_one("#phrase-text", Static).update(Text(f"Cannot open the lesson pack {printable(str(path))}", style="bold red"))
        self.query_one("#phrase-notes", Static).update(
            Text(f"{printable(str(error))}\nOpen another with: pronounce practice PATH  ·  or create one with e (author).", style="yellow")
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="badges", description="phrase badges")
    def refresh_badges(self, pack: Pack) -> None:
        """Read best scores, due flags and assignments; assigned phrases not done come first."""
        badges = self.session.phrase_badges(pack)
        classroom = self.session.classroom
        assigned = classroom.assigned(pack) if classroom is not None else {}
        lines = classroom.lines() if classroom is not None else []
        rows = queue_rows([(p.id, p.text) for p in pack.phrases], badges, assigned, date.today())
        self.app.call_from_thread(self._show_badges, pack, rows, lines)

    def _show_badges(self, pack: Pack, rows: list[PhraseRow], lines: list[AssignmentLine]) -> None:
        if pack is self.pack:
            phrases = self.query_one(PhraseList)
            untouched = not self.assignment_lines and phrases.highlighted in (None, 0)
            phrases.set_rows(rows)
            if untouched and rows and rows[0].assigned and not rows[0].assigned_done and not self._recording():
                phrases.highlighted = 0  # the queue starts with the work the teacher set
            self.assignment_lines = lines
            self.query_one(AssignmentsBox).show_lines(lines, pack.id, date.today())

    def _inbox_fetched(self) -> None:
        """On the uploader's thread: tell the screen."""
        self.post_message(InboxChanged())

    def _recording(self) -> bool:
        take = self.session.take
        return take is not None and take.state.running

    def on_inbox_changed(self, message: InboxChanged) -> None:
        """The teacher's news arrived: assigned phrases and the assignments box follow."""
        if self.pack is not None:
            self.refresh_badges(self.pack)

    def on_unmount(self) -> None:
        self._unsubscribe_inbox()

    def action_open_assigned(self) -> None:
        """Practise the pack of the soonest assignment not done that is not the pack open now."""
        current = self.pack.id if self.pack is not None else None
        for line in self.assignment_lines:
            if not line.progress.done and line.folder is not None and line.progress.assignment.pack_id != current:
                self._shown_phrase = None
                self.query_one(PhraseList).set_rows([])
                self.load_pack(line.folder)
                return
        self.notify("No assignment of another pack is waiting.", markup=False)

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

    # ---- recording --------------------------------------------------------

    def action_record(self) -> None:
        """Start a take of the current phrase, or stop it and score it."""
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING:
            self._stop(take)
            return
        if (take is not None and take.state.busy) or self.phrase is None:
            return
        try:
            take = self.session.new_take(self.phrase)
        except PronounceError as exc:
            self.notify(printable(exc.message), severity="warning", markup=False)
            return
        self.start_take(take)  # the REC line follows on the next tick: nothing competes with the recorder's start

    @work(thread=True, exclusive=True, exit_on_error=False, group="record")
    def start_take(self, take: Take) -> None:
        """Start the recorder (opening a stream can take a while)."""
        try:
            self.session.start_take(take, self._on_capture_event)
        finally:
            self.post_message(TakeChanged(take))

    def _on_capture_event(self, event: CaptureEvent) -> None:
        """On the recorder's event thread: forward to the UI."""
        self.post_message(capture_message(event))

    def on_take_changed(self, message: TakeChanged) -> None:
        take = message.take
        if take is self.session.take:
            self.rec_state = rec_state_of(take)
        if take.state is TakeState.RECORDING:
            self.query_one(StatusBar).recorder = take.recorder
            if self.session.config.shadowing:
                self.action_play_reference()
        self.query_one(StatusBar).refresh()  # the dropped-audio count

    def watch_rec_state(self, state: RecState) -> None:
        """The live meter and waveform while recording, the attempt's waveform otherwise."""
        recording = state == "recording"
        if recording:
            self.query_one(LevelMeter).show(None)
            self.query_one(LiveWaveform).reset()
        self.query_one(LiveWaveform).display = recording
        self.query_one(LevelMeter).display = recording
        self.query_one("#attempt", Waveform).display = not recording
        self._show_rec_line()

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        take = self.session.take
        if take is None or take.state is not TakeState.RECORDING or message.name != take.recorder:
            return
        self.query_one(LevelMeter).show(message.level)
        self.query_one(LiveWaveform).add_chunk(message.samples)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.show_error(message.error, title="audio")
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING:
            self._stop(take)

    def _stop(self, take: Take) -> None:
        take.stop()
        self.rec_state = "scoring"
        self.score_take(take)

    @work(thread=True, exclusive=True, exit_on_error=False, group="score")
    def score_take(self, take: Take) -> None:
        """Stop the recorder, score the take against its own phrase, show it, then keep it."""
        try:
            attempt = self.session.finish_take(take, lambda result: self.post_message(TakeScored(take, result)))
            if attempt is not None:
                self.post_message(AttemptSaved(take.phrase.id, attempt.id))
                self.refresh_badges(take.pack)
        except PronounceError as exc:
            if take.state is TakeState.FAILED:
                exc.hint = (exc.hint + "; " if exc.hint else "") + "the take is kept: Review (r) lists it under recovered takes"
            raise
        finally:
            self.post_message(TakeChanged(take))

    def on_take_scored(self, message: TakeScored) -> None:
        self.query_one(LevelMeter).show(None)
        if self.phrase is not None and message.take.phrase.id == self.phrase.id:
            self.show_result(message.result, title="result")
            self.query_one(ScoreCard).scroll_visible()

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

    def on_attempt_saved(self, message: AttemptSaved) -> None:
        status = self.query_one(StatusBar)
        status.extra = f"saved attempt #{message.attempt_id}"
        status.refresh()

    def _tick(self) -> None:
        """Elapsed time, auto-stop and the play marker."""
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING and self.session.auto_stop_due(take):
            self._stop(take)
        self._show_rec_line()
        self._follow_playback()

    def _show_rec_line(self) -> None:
        take = self.session.take
        elapsed = take.capture.elapsed() if take is not None else 0.0
        self.rec_text = rec_line(take, self.session.playback.now(), self.session.config, elapsed=elapsed)

    def watch_rec_text(self, text: Text) -> None:
        self.query_one("#rec-state", Static).update(text)

    def action_shadowing(self) -> None:
        """Play the reference while recording (use headphones), or not."""
        self._change_setting(shadowing=not self.session.config.shadowing)

    def action_auto_stop(self) -> None:
        """Stop the recording after trailing silence, or not."""
        self._change_setting(auto_stop=not self.session.config.auto_stop)

    def _change_setting(self, **change: bool) -> None:
        try:
            self.session.update_config(**change)
        except PronounceError as exc:
            self.show_error(exc, title="settings")
        self._show_rec_line()

    # ---- other screens ----------------------------------------------------

    def action_review(self) -> None:
        """Open the attempts review: on the current phrase, or on the teacher's new answers when there are some."""
        from tui.screens.review import ReviewScreen

        uploader = self.session.uploader
        if uploader is not None and uploader.status().new_comments:
            self.app.push_screen(ReviewScreen(self.session, None, new_answers=True))
            return
        self.app.push_screen(ReviewScreen(self.session, self.phrase.id if self.phrase else None))

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



def rec_state_of(take: Take) -> RecState:
    """What the recorder part of the screen shows for ``take``."""
    if take.state is TakeState.RECORDING:
        return "recording"
    return "scoring" if take.state is TakeState.SCORING else "ready"

"""Recording on the practice screen: takes (start, stop, score, keep), auto-stop, shadowing, the rec line's clock."""

from __future__ import annotations

from textual import work
from textual.binding import Binding
from textual.timer import Timer

from tui.errors import PronounceError
from tui.messages import AttemptSaved, AudioFailed, ChunkRecorded, PlaybackChanged, TakeChanged, TakeScored, capture_message
from tui.packs.model import Phrase
from tui.practice.captures import CaptureEvent
from tui.practice.results import Result
from tui.practice.session import Session
from tui.practice.takes import Take, TakeState
from tui.screens.playing import PlaybackActions
from tui.text import printable
from tui.widgets.recorder import RecorderPanel, RecState
from tui.widgets.recstate import rec_line
from tui.widgets.status import StatusBar

TICK_S = 0.05
"""How often the elapsed time, auto-stop and the play marker are updated while recording or playing (never when idle)."""

RECORDING_BINDINGS = [
    Binding("space", "record", "Record", tooltip="Start recording; press again to stop and score"),
    Binding("t", "auto_stop", "Auto-stop on/off", show=False),
    Binding("h", "shadowing", "Shadowing on/off", show=False),
]


class RecordingActions(PlaybackActions):
    """The practice screen's takes.

    The screen provides :attr:`phrase` and a :class:`~tui.widgets.recorder.RecorderPanel`,
    and is told of each take's outcome through :meth:`take_scored`,
    :meth:`attempt_saved` and :meth:`recording_shown`. A timer ticks only while
    something records or plays: an idle screen does no work. (Textual calls the
    ``on_mount`` of every class of the screen, this one's too.)
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._ticker: Timer | None = None
        self._unsubscribe = lambda: None

    @property
    def phrase(self) -> Phrase | None:
        """The current phrase (the screen's)."""
        raise NotImplementedError

    def take_scored(self, take: Take, result: Result) -> None:
        """``take`` was scored or rejected (the screen shows it)."""

    def attempt_saved(self, take: Take, attempt_id: int) -> None:
        """``take`` was kept as attempt ``attempt_id``."""

    def recording_shown(self, recording: bool) -> None:
        """The panel shows a recording (``True``) or not."""

    def on_mount(self) -> None:
        self._ticker = self.set_interval(TICK_S, self._tick, pause=True)
        self._unsubscribe = self.session.playback.add_listener(self._playback_changed)
        self.call_after_refresh(self._show_rec_line)  # "○ ready", once the line knows its width

    def on_unmount(self) -> None:
        self._unsubscribe()

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
        self.start_take(take)
        self._wake()  # the REC line follows on the next tick: nothing competes with the recorder's start

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
            self._show_state(rec_state_of(take))
            self._wake()
        if take.state is TakeState.RECORDING:
            self.query_one(StatusBar).recorder = take.recorder
            if self.session.config.shadowing:
                self.action_play_reference()
        self.query_one(StatusBar).refresh()  # the dropped-audio count

    def _show_state(self, state: RecState) -> None:
        self.query_one(RecorderPanel).state = state
        self.recording_shown(state == "recording")
        self._show_rec_line()

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING and message.name == take.recorder:
            self.query_one(RecorderPanel).chunk(message)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.show_error(message.error, title="audio")
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING:
            self._stop(take)

    def _stop(self, take: Take) -> None:
        take.stop()
        self._show_state("scoring")
        self.score_take(take)

    @work(thread=True, exclusive=True, exit_on_error=False, group="score")
    def score_take(self, take: Take) -> None:
        """Stop the recorder, score the take against its own phrase, show it, then keep it."""
        try:
            attempt = self.session.finish_take(take, lambda result: self.post_message(TakeScored(take, result)))
            if attempt is not None:
                self.post_message(AttemptSaved(take, attempt.id))
        except PronounceError as exc:
            if take.state is TakeState.FAILED:
                exc.hint = (exc.hint + "; " if exc.hint else "") + "the take is kept: Review (r) lists it under recovered takes"
            raise
        finally:
            self.post_message(TakeChanged(take))

    def on_take_scored(self, message: TakeScored) -> None:
        self.query_one(RecorderPanel).quiet()
        self.take_scored(message.take, message.result)

    def on_attempt_saved(self, message: AttemptSaved) -> None:
        self.attempt_saved(message.take, message.attempt_id)

    def _playback_changed(self) -> None:
        """On any thread: playback started or ended."""
        self.post_message(PlaybackChanged())

    def on_playback_changed(self, message: PlaybackChanged) -> None:
        self._wake()

    def _wake(self) -> None:
        """Tick while something records or plays (the tick pauses itself once nothing does)."""
        if self._ticker is not None:
            self._ticker.resume()

    def _tick(self) -> None:
        """Elapsed time, auto-stop and the play marker; pauses once nothing records or plays."""
        take = self.session.take
        if take is not None and take.state is TakeState.RECORDING and self.session.auto_stop_due(take):
            self._stop(take)
        self._show_rec_line()
        self._follow_playback()
        idle = (take is None or not take.state.running) and self.marker is None and self.session.playback.now() is None
        if idle and self._ticker is not None:
            self._ticker.pause()

    def _show_rec_line(self) -> None:
        take = self.session.take
        elapsed = take.capture.elapsed() if take is not None else 0.0
        panel = self.query_one(RecorderPanel)
        panel.line = rec_line(take, self.session.playback.now(), self.session.config, elapsed=elapsed, width=panel.line_width)

    def action_shadowing(self) -> None:
        """Play the reference while recording (use headphones), or not."""
        self._change_setting(shadowing=not self.session.config.shadowing)

    def action_auto_stop(self) -> None:
        """Stop the recording after trailing silence, or not."""
        self._change_setting(auto_stop=not self.session.config.auto_stop)

    def _change_setting(self, **change: bool | str) -> None:
        try:
            self.session.update_config(**change)
        except PronounceError as exc:
            self.show_error(exc, title="settings")
        self._show_rec_line()


def rec_state_of(take: Take) -> RecState:
    """What the recorder panel shows for ``take``."""
    if take.state is TakeState.RECORDING:
        return "recording"
    return "scoring" if take.state is TakeState.SCORING else "ready"

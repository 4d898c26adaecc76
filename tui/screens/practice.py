"""The practice screen: pick a phrase, hear it, say it, see the score, compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.worker import get_current_worker

from tui.errors import PronounceError
from tui.messages import (
    AttemptSaved,
    AudioFailed,
    ChunkRecorded,
    PlaybackProgress,
    RecordingStarted,
    RecordingStopped,
    ScoreReady,
    recorder_message,
)
from tui.packs.model import Pack, Phrase
from tui.screens.base import AppScreen
from tui.screens.session import Reference, load_reference, phrase_infos, prepare, save_attempt, score_attempt
from tui.speech.types import WordTiming
from tui.widgets.level import SILENCE_DBFS, LevelMeter
from tui.widgets.phrases import PhraseList, PhraseRow
from tui.widgets.scorecard import ScoreCard
from tui.widgets.status import StatusBar
from tui.widgets.waveform import LiveWaveform, Waveform

if TYPE_CHECKING:
    from tui.app import PronounceApp

Play = tuple[str, np.ndarray, int, float, float | None, float | None]


class PracticeScreen(AppScreen):
    """What ``pronounce`` opens: the phrase list and everything to practise the current phrase."""

    app: PronounceApp

    BINDINGS = [
        Binding("space", "record", "Record/stop"),
        Binding("p", "play_reference", "Play"),
        Binding("s", "slow(0.75)", "Slow 0.75×"),
        Binding("S", "slow(0.5)", "Slow 0.5×", show=False),
        Binding("a", "play_attempt", "My attempt"),
        Binding("b", "ab", "A/B"),
        Binding("w", "replay_word", "Word"),
        Binding("left", "word(-1)", "Previous word", show=False),
        Binding("right", "word(1)", "Next word", show=False),
        Binding("escape", "stop_playback", "Stop", show=False),
        Binding("j", "phrase(1)", "Next phrase", show=False),
        Binding("k", "phrase(-1)", "Previous phrase", show=False),
        Binding("h", "shadowing", "Shadowing", show=False),
        Binding("t", "auto_stop", "Auto-stop", show=False),
        Binding("r", "review", "Review"),
        Binding("e", "author", "Author"),
        Binding("d", "devices", "Devices"),
    ]

    def __init__(self, pack_path: Path) -> None:
        super().__init__()
        self.pack_path = pack_path
        self.pack: Pack | None = None
        self.reference: Reference | None = None
        self.state = "idle"  # idle · starting · recording · scoring
        self.recorder_name = ""
        self._recording_started = 0.0
        self._heard_at: float | None = None
        self._attempt: tuple[np.ndarray, int] | None = None
        self._play_queue: list[Play] = []
        self._playing: str | None = None
        self._play_seq = 0
        self._shown_phrase: str | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield PhraseList(id="phrases")
            with VerticalScroll(id="main"):
                yield Static("", id="phrase-text")
                yield Static("", id="phrase-notes")
                yield Waveform("reference", id="reference")
                yield Static("", id="rec-state")
                yield LevelMeter(id="meter")
                yield LiveWaveform(id="live")
                yield Waveform("you", id="attempt")
                yield ScoreCard(id="card")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.source = f"file {self.app.input_file.name}" if self.app.input_file else (self.app.config.input_device or "default input")
        self._show_rec_state()
        self.set_interval(0.1, self._tick)
        self.load_pack()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    # ---- pack and phrases -------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="pack")
    def load_pack(self) -> None:
        """Load the pack and the phrase badges off the event loop."""
        from tui.packs.loader import load_pack

        try:
            pack = load_pack(self.pack_path)
        except PronounceError as exc:
            self.app.call_from_thread(self._pack_failed, exc)
            raise
        self.app.call_from_thread(self._pack_loaded, pack)
        self.refresh_badges(pack)

    def _pack_loaded(self, pack: Pack) -> None:
        self.pack = pack
        self.app.sub_title = pack.title
        self.query_one(StatusBar).pack = pack.id
        self.query_one(PhraseList).set_rows([PhraseRow(p.id, p.text) for p in pack.phrases])
        self.query_one(PhraseList).focus()

    def _pack_failed(self, error: PronounceError) -> None:
        self.query_one("#phrase-text", Static).update(Text(f"Cannot open the lesson pack {self.pack_path}", style="bold red"))
        self.query_one("#phrase-notes", Static).update(
            Text(f"{error}\nOpen another with: pronounce practice PATH  ·  or create one with e (author).", style="yellow")
        )

    def refresh_badges(self, pack: Pack) -> None:
        """Read best scores and due flags (call from a worker thread)."""
        infos = phrase_infos(self.app.data_dir, pack)
        rows = [PhraseRow(p.id, p.text, info.best, info.due) for p, info in zip(pack.phrases, infos)]
        self.app.call_from_thread(self.query_one(PhraseList).set_rows, rows)

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
        self._shown_phrase = phrase.id
        self.action_stop_playback()
        self.reference = None
        self._attempt = None
        self.query_one("#phrase-text", Static).update(Text(phrase.text, style="bold"))
        notes = Text()
        if phrase.translation:
            notes.append(phrase.translation, style="italic")
        if phrase.notes:
            notes.append(("\n" if phrase.translation else "") + phrase.notes, style="dim")
        self.query_one("#phrase-notes", Static).update(notes)
        self.query_one("#reference", Waveform).clear()
        self.query_one("#attempt", Waveform).clear()
        self.query_one(ScoreCard).show(None)
        self.load_reference(phrase)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reference")
    def load_reference(self, phrase: Phrase) -> None:
        """Load and prepare the reference of ``phrase``."""
        assert self.pack is not None
        reference = load_reference(self.pack, phrase)
        self.app.call_from_thread(self._reference_loaded, reference)
        prepared = prepare(reference, self.pack, phrase)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._reference_loaded, prepared)

    def _reference_loaded(self, reference: Reference) -> None:
        if self.phrase is None or reference.phrase_id != self.phrase.id:
            return
        first = self.reference is None
        self.reference = reference
        if first:
            self.query_one("#reference", Waveform).set_audio(reference.samples, reference.samplerate, reference.words)

    def action_phrase(self, step: int) -> None:
        """Move to the next (1) or previous (-1) phrase."""
        phrases = self.query_one(PhraseList)
        phrases.action_cursor_down() if step > 0 else phrases.action_cursor_up()

    # ---- recording --------------------------------------------------------

    def action_record(self) -> None:
        """Start a named recorder, or stop it and score the attempt."""
        if self.state == "idle":
            if self.reference is None:
                self.notify("The reference is still loading.", severity="warning")
                return
            self.state = "starting"
            self.start_recording()
        elif self.state == "recording":
            self.state = "scoring"
            self._show_rec_state()
            self._stop()

    @work(thread=True, exclusive=True, exit_on_error=False, group="record")
    def start_recording(self) -> None:
        """Subscribe to chunk events and start a recorder (opening a stream can take a while)."""
        from tui.audio import recorder

        if self._unsubscribe is None:
            self._unsubscribe = recorder.subscribe(self._on_recorder_event)
        device = self.app.config.input_device or None
        try:
            handle = recorder.start(device=device, directory=self.app.incoming_dir, input_file=self.app.input_file)
        except BaseException:
            self.app.call_from_thread(self._set_state, "idle")
            raise
        self.post_message(RecordingStarted(handle.name))

    def _set_state(self, state: str) -> None:
        self.state = state
        self._show_rec_state()

    def _on_recorder_event(self, event: Any) -> None:
        """Runs on the recorder's thread: forward to the UI as messages."""
        message = recorder_message(event, self.recorder_name)
        if message is not None:
            self.post_message(message)

    def on_recording_started(self, message: RecordingStarted) -> None:
        self.recorder_name = message.name
        self._recording_started = time.monotonic()
        self._heard_at = None
        self.state = "recording"
        self.query_one(LevelMeter).reset()
        self.query_one(LiveWaveform).reset()
        self.query_one(StatusBar).recorder = message.name
        self._show_rec_state()
        if self.app.config.shadowing and self.reference is not None:
            self._start_plays([("reference", self.reference.samples, self.reference.samplerate, 1.0, None, None)])

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        if message.name != self.recorder_name or self.state != "recording":
            return
        self.query_one(LevelMeter).update_level(message.rms_dbfs, message.peak_dbfs, message.clipped)
        self.query_one(LiveWaveform).add_chunk(message.samples)
        if message.rms_dbfs > SILENCE_DBFS + 10:
            self._heard_at = time.monotonic()

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.app.show_error(message.error, title="audio")
        if self.state == "recording":
            self.state = "scoring"
            self._stop()

    def _stop(self) -> None:
        assert self.reference is not None and self.phrase is not None and self.pack is not None
        self.stop_recording(self.recorder_name, self.pack, self.phrase, self.reference)

    @work(thread=True, exclusive=True, exit_on_error=False, group="score")
    def stop_recording(self, name: str, pack: Pack, phrase: Phrase, reference: Reference) -> None:
        """Stop the recorder, score the attempt, show it, then keep it in the store."""
        from tui.audio import recorder

        try:
            recording = recorder.stop(name)
            self.post_message(RecordingStopped(name, recording.path, recording.duration, recording.overflows))
            if reference.prepared is None:
                reference = prepare(reference, pack, phrase)
            samples = recording.samples
            score, attempt_pitch = score_attempt(reference, samples, recording.samplerate)
            self.post_message(
                ScoreReady(phrase.id, score, (samples, recording.samplerate), reference.pitch, attempt_pitch)
            )
            attempt_id = save_attempt(self.app.data_dir, pack, phrase, recording, name, score)
            self.post_message(AttemptSaved(phrase.id, attempt_id))
            self.refresh_badges(pack)
        finally:
            self.app.call_from_thread(self._set_state, "idle")

    def on_recording_stopped(self, message: RecordingStopped) -> None:
        self.app.dropped_audio += message.overflows
        self.query_one(StatusBar).dropped = self.app.dropped_audio

    def on_score_ready(self, message: ScoreReady) -> None:
        if self.phrase is None or message.phrase_id != self.phrase.id:
            return
        card = self.query_one(ScoreCard)
        card.show(message.score, reference_pitch=message.reference_pitch, attempt_pitch=message.attempt_pitch)
        self._attempt = message.attempt
        words = [WordTiming(w.text, w.att_start, w.att_end) for w in message.score.words if w.att_start is not None and w.att_end is not None]
        self.query_one("#attempt", Waveform).set_audio(*message.attempt, words)
        card.scroll_visible()

    def on_attempt_saved(self, message: AttemptSaved) -> None:
        self.query_one(StatusBar).extra = f"saved attempt #{message.attempt_id}"

    def _tick(self) -> None:
        """10 Hz: elapsed time, auto-stop and the playback position marker."""
        if self.state == "recording":
            self._show_rec_state()
            config = self.app.config
            if config.auto_stop and self._heard_at is not None and time.monotonic() - self._heard_at > config.auto_stop_seconds:
                self.action_record()
        if self._playing is not None:
            position = self.app.player.position
            widget = self.query_one("#reference" if self._playing == "reference" else "#attempt", Waveform)
            widget.position = position

    def _show_rec_state(self) -> None:
        recording = self.state == "recording"
        self.query_one(LiveWaveform).display = recording
        self.query_one("#attempt", Waveform).display = not recording
        config = self.app.config
        flags = f"auto-stop {'on' if config.auto_stop else 'off'} (t) · shadowing {'on' if config.shadowing else 'off'} (h)"
        if self.state == "recording":
            elapsed = time.monotonic() - self._recording_started
            text = Text.assemble(("● REC ", "bold white on red"), f"  {self.recorder_name}  ", (f"{elapsed:5.1f} s", "bold"), "   space stops")
        elif self.state == "starting":
            text = Text("◌ starting the recorder…", style="yellow")
        elif self.state == "scoring":
            text = Text("◌ scoring…", style="yellow")
        else:
            text = Text.assemble(("○ ready", "green"), "   space records   ", (flags, "dim"))
        self.query_one("#rec-state", Static).update(text)

    def action_shadowing(self) -> None:
        """Toggle playing the reference while recording (use headphones)."""
        self.app.update_config(shadowing=not self.app.config.shadowing)
        self._show_rec_state()

    def action_auto_stop(self) -> None:
        """Toggle stopping the recording after trailing silence."""
        self.app.update_config(auto_stop=not self.app.config.auto_stop)
        self._show_rec_state()

    # ---- playback ---------------------------------------------------------

    def action_play_reference(self) -> None:
        """Play the reference at normal speed."""
        self.action_slow(1.0)

    def action_slow(self, speed: float) -> None:
        """Play the reference at ``speed`` (same pitch)."""
        if self.reference is not None:
            self._start_plays([("reference", self.reference.samples, self.reference.samplerate, speed, None, None)])

    def action_play_attempt(self) -> None:
        """Play my last attempt."""
        if self._attempt is None:
            self.notify("No attempt yet: press space to record one.")
            return
        self._start_plays([("attempt", *self._attempt, 1.0, None, None)])

    def action_ab(self) -> None:
        """Play the reference, then my attempt."""
        if self.reference is None or self._attempt is None:
            self.notify("A/B needs an attempt: press space to record one.")
            return
        self._start_plays(
            [("reference", self.reference.samples, self.reference.samplerate, 1.0, None, None), ("attempt", *self._attempt, 1.0, None, None)]
        )

    def action_word(self, step: int) -> None:
        """Select the previous (-1) or next (1) word."""
        if self.reference is None or not self.reference.words:
            return
        waveform = self.query_one("#reference", Waveform)
        current = waveform.selected
        index = 0 if current is None else (current + step) % len(self.reference.words)
        self._select_word(index)

    @on(Waveform.WordSelected)
    def _word_clicked(self, message: Waveform.WordSelected) -> None:
        self._select_word(message.index)
        self.action_replay_word()

    def _select_word(self, index: int) -> None:
        self.query_one("#reference", Waveform).selected = index
        self.query_one("#attempt", Waveform).selected = index
        self.query_one(ScoreCard).select_word(index)

    def action_replay_word(self) -> None:
        """Replay the selected word in the reference, then in my attempt."""
        index = self.query_one("#reference", Waveform).selected
        if self.reference is None or index is None:
            self.notify("Select a word first: ← → or click it.")
            return
        word = self.reference.words[index]
        plays: list[Play] = [("reference", self.reference.samples, self.reference.samplerate, 1.0, word.start, word.end)]
        card = self.query_one(ScoreCard)
        if self._attempt is not None and card.score is not None and index < len(card.score.words):
            scored = card.score.words[index]
            if scored.att_start is not None and scored.att_end is not None:
                plays.append(("attempt", *self._attempt, 1.0, scored.att_start, scored.att_end))
        self._start_plays(plays)

    def action_stop_playback(self) -> None:
        """Stop whatever plays."""
        self._play_queue.clear()
        if self._playing is not None:
            self._play_seq += 1
            self._finish_play()
            self.app.player.stop()

    def _start_plays(self, plays: list[Play]) -> None:
        self.action_stop_playback()
        self._play_queue = list(plays)
        self._play_next()

    def _play_next(self) -> None:
        if not self._play_queue:
            return
        self._play_seq += 1
        target, samples, samplerate, speed, start, end = self._play_queue.pop(0)
        self._playing = target
        self.play_audio(f"{self._play_seq}:{target}", samples, samplerate, speed, start, end)

    @work(thread=True, exclusive=True, exit_on_error=False, group="play")
    def play_audio(self, tag: str, samples: np.ndarray, samplerate: int, speed: float, start: float | None, end: float | None) -> None:
        """Start the player (time-stretching for slow play happens here, off the event loop)."""
        try:
            self.app.player.play(
                samples, samplerate, speed=speed, start=start, end=end,
                device=self.app.config.output_device or None,
                on_done=lambda: self.post_message(PlaybackProgress(tag, None)),
            )
        except BaseException:
            self.post_message(PlaybackProgress(tag, None))
            raise

    def on_playback_progress(self, message: PlaybackProgress) -> None:
        if message.position is None and message.target == f"{self._play_seq}:{self._playing}":
            self._finish_play()
            self._play_next()

    def _finish_play(self) -> None:
        for selector in ("#reference", "#attempt"):
            self.query_one(selector, Waveform).position = None
        self._playing = None

    # ---- other screens ----------------------------------------------------

    def action_review(self) -> None:
        """Open the attempts review."""
        from tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.pack, self.phrase.id if self.phrase else None))

    def action_author(self) -> None:
        """Open the pack author."""
        from tui.screens.author import AuthorScreen

        self.app.push_screen(AuthorScreen(self.pack_path if self.pack else None))

    def action_devices(self) -> None:
        """Choose input and output devices."""
        from tui.screens.devices import DevicesScreen

        self.app.push_screen(DevicesScreen())

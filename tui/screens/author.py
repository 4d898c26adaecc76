"""Author: create or open a pack; add, hear, edit and remove phrases; live validation; practise it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui import paths
from tui.errors import PronounceError
from tui.messages import AudioFailed, ChunkRecorded, RecordingChanged, capture_message
from tui.packs.model import Pack, Phrase
from tui.practice import authoring
from tui.practice.captures import Capture, CaptureEvent
from tui.practice.playback import Play
from tui.practice.session import Session
from tui.screens.base import AppScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import printable
from tui.widgets.level import LevelMeter
from tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from tui.practice.authoring import ScreenProblem

BUNDLED_NOTE = "The bundled lessons are read-only here: type a folder for your own pack (e.g. ~/pronounce-packs/my-pack)."


def problem_prompt(problem: ScreenProblem) -> Text:
    """One validation problem: severity, where, what, and the fix (shown literally)."""
    style = "bold red" if problem.severity == "error" else "bold yellow"
    where = f"{printable(problem.where)} " if problem.where else ""
    text = Text.assemble((f"{problem.severity} ", style), (where, "dim"), printable(problem.message))
    if problem.hint:
        text.append(f"\n  → {printable(problem.hint)}", style="italic")
    return text


def editable(folder: Path | None) -> Path | None:
    """``folder`` when the author may write there: not the bundled lessons, and writable."""
    if folder is None or folder.resolve().is_relative_to(paths.LESSONS_DIR.resolve()) or not os.access(folder, os.W_OK):
        return None
    return folder


class AuthorScreen(AppScreen):
    """Edit a lesson pack folder; every change is saved atomically and re-validated.

    Dismissed with the pack when the author chooses to practise it (ctrl+g).
    """

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to practice"),
        Binding("ctrl+o", "open", "Open", tooltip="Open the pack folder, or create a pack there"),
        Binding("ctrl+t", "add('tts')", "Synthesize", tooltip="Add the phrase with a synthesized reference (espeak-ng)"),
        Binding("ctrl+f", "add('file')", "Import", tooltip="Add the phrase with the audio file typed below it", show=False),
        Binding("ctrl+r", "add('record')", "Record", tooltip="Record the reference; again: stop, trim silence and add"),
        Binding("f2", "edit", "Edit", tooltip="Edit the highlighted phrase's text and translation", show=False),
        Binding("ctrl+s", "save_edit", "Save edit", tooltip="Save the edited phrase", show=False),
        Binding("delete", "remove", "Remove", tooltip="Remove the highlighted phrase (asks first)", show=False),
        Binding("ctrl+g", "practise", "Practise", tooltip="Practise this pack now"),
    ]

    recording: var[Literal["idle", "starting", "recording", "stopping"]] = var("idle")
    """This screen's reference recording (the session's one recording, when it is ours)."""

    def __init__(self, session: Session, folder: Path | None) -> None:
        super().__init__(session)
        self.folder = editable(folder)
        self.bundled = folder is not None and self.folder is None
        self.pack: Pack | None = None
        self.editing: Phrase | None = None
        self.capture: Capture | None = None
        """The capture of the reference being recorded (None: none)."""
        self._recording_text = ("", "")
        self._clock: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with VerticalScroll(id="author-left"):
                yield Label(Text("Pack folder", style="bold"))
                yield Input(str(self.folder or ""), placeholder="~/pronounce-packs/my-pack", id="folder", compact=True)
                with Horizontal(classes="row"):
                    yield Input(placeholder="title (new pack)", id="title", compact=True)
                    yield Input(placeholder="language, e.g. es-ES", id="lang", compact=True)
                yield Button("Open / create", id="open", compact=True)
                yield Static(Text(BUNDLED_NOTE if self.bundled else "", style="dim"), id="note")
                yield Label(Text("New phrase", style="bold"), id="phrase-label")
                yield Input(placeholder="text to say", id="text", compact=True)
                yield Input(placeholder="translation (optional)", id="translation", compact=True)
                yield Input(placeholder="audio file to import (optional)", id="audio", compact=True)
                with Horizontal(classes="row", id="add-buttons"):
                    yield Button("Synthesize", id="tts", variant="primary", compact=True)
                    yield Button("Import", id="file", compact=True)
                    yield Button("Record", id="record", variant="error", compact=True)
                with Horizontal(classes="row", id="edit-buttons"):
                    yield Button("Save changes", id="save", variant="primary", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)
                yield Static("", id="rec-state")
                yield LevelMeter(id="meter")
            with Vertical(id="author-right"):
                yield Static(Text("Phrases", style="bold"))
                yield OptionList(id="pack-phrases")
                yield Static(Text("enter hear · F2 edit · delete remove", style="dim"))
                yield Static(Text("Problems", style="bold"))
                yield OptionList(id="problems")
        yield StatusBar(self.session)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "author"
        self._show_mode()
        self._clock = self.set_interval(0.1, self._show_recording, pause=True)  # runs only while recording
        self.query_one("#text" if self.folder is not None else "#folder", Input).focus()  # typing works at once
        if self.folder is not None:
            self.validate_pack(self.folder)

    def on_unmount(self) -> None:
        self.session.recording.discard(self.capture)  # a reference still recording is not added

    def action_back(self) -> None:
        """Back to practice."""
        self.dismiss(None)

    def _value(self, box: str) -> str:
        return self.query_one(f"#{box}", Input).value.strip()

    # ---- the pack ---------------------------------------------------------

    @on(Button.Pressed, "#open")
    def action_open(self) -> None:
        """Open the folder typed above, creating a pack there when it has none."""
        typed = self._value("folder")
        if not typed or typed == ".":
            self.notify("Type a pack folder first.", severity="warning")
            return
        folder = Path(typed).expanduser()
        if editable(folder if folder.exists() else folder.parent) is None and folder.exists():
            self.notify(BUNDLED_NOTE if folder.resolve().is_relative_to(paths.LESSONS_DIR.resolve()) else f"{typed} is not writable.",
                        severity="warning", markup=False)
            return
        lang = self._value("lang")
        if not (folder / "pack.toml").exists() and not lang:
            self.notify("Type the new pack's language first (e.g. es-ES, fr-FR, en-US).", severity="warning")
            self.query_one("#lang", Input).focus()
            return
        self.open_pack(folder, self._value("title"), lang)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author")
    def open_pack(self, folder: Path, title: str, lang: str) -> None:
        """Create the pack when missing (atomic write), then show it."""
        if not (folder / "pack.toml").exists():
            authoring.create(folder, lang=lang, title=title or folder.name)
            self.app.call_from_thread(self.notify, f"Created pack {printable(str(folder))}.", markup=False)
        self.folder = folder
        self._refresh(folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-validate")
    def validate_pack(self, folder: Path) -> None:
        """Re-read and re-validate the pack."""
        self._refresh(folder)

    def _refresh(self, folder: Path) -> None:
        pack, problems = authoring.read(folder)
        self.app.call_from_thread(self._show, folder, pack, problems)

    def _show(self, folder: Path, pack: Pack | None, problems: list[ScreenProblem]) -> None:
        self.pack = pack
        self.query_one("#folder", Input).value = str(folder)
        self.query_one("#note", Static).update("")
        phrases = self.query_one("#pack-phrases", OptionList)
        kept = phrases.highlighted
        phrases.set_options(
            [Option(Text.assemble((printable(p.text), "bold"), (f"  {printable(p.id)}", "dim")), id=p.id) for p in (pack.phrases if pack else ())]
        )
        if phrases.option_count:  # a highlighted row, so that enter, F2 and delete act on it
            phrases.highlighted = min(kept or 0, phrases.option_count - 1)
        listing = self.query_one("#problems", OptionList)
        listing.set_options([Option(problem_prompt(p)) for p in problems] or [Option(Text("✓ no problems", style="green"))])
        status = self.query_one(StatusBar)
        status.pack = pack.id if pack else str(folder)

    def action_practise(self) -> None:
        """Practise this pack now."""
        if self.pack is None:
            self.notify("Open a pack without errors first.", severity="warning")
        elif not self.pack.phrases:
            self.notify("Add a phrase first.", severity="warning")
        else:
            self.dismiss(self.pack)

    # ---- adding phrases ---------------------------------------------------

    @on(Button.Pressed, "#tts")
    @on(Button.Pressed, "#file")
    @on(Button.Pressed, "#record")
    def _button(self, event: Button.Pressed) -> None:
        self.action_add(str(event.button.id))

    def action_add(self, how: str) -> None:
        """Add the typed phrase with a synthesized, imported or recorded reference."""
        if how == "record" and self.capture is not None:
            self._stop_recording()  # a press while the recorder opens or closes does nothing
            return
        text = self._value("text")
        if self.folder is None or not text:
            self.notify("Open a pack and type the phrase first.", severity="warning")
            return
        if self.editing is not None:
            self.notify("Save or cancel the edit first.", severity="warning")
            return
        translation = self._value("translation")
        if how == "record":
            try:
                self.capture = self.session.recording.claim(f"a reference for “{text}”")
            except PronounceError as exc:
                self.notify(printable(exc.message), severity="warning", markup=False)
                return
            self._recording_text = (text, translation)
            self.recording = "starting"
            self.start_recording(self.capture)
            return
        audio = Path(self._value("audio")).expanduser() if how == "file" else None
        if how == "file" and (audio is None or not audio.is_file()):
            self.notify("Type the path of an audio file to import.", severity="warning")
            return
        self.add_phrase(self.folder, text, translation, audio)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author")
    def add_phrase(self, folder: Path, text: str, translation: str, audio: Path | None) -> None:
        """Add one phrase to the pack (synthesized, or from ``audio``; atomic save), then re-validate."""
        if audio is None:
            authoring.add_synthesized(folder, text, translation=translation)
        else:
            authoring.add_imported(folder, text, audio, translation=translation)
        self.app.call_from_thread(self._added, text)
        self._refresh(folder)

    def _added(self, text: str) -> None:
        self.notify(f"Added “{printable(text)}”.", markup=False)
        for box in ("text", "translation", "audio"):
            self.query_one(f"#{box}", Input).value = ""

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-record")
    def start_recording(self, capture: Capture) -> None:
        """Start recording the reference (ctrl+r again stops it and adds the phrase)."""
        started = False
        try:
            started = self.session.recording.start(capture, self._on_capture_event)
        finally:
            self.post_message(RecordingChanged(capture, started))

    def on_recording_changed(self, message: RecordingChanged) -> None:
        if message.capture is not self.capture:
            return
        if not message.running:
            self.capture = None
        self.recording = "recording" if message.running else "idle"

    def _on_capture_event(self, event: CaptureEvent) -> None:
        self.post_message(capture_message(event))

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        if self.capture is not None and message.name == self.capture.name:
            self.query_one(LevelMeter).show(message.level)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.show_error(message.error, title="recording")
        self._stop_recording()

    def _stop_recording(self) -> None:
        if self.capture is not None and self.recording == "recording":
            self.recording = "stopping"
            self.stop_recording(self.capture, self.folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-record")
    def stop_recording(self, capture: Capture, folder: Path | None) -> None:
        """Stop, trim leading and trailing silence, and add the phrase with that reference to the pack in ``folder``."""
        try:
            recording = self.session.recording.stop(capture)
        finally:
            self.post_message(RecordingChanged(capture, False))
        if folder is None:  # no pack to add to (the phrase was typed without one)
            recording.path.unlink(missing_ok=True)
            return
        text, translation = self._recording_text
        authoring.add_recorded(folder, text, recording, translation=translation)
        self.app.call_from_thread(self._added, text)
        self._refresh(folder)

    def watch_recording(self, state: str) -> None:
        self.query_one(LevelMeter).display = state == "recording"
        self._show_recording()
        if self._clock is not None and state == "recording":
            self._clock.resume()
        elif self._clock is not None:
            self._clock.pause()

    def _show_recording(self) -> None:
        capture = self.capture
        line = self.query_one("#rec-state", Static)
        if capture is None or self.recording != "recording":
            line.update("")
            return
        line.update(Text.assemble(("● REC ", "bold white on red"), f" {capture.name}  ", (f"{capture.elapsed():4.1f} s", "bold"),
                                  "   ctrl+r stops and adds the phrase"))

    # ---- the phrases of the pack ------------------------------------------

    def _highlighted(self) -> Phrase | None:
        option = self.query_one("#pack-phrases", OptionList).highlighted_option
        if self.pack is None or option is None or option.id is None:
            return None
        return self.pack.phrase(option.id)

    @on(OptionList.OptionSelected, "#pack-phrases")
    def _hear(self) -> None:
        phrase = self._highlighted()
        if phrase is not None:
            self.hear(phrase)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-play", description="hear a phrase")
    def hear(self, phrase: Phrase) -> None:
        """Play the phrase's reference."""
        self.session.playback.play([Play.of_file("reference", phrase.audio)])

    def action_edit(self) -> None:
        """Load the highlighted phrase into the boxes to change its text or translation."""
        phrase = self._highlighted()
        if phrase is None:
            self.notify("Highlight a phrase in the list first.", severity="warning")
            return
        self.editing = phrase
        self.query_one("#text", Input).value = phrase.text
        self.query_one("#translation", Input).value = phrase.translation
        self._show_mode()
        self.query_one("#text", Input).focus()

    @on(Button.Pressed, "#save")
    def action_save_edit(self) -> None:
        """Save the edited text and translation (a new text gets new word timings)."""
        if self.editing is None or self.folder is None:
            return
        self.save_edit(self.folder, self.editing, self._value("text"), self._value("translation"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="author", description="save the edit")
    def save_edit(self, folder: Path, phrase: Phrase, text: str, translation: str) -> None:
        """Rewrite the phrase's table in pack.toml (atomic), then re-validate."""
        authoring.update(folder, phrase, text=text, translation=translation)
        self.app.call_from_thread(self._edited, f"Saved “{printable(text)}”.")
        self._refresh(folder)

    @on(Button.Pressed, "#cancel")
    def _cancel_edit(self) -> None:
        self._edited("")

    def _edited(self, note: str) -> None:
        self.editing = None
        for box in ("text", "translation", "audio"):
            self.query_one(f"#{box}", Input).value = ""
        self._show_mode()
        if note:
            self.notify(note, markup=False)

    def _show_mode(self) -> None:
        editing = self.editing is not None
        self.query_one("#add-buttons").display = not editing
        self.query_one("#edit-buttons").display = editing
        self.query_one("#audio").display = not editing
        label = f"Edit “{printable(self.editing.text)}”" if self.editing else "New phrase"
        self.query_one("#phrase-label", Label).update(Text(label))

    def action_remove(self) -> None:
        """Remove the highlighted phrase (and its reference audio), once confirmed."""
        phrase = self._highlighted()
        if phrase is None or self.folder is None or self.focused is not self.query_one("#pack-phrases"):
            return
        folder = self.folder
        question = f"Remove “{printable(phrase.text)}” and its reference audio from the pack?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.drop_phrase(folder, phrase.id, phrase.text)

        self.app.push_screen(ConfirmScreen(question), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author")
    def drop_phrase(self, folder: Path, phrase_id: str, text: str) -> None:
        """Remove one phrase from pack.toml (atomic), then re-validate."""
        authoring.remove(folder, phrase_id)
        self.app.call_from_thread(self.notify, f"Removed “{printable(text)}”.", markup=False)
        self._refresh(folder)

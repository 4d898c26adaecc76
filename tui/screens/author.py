"""Author: create or open a pack, add phrases (record, import or synthesize), live validation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.base import AppScreen
from tui.widgets.status import StatusBar

if TYPE_CHECKING:
    from tui.app import PronounceApp


def problem_prompt(problem: Any) -> Text:
    """One validation problem: severity, where, what, and the fix."""
    style = "bold red" if problem.severity == "error" else "bold yellow"
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    text = Text.assemble((f"{problem.severity} ", style), (f"{where} ", "dim"), problem.message)
    if problem.hint:
        text.append(f"\n  → {problem.hint}", style="italic")
    return text


class AuthorScreen(AppScreen):
    """Edit a lesson pack folder; every change is saved atomically and re-validated."""

    app: PronounceApp

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+o", "open", "Open/create pack"),
        Binding("ctrl+t", "add('tts')", "Add (synthesize)"),
        Binding("ctrl+f", "add('file')", "Add (import file)"),
        Binding("ctrl+r", "add('record')", "Add (record)"),
    ]

    def __init__(self, pack_path: Path | None) -> None:
        super().__init__()
        self.pack_path = pack_path
        self._recording = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="author-left"):
                yield Label("Pack folder")
                yield Input(str(self.pack_path or ""), placeholder="path/to/my-pack", id="folder")
                with Horizontal(classes="row"):
                    yield Input(placeholder="title (new pack)", id="title")
                    yield Input(placeholder="language, e.g. es-ES", id="lang")
                yield Button("Open / create", id="open")
                yield Label("New phrase")
                yield Input(placeholder="text to say", id="text")
                yield Input(placeholder="translation (optional)", id="translation")
                yield Input(placeholder="audio file to import (optional)", id="audio")
                with Horizontal(classes="row"):
                    yield Button("Synthesize", id="tts", variant="primary")
                    yield Button("Import file", id="file")
                    yield Button("Record", id="record", variant="error")
            with Vertical():
                yield Static(Text("Phrases", style="bold"))
                yield OptionList(id="pack-phrases")
                yield Static(Text("Problems", style="bold"))
                yield OptionList(id="problems")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "author"
        if self.pack_path is not None:
            self.refresh_pack()

    @on(Button.Pressed, "#open")
    def action_open(self) -> None:
        """Open the folder typed above, creating a pack there when it has none."""
        folder = Path(self.query_one("#folder", Input).value.strip()).expanduser()
        if not str(folder) or str(folder) == ".":
            self.notify("Type a pack folder first.", severity="warning")
            return
        self.open_pack(folder, self.query_one("#title", Input).value.strip(), self.query_one("#lang", Input).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="author")
    def open_pack(self, folder: Path, title: str, lang: str) -> None:
        """Create the pack when missing (atomic write), then show it."""
        from tui.packs import authoring

        if not (folder / "pack.toml").exists():
            authoring.new_pack(folder, lang=lang or "en-US", title=title or folder.name)  # atomic pack.toml
            self.app.call_from_thread(self.notify, f"Created pack {folder}.")
        self.pack_path = folder
        self._refresh(folder)

    @on(Button.Pressed, "#tts")
    @on(Button.Pressed, "#file")
    @on(Button.Pressed, "#record")
    def _button(self, event: Button.Pressed) -> None:
        self.action_add(str(event.button.id))

    def action_add(self, how: str) -> None:
        """Add the typed phrase with a synthesized, imported or recorded reference."""
        text = self.query_one("#text", Input).value.strip()
        if self.pack_path is None or not text:
            self.notify("Open a pack and type the phrase first.", severity="warning")
            return
        translation = self.query_one("#translation", Input).value.strip()
        if how == "record":
            self.toggle_record(text, translation)
            return
        audio = Path(self.query_one("#audio", Input).value.strip()).expanduser() if how == "file" else None
        if how == "file" and (audio is None or not audio.is_file()):
            self.notify("Type the path of an audio file to import.", severity="warning")
            return
        self.add_phrase(self.pack_path, text, translation, audio, how == "tts")

    @work(thread=True, exclusive=True, exit_on_error=False, group="author")
    def add_phrase(self, folder: Path, text: str, translation: str, audio: Path | None, tts: bool) -> None:
        """Add one phrase to the pack (synthesized, or from ``audio``; atomic save), then re-validate."""
        from tui.packs import authoring

        if tts:
            authoring.add_tts_phrase(folder, text, translation=translation)
        elif audio is not None:
            authoring.add_audio_phrase(folder, text, audio, translation=translation)
        self.app.call_from_thread(self._added, text)
        self._refresh(folder)

    def _added(self, text: str) -> None:
        self.notify(f"Added “{text}”.")
        for selector in ("#text", "#translation", "#audio"):
            self.query_one(selector, Input).value = ""

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-record")
    def toggle_record(self, text: str, translation: str) -> None:
        """First press: start recording the reference; second press: stop and add it."""
        from tui.audio import recorder
        from tui.packs import authoring

        if not self._recording:
            handle = recorder.start(
                device=self.app.config.input_device or None, directory=self.app.incoming_dir, input_file=self.app.input_file
            )
            self._recording = handle.name
            self.app.call_from_thread(self._show_recording, handle.name)
            return
        name, self._recording = self._recording, ""
        recording = recorder.stop(name)
        self.app.call_from_thread(self._show_recording, "")
        assert self.pack_path is not None
        try:
            authoring.add_recorded_phrase(self.pack_path, text, recording.samples, recording.samplerate, translation=translation)
        finally:
            recording.path.unlink(missing_ok=True)
        self.app.call_from_thread(self._added, text)
        self._refresh(self.pack_path)

    def _show_recording(self, name: str) -> None:
        self.query_one(StatusBar).recorder = f"● REC {name} (ctrl+r stops)" if name else ""

    def refresh_pack(self) -> None:
        """Re-read and re-validate the pack in a worker."""
        if self.pack_path is not None:
            self._validate(self.pack_path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="author-validate")
    def _validate(self, folder: Path) -> None:
        self._refresh(folder)

    def _refresh(self, folder: Path) -> None:
        from tui.packs.loader import read_pack

        pack, problems = read_pack(folder)
        self.app.call_from_thread(self._show, folder, pack, problems)

    def _show(self, folder: Path, pack: Any, problems: list[Any]) -> None:
        self.query_one("#folder", Input).value = str(folder)
        phrases = self.query_one("#pack-phrases", OptionList)
        phrases.set_options([Option(Text.assemble((p.text, "bold"), (f"  {p.id}", "dim"))) for p in (pack.phrases if pack else ())])
        listing = self.query_one("#problems", OptionList)
        listing.set_options([Option(problem_prompt(p)) for p in problems] or [Option(Text("✓ no problems", style="green"))])
        self.query_one(StatusBar).pack = pack.id if pack else str(folder)

"""The Textual app."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class PronounceApp(App[None]):
    """Practise pronunciation: hear, say, see the score, try again."""

    TITLE = "pronounce"
    CSS_PATH = "app.tcss"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, pack_path: Path, *, data_dir: Path, input_file: Path | None = None) -> None:
        super().__init__()
        self.pack_path = pack_path
        self.data_dir = data_dir
        self.input_file = input_file

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Lesson pack: {self.pack_path.name}", id="placeholder")
        yield Footer()


def run_app(pack_path: Path, *, data_dir: Path, input_file: Path | None = None) -> None:
    """Open the app on ``pack_path`` and block until it exits."""
    PronounceApp(pack_path, data_dir=data_dir, input_file=input_file).run()

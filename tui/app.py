"""The Textual app: screens, app-wide keys, the command palette, error reporting."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.config import AppConfig, ConfigError, config_path, load_config, save_config
from tui.errors import PronounceError


class PronounceApp(App[None]):
    """Practise pronunciation: hear, say, see the score, try again."""

    TITLE = "pronounce"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, pack_path: Path, *, data_dir: Path, input_file: Path | None = None) -> None:
        super().__init__()
        self.pack_path = pack_path
        self.data_dir = data_dir
        self.input_file = input_file
        self.config_file = config_path(data_dir)
        self.dropped_audio = 0
        self._player: Any = None
        try:
            self.config = load_config(self.config_file)
        except ConfigError as exc:
            self.config = AppConfig()
            self._config_error: ConfigError | None = exc
        else:
            self._config_error = None

    def on_mount(self) -> None:
        from tui.screens.practice import PracticeScreen

        self.push_screen(PracticeScreen(self.pack_path))
        if self._config_error is not None:
            self.show_error(self._config_error, title="settings")
        self.start_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="start-up")
    def start_up(self) -> None:
        """Load the audio engine off the event loop, recover cut recordings, reconcile the store.

        The recorder registers ``stop_all`` at exit; its signal handlers (SIGTERM,
        SIGHUP) must be installed from the main thread.
        """
        from tui.audio import recorder
        from tui.screens.session import start_up

        self.call_from_thread(recorder.install_signal_handlers)
        recovered = start_up(self.data_dir)
        if recovered:
            self.call_from_thread(self.notify, f"Recovered {len(recovered)} interrupted recording(s).")

    @property
    def incoming_dir(self) -> Path:
        """Where recorders write until the store takes the file."""
        return self.data_dir / "recordings" / "incoming"

    @property
    def player(self) -> Any:
        """The one audio player of the app (created on first use)."""
        if self._player is None:
            from tui.audio.player import Player

            self._player = Player()
        return self._player

    def update_config(self, **changes: Any) -> None:
        """Apply ``changes`` to the settings and save them."""
        self.config = self.config.with_changes(**changes)
        try:
            save_config(self.config, self.config_file)
        except ConfigError as exc:
            self.show_error(exc, title="settings")

    def show_error(self, error: BaseException, *, title: str = "error") -> None:
        """Tell the user what went wrong and, for our own errors, what to do."""
        if isinstance(error, PronounceError):
            message = error.message + (f"\n{error.hint}" if error.hint else "")
        else:
            message = f"{type(error).__name__}: {error}"
        self.notify(message, title=title, severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers' failures (screens have theirs, see :class:`~tui.screens.base.AppScreen`)."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error, title=event.worker.group)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key binding of ``screen`` (and the app) is also a command."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or binding.action in ("quit", "command_palette"):
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"key: {active.binding.key_display or binding.key}",
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )

    def on_unmount(self) -> None:
        """However the app ends: stop every recorder (files finalised) and close the player's stream."""
        stop_audio(self._player)


def stop_audio(player: Any = None) -> None:
    """Stop every running recorder, finalising its file, and ``player`` if given."""
    from tui.audio import recorder

    recorder.stop_all()
    if player is not None:
        player.stop()


def run_app(pack_path: Path, *, data_dir: Path, input_file: Path | None = None) -> None:
    """Open the app on ``pack_path`` and block until it exits."""
    PronounceApp(pack_path, data_dir=data_dir, input_file=input_file).run()

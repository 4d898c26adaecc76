"""The Textual app: creates the session, opens the practice screen, app-wide keys, the command palette."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.errors import PronounceError
from tui.packs.model import Pack
from tui.practice.progress import Progress
from tui.practice.session import Session
from tui.screens.base import error_text
from tui.terminal import own_terminal
from tui.widgets.wording import plural

log = logging.getLogger(__name__)

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
"""Signals that end the app the orderly way: recordings finalised (the recorder's handlers), terminal restored."""


@dataclass
class Outcome:
    """How the app ended: where an unfinished take was kept, the signal that ended it, what failed on the way out."""

    kept: list[Path] = field(default_factory=list)
    signal: int | None = None
    errors: list[str] = field(default_factory=list)


class PronounceApp(App[None]):
    """Practise pronunciation: hear, say, see the score, try again.

    Parameters
    ----------
    pack : Pack or Path
        The pack to practise, loaded already or a folder/zip loaded in a worker.
    data_dir : Path
        Where attempts and recordings live.
    input_file : Path, optional
        Record from this file instead of a microphone.
    progress : Progress, optional
        The pack's progress read before the app started, so that the first frame shows it.
    terminal : file, optional
        Where Textual draws, instead of fd 2 (see :mod:`tui.terminal`).
    """

    TITLE = "pronounce"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit (a take being recorded is kept)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="These keys"),
    ]

    def __init__(self, pack: Pack | Path, *, data_dir: Path, input_file: Path | None = None,
                 progress: Progress | None = None, terminal: TextIO | None = None) -> None:
        super().__init__(driver_class=_driver_on(terminal) if terminal is not None else None)
        self.pack = pack
        self.session = Session(data_dir, input_file=input_file)
        if isinstance(pack, Pack) and progress is not None:
            self.session.use_pack(pack)
            self.session.keep_progress(pack, progress)
        self.outcome = Outcome()

    def on_mount(self) -> None:
        from tui.screens.practice import PracticeScreen

        self.push_screen(PracticeScreen(self.session, self.pack))
        if self.session.config_error is not None:
            self._show_error(self.session.config_error, "settings")
        self.session.add_error_listener(lambda error: self.call_from_thread(self._show_error, error, "playback"))
        self.call_after_refresh(self.start_up)

    @work(thread=True, exclusive=True, exit_on_error=False, group="start-up")
    def start_up(self) -> None:
        """After the first frame: signal handlers, recovery of cut recordings, the store, uploads, slow playback."""
        from tui.audio import recorder

        self.call_from_thread(self._install_signal_handlers, recorder.install_signal_handlers)
        try:
            recovered = self.session.start_up()
        except PronounceError as exc:  # a cut recording could not be rebuilt yet (its journal is kept)
            self.call_from_thread(self._show_error, exc, "recovery")
            recovered = []
        try:
            self.session.start_uploads()
        except PronounceError as exc:  # a damaged login file or database: practice goes on without uploads
            self.call_from_thread(self._show_error, exc, "uploads")
        if recovered:
            them = "it" if len(recovered) == 1 else "them"
            self.call_from_thread(
                self.notify, f"Recovered {plural(len(recovered), 'interrupted recording')}: Review (r) lists {them} under recovered takes."
            )
        pack = self.session.pack
        if pack is not None:  # a daemon thread, at low priority: quitting never waits for it (models, slowed references)
            threading.Thread(target=self._warm_up, args=(pack,), name="pronounce-warm-up", daemon=True).start()

    def _warm_up(self, pack: Pack) -> None:
        """What the session makes ahead after the first frame (:meth:`~tui.practice.session.Session.warm_up`)."""
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only (Linux)
        except (AttributeError, OSError):
            pass
        try:
            self.session.warm_up(pack)
        except Exception as exc:  # the first slow playback reports it again, where it matters
            log.warning("warming up failed: %s", exc)

    def _install_signal_handlers(self, install_recorder_handlers: Any) -> None:
        """On SIGTERM, SIGHUP or SIGINT: the recorder finalises its files, then the app exits in order.

        Ours go in first; the recorder's chain to them after stopping every recorder.
        """
        loop = asyncio.get_running_loop()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.outcome.signal = signum
            loop.call_soon_threadsafe(self.exit)

        for signum in EXIT_SIGNALS:
            signal.signal(signum, on_signal)
        install_recorder_handlers()

    def _show_error(self, error: BaseException, title: str) -> None:
        self.notify(error_text(error), title=title, severity="error", timeout=8, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers' failures (screens report theirs, see :class:`~tui.screens.base.AppScreen`)."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self._show_error(event.worker.error, event.worker.group)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands, then every key of ``screen`` and of the app by what it does."""
        from tui.screens.help import own_bindings

        yield from super().get_system_commands(screen)
        seen: set[str] = {"quit", "command_palette"}
        for node in (screen, self):
            for binding in own_bindings(node):
                if binding.action in seen:
                    continue
                seen.add(binding.action)
                yield SystemCommand(
                    binding.tooltip or binding.description,
                    f"key: {binding.key_display or binding.key}",
                    lambda node=node, action=binding.action: self.run_action(action, node),
                )

    def on_unmount(self) -> None:
        """However the app ends: stop playback and uploads, finalise a take still recording, close the store."""
        self.outcome.kept = self.session.close()
        stop_all = getattr(sys.modules.get("tui.audio.recorder"), "stop_all", None)
        if stop_all is not None:  # else no recorder ever ran (its module is not even loaded yet)
            errors: list[Any] = []
            stop_all(errors=errors)
            self.outcome.errors.extend(str(error) for error in errors)


def _driver_on(terminal: TextIO) -> type[Driver]:
    """Textual's terminal driver, drawing on ``terminal`` instead of fd 2."""
    from textual.drivers.linux_driver import LinuxDriver

    class OwnTerminalDriver(LinuxDriver):
        def __init__(self, app: App[Any], **options: Any) -> None:
            super().__init__(app, **options)
            self._file = terminal  # type: ignore[assignment]  # LinuxDriver draws on sys.__stderr__ (fd 2), which PortAudio's start silences

    return OwnTerminalDriver


def run_app(pack: Pack | Path, *, data_dir: Path, input_file: Path | None = None,
            progress: Progress | None = None) -> Outcome:
    """Open the app on ``pack`` and block until it exits; say how it ended.

    While it runs, only the app draws on the terminal (:func:`~tui.terminal.own_terminal`).
    """
    with own_terminal(data_dir) as terminal:
        app = PronounceApp(pack, data_dir=data_dir, input_file=input_file, progress=progress,
                           terminal=terminal if terminal is not None and sys.platform != "win32" else None)
        app.run()
    return app.outcome

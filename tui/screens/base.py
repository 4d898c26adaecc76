"""The base of every screen: the session it works on, and one way to report errors."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.errors import PronounceError
from tui.practice.session import Session
from tui.text import printable


def error_text(error: BaseException) -> str:
    """What went wrong, and for our own errors what to do, safe to show."""
    if isinstance(error, PronounceError):
        return printable(error.message + (f"\n{error.hint}" if error.hint else ""))
    return printable(f"{type(error).__name__}: {error}")


class AppScreen(Screen[Any]):
    """A screen handed the session it works on, whose workers' failures are shown, never swallowed.

    ``Worker.StateChanged`` does not bubble, so each screen reports its own
    workers' failures.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def show_error(self, error: BaseException, *, title: str = "error") -> None:
        """Tell the user what went wrong and, for our own errors, what to do."""
        self.notify(error_text(error), title=title, severity="error", timeout=8, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error, title=event.worker.group)

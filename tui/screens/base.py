"""The base of every screen: one place where a failed worker becomes an error notification."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker, WorkerState


class AppScreen(Screen[None]):
    """A screen whose workers' unexpected failures are shown, never swallowed.

    ``Worker.StateChanged`` does not bubble, so the app cannot see its screens'
    workers; each screen hands failures to ``app.show_error``.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.app.show_error(event.worker.error, title=event.worker.group)  # type: ignore[attr-defined]

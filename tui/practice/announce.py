"""What the session announces to whoever listens: saved attempts, a status line, background errors, the teacher's news.

These are the seams for what is wired in later: an upload outbox subscribes to
saved attempts and sets the status line ("↑ 3 waiting") that every screen's
status bar shows. Listeners may be called on any thread and must return quickly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.store import Attempt

log = logging.getLogger(__name__)

Listener = Callable[[], None]
"""Also the type of the function every ``add_*_listener`` returns: calling it unsubscribes."""


class Announcer:
    """Listener lists for saved attempts, the status line and background errors."""

    def __init__(self) -> None:
        self.status = ""
        self._saved: list[Callable[[Attempt], object]] = []
        self._status_listeners: list[Listener] = []
        self._error_listeners: list[Callable[[BaseException], None]] = []
        self._inbox_listeners: list[Listener] = []

    def add_saved_listener(self, listener: Callable[[Attempt], object]) -> Listener:
        """Call ``listener`` (on a worker thread) with every attempt saved; returns an unsubscribe."""
        return _subscribe(self._saved, listener)

    def add_status_listener(self, listener: Listener) -> Listener:
        """Call ``listener`` (on any thread) when :attr:`status` changes; returns an unsubscribe."""
        return _subscribe(self._status_listeners, listener)

    def add_error_listener(self, listener: Callable[[BaseException], None]) -> Listener:
        """Call ``listener`` (on any thread) with errors of background work (playback); returns an unsubscribe."""
        return _subscribe(self._error_listeners, listener)

    def add_inbox_listener(self, listener: Listener) -> Listener:
        """Call ``listener`` (on any thread) when the teacher's answers or assignments were fetched; returns an unsubscribe."""
        return _subscribe(self._inbox_listeners, listener)

    def set_status(self, text: str) -> None:
        """Show ``text`` (e.g. "↑ 3 waiting") in the status bar of every screen; "" clears it."""
        self.status = text
        for listener in list(self._status_listeners):
            listener()

    def _announce_saved(self, attempt: Attempt) -> None:
        for listener in list(self._saved):
            try:
                listener(attempt)
            except Exception:  # one listener's failure must not undo a saved take
                log.exception("saved-attempt listener %r failed", listener)

    def _announce_inbox(self) -> None:
        for listener in list(self._inbox_listeners):
            listener()

    def _report(self, error: BaseException) -> None:
        for listener in list(self._error_listeners):
            listener(error)


def _subscribe(listeners: list[Any], listener: Any) -> Listener:
    listeners.append(listener)

    def unsubscribe() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return unsubscribe

"""Attempts store: SQLite history and the recordings folder. No Textual here."""

from tui.store.attempts import Attempt, AttemptStore, PhraseStats, ReconcileReport
from tui.store.queue import QueueItem, practice_queue, rating_for

__all__ = [
    "Attempt",
    "AttemptStore",
    "PhraseStats",
    "QueueItem",
    "ReconcileReport",
    "practice_queue",
    "rating_for",
]

"""How practice is going: each phrase's best and latest score and due state, today's goal, the streak, the days.

Plain Python (no Textual). :func:`read_progress` is blocking (SQLite); the rest
is pure. Days are the learner's local calendar days. A phrase's due state and
the queue order come from FSRS (:func:`tui.store.practice_queue`); a phrase
never tried is not "due" here (it reads "new"), though the queue lists it after
the due ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tui.errors import PronounceError
from tui.packs.model import Pack

if TYPE_CHECKING:
    from tui.store import AttemptStore

PLOT_DAYS = 28
"""How many days the Progress screen's plot covers."""


@dataclass(frozen=True, kw_only=True)
class PhraseProgress:
    """One phrase: its attempts, best and latest overall score, and whether it is due again."""

    phrase_id: str
    attempts: int = 0
    best: float | None = None
    latest: float | None = None
    due: bool = False
    due_at: datetime | None = None

    @property
    def is_new(self) -> bool:
        """Never tried."""
        return self.attempts == 0


@dataclass(frozen=True, kw_only=True)
class Day:
    """One local day with practice: how many takes were saved, their mean and best overall score."""

    day: date
    takes: int
    mean: float
    best: float


@dataclass(frozen=True, kw_only=True)
class Progress:
    """The pack's progress at ``now``.

    ``phrases`` is in pack order; ``queue`` names the phrases most urgent first
    (due ones, least likely remembered first; then new ones; then the rest by due
    date); ``days`` are the days practised, oldest first.
    """

    phrases: tuple[PhraseProgress, ...]
    queue: tuple[str, ...]
    days: tuple[Day, ...]
    goal: int
    today: date

    def of(self, phrase_id: str) -> PhraseProgress:
        """The progress of ``phrase_id`` (that of a new phrase when it is not in the pack)."""
        return next((p for p in self.phrases if p.phrase_id == phrase_id), PhraseProgress(phrase_id=phrase_id))

    @property
    def due_today(self) -> int:
        """Phrases tried before that are due again by the end of today."""
        end = datetime.combine(self.today + timedelta(days=1), datetime.min.time()).astimezone()
        return sum(1 for p in self.phrases if not p.is_new and p.due_at is not None and p.due_at < end)

    @property
    def done_today(self) -> int:
        """Takes saved today."""
        return next((d.takes for d in self.days if d.day == self.today), 0)

    @property
    def streak(self) -> int:
        """Days in a row on which the goal was met, up to today (or up to yesterday while today's is not met yet)."""
        met = {d.day for d in self.days if d.takes >= self.goal}
        day = self.today if self.today in met else self.today - timedelta(days=1)
        count = 0
        while day in met:
            count += 1
            day -= timedelta(days=1)
        return count

    def next_due(self, current: str | None = None) -> str | None:
        """The most urgent phrase to practise other than ``current``: a due one, else a new one (None: nothing waits)."""
        waiting = {p.phrase_id for p in self.phrases if p.due or p.is_new}
        return next((phrase_id for phrase_id in self.queue if phrase_id in waiting and phrase_id != current), None)

    def last_days(self, count: int = PLOT_DAYS) -> list[tuple[date, Day | None]]:
        """The last ``count`` days up to today, each with its practice (None: a day without)."""
        by_day = {d.day: d for d in self.days}
        first = self.today - timedelta(days=count - 1)
        return [(first + timedelta(days=n), by_day.get(first + timedelta(days=n))) for n in range(count)]


def read_progress(store: AttemptStore, pack: Pack, *, goal: int, now: datetime | None = None) -> Progress:
    """The progress of ``pack`` from the attempts in ``store`` (blocking)."""
    from tui.store import practice_queue

    when = now or datetime.now(UTC)
    queue = practice_queue(store, pack, now=when)
    history = store.score_history(pack.id)
    phrases = {
        item.phrase_id: PhraseProgress(
            phrase_id=item.phrase_id, attempts=item.stats.attempts, best=item.stats.best, latest=item.stats.last,
            due=item.due and not item.is_new, due_at=item.due_at,
        )
        for item in queue
    }
    return Progress(
        phrases=tuple(phrases[phrase.id] for phrase in pack.phrases),
        queue=tuple(item.phrase_id for item in queue),
        days=tuple(days_practised([entry for entries in history.values() for entry in entries])),
        goal=goal,
        today=when.astimezone().date(),
    )


def days_practised(takes: Sequence[tuple[datetime, float]]) -> list[Day]:
    """``(when, overall score)`` of takes grouped by local day, oldest first."""
    by_day: dict[date, list[float]] = {}
    for when, overall in takes:
        by_day.setdefault(when.astimezone().date(), []).append(overall)
    return [Day(day=day, takes=len(scores), mean=sum(scores) / len(scores), best=max(scores))
            for day, scores in sorted(by_day.items())]


def progress_before_start(pack: Pack, data_dir: Path) -> Progress | None:
    """``pack``'s progress read before the app opens, so that its first frame shows it (blocking).

    None when the settings or the store cannot be read: the app reads it again and says what is wrong.
    """
    from tui.config import ConfigError, config_path, load_config
    from tui.store import AttemptStore

    try:
        goal = load_config(config_path(data_dir)).daily_goal
    except ConfigError as exc:
        goal = exc.usable.daily_goal
    try:
        with AttemptStore(data_dir) as store:
            return read_progress(store, pack, goal=goal)
    except PronounceError:
        return None

"""Which phrase to practise next: FSRS spaced repetition over the saved attempts.

Each phrase is an FSRS card. Its attempts, oldest first, are replayed as reviews
with a rating taken from the overall score (:func:`rating_for`), which gives the
card's due time and how likely the learner still says it well
(retrievability). The queue is, in order:

1. phrases that are due, least retrievable first (then falling trend first,
   then lowest last score);
2. phrases never attempted, in pack order;
3. phrases not due yet, soonest due first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

from tui.packs.model import Pack
from tui.store.attempts import AttemptStore, PhraseStats

RATING_BANDS: tuple[tuple[float, Rating], ...] = (
    (90.0, Rating.Easy),
    (70.0, Rating.Good),
    (50.0, Rating.Hard),
    (0.0, Rating.Again),
)
"""Lowest overall score of each FSRS rating: 90+ Easy, 70+ Good, 50+ Hard, else Again."""


@dataclass(frozen=True)
class QueueItem:
    """One phrase in the practice queue.

    Attributes
    ----------
    phrase_id : str
        The phrase.
    due : bool
        True when it should be practised now (always for a new phrase).
    due_at : datetime or None
        When FSRS schedules it next (None for a new phrase).
    retrievability : float or None
        FSRS's probability, 0–1, that it would go well now (None when new).
    stats : PhraseStats
        Its attempts so far.
    """

    phrase_id: str
    due: bool
    due_at: datetime | None
    retrievability: float | None
    stats: PhraseStats

    @property
    def is_new(self) -> bool:
        """Never attempted."""
        return self.stats.attempts == 0


def rating_for(score: float) -> Rating:
    """The FSRS rating of an overall score (0–100), per :data:`RATING_BANDS`."""
    for floor, rating in RATING_BANDS:
        if score >= floor:
            return rating
    return Rating.Again


def practice_queue(store: AttemptStore, pack: Pack, *, now: datetime | None = None) -> list[QueueItem]:
    """The phrases of ``pack`` ordered by need (see the module docstring).

    Parameters
    ----------
    store : AttemptStore
        Where the attempts are.
    pack : Pack
        Its phrases are queued; attempts of phrases no longer in it are ignored.
    now : datetime, optional
        The moment to schedule for (default: now; naive means UTC).

    Returns
    -------
    list of QueueItem
        One item per phrase of the pack.
    """
    when = datetime.now(UTC) if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    history = store.score_history(pack.id)
    scheduler = Scheduler(enable_fuzzing=False)
    items = [_item(scheduler, phrase.id, history.get(phrase.id, []), when) for phrase in pack.phrases]
    order = {phrase.id: i for i, phrase in enumerate(pack.phrases)}

    def need(item: QueueItem) -> tuple[object, ...]:
        if item.is_new:
            return (1, order[item.phrase_id])
        if item.due:
            return (0, item.retrievability, item.stats.trend or 0.0, item.stats.last)
        return (2, item.due_at)

    return sorted(items, key=need)


def _item(scheduler: Scheduler, phrase_id: str, history: list[tuple[datetime, float]], now: datetime) -> QueueItem:
    stats = PhraseStats.from_scores([overall for _, overall in history])
    if not history:
        return QueueItem(phrase_id, due=True, due_at=None, retrievability=None, stats=stats)
    card = Card()
    for created_at, overall in sorted(history, key=lambda item: item[0]):
        card, _ = scheduler.review_card(card, rating_for(overall), review_datetime=created_at)
    return QueueItem(
        phrase_id,
        due=card.due <= now,
        due_at=card.due,
        retrievability=scheduler.get_card_retrievability(card, now),
        stats=stats,
    )

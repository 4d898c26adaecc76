"""The practice queue: FSRS over saved attempts, most needed phrase first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from tests.store.helpers import save
from tui.packs.model import Pack, Phrase
from tui.store import AttemptStore, practice_queue, rating_for

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PACK = Pack(
    id="en-basics",
    title="Basics",
    language="en-US",
    phrases=tuple(Phrase(id=name, text=f"phrase {name}") for name in ("forgotten", "fresh", "new", "shaky")),
)


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (100, Rating.Easy),
        (90, Rating.Easy),
        (89.9, Rating.Good),
        (70, Rating.Good),
        (69.5, Rating.Hard),
        (50, Rating.Hard),
        (49, Rating.Again),
        (0, Rating.Again),
    ],
)
def test_scores_map_to_fsrs_ratings(score: float, rating: Rating) -> None:
    assert rating_for(score) is rating


def test_a_pack_never_practised_is_queued_in_pack_order(store: AttemptStore) -> None:
    queue = practice_queue(store, PACK, now=NOW)
    assert [item.phrase_id for item in queue] == ["forgotten", "fresh", "new", "shaky"]
    assert all(item.due and item.is_new and item.due_at is None for item in queue)


def test_need_orders_the_queue(store: AttemptStore, take: Callable[[], Path]) -> None:
    days_ago = NOW - timedelta(days=3)
    save(store, take(), phrase="forgotten", overall=30, created_at=days_ago)
    save(store, take(), phrase="shaky", overall=80, created_at=days_ago)
    save(store, take(), phrase="fresh", overall=95, created_at=NOW - timedelta(minutes=10))
    save(store, take(), pack="other-pack", phrase="new", overall=10, created_at=days_ago)
    save(store, take(), phrase="not-in-pack-any-more", overall=10, created_at=days_ago)

    queue = practice_queue(store, PACK, now=NOW)
    by_id = {item.phrase_id: item for item in queue}
    assert [item.phrase_id for item in queue] == ["forgotten", "shaky", "new", "fresh"]
    assert by_id["forgotten"].retrievability < by_id["shaky"].retrievability
    assert by_id["new"].is_new and by_id["new"].retrievability is None
    assert not by_id["fresh"].due and by_id["fresh"].due_at > NOW
    assert by_id["shaky"].stats.last == 80.0


def test_a_good_take_pushes_a_phrase_back(store: AttemptStore, take: Callable[[], Path]) -> None:
    save(store, take(), phrase="shaky", overall=40, created_at=NOW - timedelta(hours=1))
    assert practice_queue(store, PACK, now=NOW)[0].phrase_id == "shaky"
    save(store, take(), phrase="shaky", overall=96, created_at=NOW)
    queue = practice_queue(store, PACK, now=NOW)
    assert queue[-1].phrase_id == "shaky" and not queue[-1].due

"""The store behind the teacher's tools, without a server: difficulty, a learner's takes over time, assignments' rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.server.helpers import SCORE_JSON, classroom, open_store, seed_takes
from tui.paths import DEMO_PACK
from tui.scoring import lexicon
from tui.server import assignments, difficulty, moderation, roster, summaries
from tui.server.accounts import Identity, Role
from tui.server.db import Database
from tui.server.learner_view import learner_view
from tui.server.packs import publish
from tui.server.records import Filters
from tui.server.schema import attempts, learners, server_state

PHRASES = [("good-morning", "Good morning."), ("good-evening", "Good evening."), ("thank-you-very-much", "Thank you very much.")]
WEAK_MORNING = SCORE_JSON.replace('{"text":"morning","score":%(o).1f', '{"text":"morning.","score":41.0')
TEACHER = Identity(Role.TEACHER, "Teacher", teacher_id=1, class_ids=frozenset({1}))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    classroom(tmp_path, [])
    store = open_store(tmp_path)
    publish(store, DEMO_PACK)
    yield store
    store.close()


def test_difficulty_counts_each_learners_latest_take_in_lesson_order(db: Database) -> None:
    seed_takes(db, 1, 6, PHRASES[:1], 1, score_json=WEAK_MORNING, seed=3)
    seed_takes(db, 1, 4, PHRASES[1:], 2, first_learner=6, seed=4)
    rows = difficulty.difficulty(db, 1)
    assert [r.column.phrase_id for r in rows] == ["good-morning", "good-evening", "thank-you-very-much"], "lesson order"
    morning = rows[0]
    assert morning.learners == 6 and morning.weak[0] == ("morning", 6), "punctuation and case aside, once per learner"
    assert dict(morning.weak).get("good", 0) == round(morning.below * 6), "'Good' is weak where the take is below 60"
    assert 0 <= morning.below <= 1 and 15 <= morning.mean <= 98
    by_mean = difficulty.difficulty(db, 1, sort="mean")
    assert [r.mean for r in by_mean] == sorted(r.mean for r in rows), "the hardest first"
    assert [r.column.phrase_id for r in difficulty.difficulty(db, 1, sort="-order")] == [r.column.phrase_id for r in rows][::-1]
    assert difficulty.check_sort("; DROP TABLE") == "order"
    with db.reading() as conn:
        first = conn.execute(select(attempts.c.id).where(attempts.c.learner_id == 1)).scalar_one()
    moderation.set_hidden(db, first, True)  # learner 1's only take of the phrase: they leave its row
    assert difficulty.difficulty(db, 1)[0].learners == 5
    moderation.set_hidden(db, first, False)
    assert difficulty.difficulty(db, 1)[0].learners == 6

def test_the_summaries_of_an_older_store_get_their_weak_points_once(db: Database) -> None:
    seed_takes(db, 1, 3, PHRASES[:1], 1, score_json=WEAK_MORNING)
    with db.writing() as conn:
        conn.execute(update(server_state).where(server_state.c.key == "summaries").values(value="1"))
        conn.exec_driver_sql("DELETE FROM weak_points")  # as a store of part A had none
    assert difficulty.difficulty(db, 1)[0].weak == ()
    assert summaries.ensure_current(db) is True and summaries.ensure_current(db) is False
    assert difficulty.difficulty(db, 1)[0].weak[0] == ("morning", 3)


def test_a_learners_view_filters_pages_and_charts_their_takes(db: Database) -> None:
    seed_takes(db, 1, 1, PHRASES, 30)
    view = learner_view(db, 1, Filters(), page=1, per_page=25)
    assert view.total == 90 and view.pages == 4 and len(view.takes) == 25
    assert view.takes[0].recorded_at > view.takes[-1].recorded_at, "newest first"
    assert [s.phrase_id for s in view.series] == ["good-morning", "good-evening", "thank-you-very-much"]
    assert all(len(s.points) == 30 for s in view.series)
    assert learner_view(db, 1, Filters(), page=99, per_page=25).page == 4, "past the end shows the last page"
    only = learner_view(db, 1, Filters(phrase="good-evening"), per_page=100)
    assert {t.phrase_id for t in only.takes} == {"good-evening"} and [s.phrase_id for s in only.series] == ["good-evening"]
    first = view.takes[0]
    moderation.set_hidden(db, first.id, True)
    moderation.set_flagged(db, view.takes[1].id, True)
    hidden = learner_view(db, 1, Filters(state="hidden"))
    assert [t.id for t in hidden.takes] == [first.id] and hidden.takes[0].hidden
    assert [t.id for t in learner_view(db, 1, Filters(state="flagged")).takes] == [view.takes[1].id]
    assert learner_view(db, 1, Filters(state="visible")).total == 89
    charted = learner_view(db, 1, Filters(phrase=first.phrase_id)).series[0]
    assert len(charted.points) == 29, "a hidden take leaves the chart"
    day = first.recorded_at.date()
    that_day = learner_view(db, 1, Filters(recorded_from=datetime(day.year, day.month, day.day, tzinfo=UTC),
                                           recorded_before=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)))
    assert that_day.total == 90 and learner_view(db, 2, Filters()).total == 0


def test_only_takes_since_the_work_was_set_and_not_hidden_count_toward_it(db: Database) -> None:
    seed_takes(db, 1, 2, PHRASES[:2], 1)  # recorded in January 2025, before the work is set
    made = assignments.create(db, TEACHER, class_id=1, pack_id="en-basics", phrase_ids=["good-evening", "good-morning"],
                              learner_ids=None, due_on=datetime.now(UTC).date(), target=50)
    assert made.phrases == (("good-morning", "Good morning."), ("good-evening", "Good evening.")), "in lesson order"
    assert [c.best for c in assignments.completion(db, made)] == [(None, None), (None, None)]
    later = datetime.now(UTC) + timedelta(minutes=1)
    with db.writing() as conn:
        conn.execute(update(attempts).where(attempts.c.learner_id == 1).values(recorded_at=later, overall=90.0))
    done = {c.learner: c for c in assignments.completion(db, made)}
    assert done["learner-00000"].done and done["learner-00000"].reached == 2 and not done["learner-00001"].done
    assert assignments.counts(db, made) == (1, 2)
    assert [c.learner for c in assignments.completion(db, made, offset=1, limit=1)] == ["learner-00001"], "a page of learners"
    with db.reading() as conn:
        take = conn.execute(select(attempts.c.id).where(attempts.c.learner_id == 1).limit(1)).scalar_one()
    moderation.set_hidden(db, take, True)
    assert assignments.completion(db, made, learner_id=1)[0].reached == 1, "a hidden take does not count"
    assert assignments.counts(db, made) == (0, 2)
    with db.writing() as conn:
        conn.execute(update(learners).where(learners.c.id == 2).values(removed_at=datetime.now(UTC)))
    assert assignments.counts(db, made) == (0, 1) and len(assignments.completion(db, made)) == 1, "removed learners leave it"
    assert assignments.remove(db, made.id) and assignments.get(db, made.id) is None


def test_the_learners_page_costs_a_page_not_the_class(db: Database) -> None:
    seed_takes(db, 1, 130, PHRASES[:1], 2)
    with db.writing() as conn:
        conn.execute(update(learners).where(learners.c.name == "learner-00003").values(removed_at=datetime.now(UTC)))
    first, page, pages = roster.roster_page(db, 1, 1, per_page=100)
    assert (len(first), page, pages) == (100, 1, 2) and all(info.takes == 2 for info in first)
    last, page, _ = roster.roster_page(db, 1, 9, per_page=100)
    assert page == 2 and len(last) == 30 and last[-1].name == "learner-00003", "past the end: the last page; removed last"
    assert [info.name for info in first + last] == [info.name for info in roster.roster(db, 1)]
    assert len(roster.active(db, 1)) == 129


def test_weak_sounds_come_from_the_scorers_findings(db: Database) -> None:
    said_like = f"{lexicon.phone_name('DH', 'the')} sounded like {lexicon.heard_name('d')}"  # as english.weakest_sound words it
    unclear = f"{lexicon.phone_name('AE', 'thank')} was unclear"
    assert difficulty.weak_sound([said_like]) == "'th' in 'the'"
    assert difficulty.weak_sound(["much slower than the reference (1.8× as long)", unclear]) == "vowel in 'thank'"
    assert difficulty.weak_sound(["'morning' sounds different from the reference"]) is None
    for count, issue, first in ((4, said_like, 0), (2, unclear, 4)):
        template = WEAK_MORNING.replace('"issues":[]', json.dumps({"issues": [issue]})[1:-1])
        seed_takes(db, 1, count, PHRASES[:1], 1, score_json=template, first_learner=first)
    assert difficulty.difficulty(db, 1)[0].sounds == (("'th' in 'the'", 4), ("vowel in 'thank'", 2))

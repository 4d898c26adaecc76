"""Per-learner, per-phrase summaries of scored takes: count, latest, best, mean of the last five, trend, weak points.

The class page reads only this table and ``class_phrases`` (which phrases a
class practised, counted in learners), so it costs the same with 30 takes or
300,000; the difficulty view reads ``weak_points`` (the weak words and sound
of each summary's latest take), written with the summary. A summary is recomputed from its takes (scored, not hidden; latest by
``recorded_at``) in the transaction that scores a take or hides one, so it is
never behind. Summaries are derived data: when the way they are computed
changes, :data:`VERSION` goes up and :func:`ensure_current` rebuilds them all
once, at the next start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update

from tui.server.accounts import now
from tui.server.db import Database
from tui.server.difficulty import weak_of
from tui.server.schema import attempts, class_phrases, classes, learners, server_state, summaries, weak_points
from tui.store.records import PhraseStats

VERSION = 2
"""The summaries' algorithm (2: with the latest take's weak points); a store whose ``server_state['summaries']`` differs is rebuilt."""
RECENT = 5
INSERT_BATCH = 2000


def _counted() -> Any:
    """The takes a summary counts: scored and not hidden."""
    return and_(attempts.c.status == "scored", attempts.c.hidden_at.is_(None))


def _values(learner_id: int, pack_id: str, phrase_id: str, count: int, best: float, latest: Sequence[Any]) -> dict[str, Any]:
    """The summary row of one learner and phrase; ``latest`` holds up to five takes, newest first."""
    stats = PhraseStats.from_scores([row.overall for row in reversed(latest)])
    newest = latest[0]
    return {"learner_id": learner_id, "pack_id": pack_id, "phrase_id": phrase_id, "class_id": newest.class_id,
            "text": newest.text, "attempts": count, "latest": newest.overall, "latest_attempt_id": newest.id,
            "latest_at": newest.recorded_at, "best": best, "mean_last5": stats.avg_last5, "trend": stats.trend,
            "updated_at": now()}


def _weak(learner_id: int, pack_id: str, phrase_id: str, newest: Any) -> list[dict[str, Any]]:
    """The ``weak_points`` rows of a summary whose latest take is ``newest``."""
    words, sound = weak_of(newest.score_json)
    items = [("word", word) for word in dict.fromkeys(words)] + ([("sound", sound)] if sound else [])
    return [{"learner_id": learner_id, "pack_id": pack_id, "phrase_id": phrase_id, "kind": kind, "item": item,
             "class_id": newest.class_id} for kind, item in items]


def refresh(conn: Connection, learner_id: int, pack_id: str, phrase_id: str) -> None:
    """Recompute one learner's summary of one phrase, inside the caller's write transaction.

    The learner's row is locked first (``FOR NO KEY UPDATE`` on PostgreSQL:
    it waits for another refresh of the learner but not for inserts that
    merely reference the row; SQLite's write transaction already excludes
    other writers), so two takes of one learner scored at once on two web
    nodes refresh one after the other.
    """
    conn.execute(select(learners.c.id).where(learners.c.id == learner_id).with_for_update(key_share=True))
    cell = and_(attempts.c.learner_id == learner_id, attempts.c.pack_id == pack_id, attempts.c.phrase_id == phrase_id,
                _counted())
    count, best = conn.execute(select(func.count(), func.max(attempts.c.overall)).where(cell)).one()
    before = conn.execute(delete(summaries).where(summaries.c.learner_id == learner_id, summaries.c.pack_id == pack_id,
                                                  summaries.c.phrase_id == phrase_id).returning(summaries.c.class_id)).scalar()
    conn.execute(delete(weak_points).where(weak_points.c.learner_id == learner_id, weak_points.c.pack_id == pack_id,
                                           weak_points.c.phrase_id == phrase_id))
    after = None
    if count:
        latest = conn.execute(select(attempts.c.id, attempts.c.class_id, attempts.c.text, attempts.c.overall,
                                     attempts.c.recorded_at, attempts.c.score_json).where(cell)
                              .order_by(attempts.c.recorded_at.desc(), attempts.c.id.desc()).limit(RECENT)).all()
        values = _values(learner_id, pack_id, phrase_id, count, best, latest)
        conn.execute(insert(summaries).values(**values))
        weak = _weak(learner_id, pack_id, phrase_id, latest[0])
        if weak:
            conn.execute(insert(weak_points), weak)
        after = values["class_id"]
    if before != after:
        for class_id, change in ((before, -1), (after, 1)):
            if class_id is not None:
                _count_learners(conn, class_id, pack_id, phrase_id, change)


def _count_learners(conn: Connection, class_id: int, pack_id: str, phrase_id: str, change: int) -> None:
    """One learner more (or fewer) of a class has a summary of this phrase; a phrase nobody has leaves the class's columns.

    The class's row is locked first, so two learners' first takes of a phrase count one after the other. The lock
    is ``FOR NO KEY UPDATE``: a plain ``FOR UPDATE`` would wait for every transaction that inserted a take of the
    class (a foreign key's share lock) while they wait for it: a deadlock.
    """
    conn.execute(select(classes.c.id).where(classes.c.id == class_id).with_for_update(key_share=True))
    phrase = and_(class_phrases.c.class_id == class_id, class_phrases.c.pack_id == pack_id, class_phrases.c.phrase_id == phrase_id)
    if not conn.execute(update(class_phrases).where(phrase).values(learners=class_phrases.c.learners + change)).rowcount:
        conn.execute(insert(class_phrases).values(class_id=class_id, pack_id=pack_id, phrase_id=phrase_id, learners=change))
    conn.execute(delete(class_phrases).where(phrase, class_phrases.c.learners <= 0))


def rebuild(conn: Connection) -> int:
    """Recompute every summary, its weak points and the classes' phrases from the takes (inside the caller's write
    transaction).

    Returns the number of summaries.
    """
    conn.execute(delete(class_phrases))
    conn.execute(delete(weak_points))
    conn.execute(delete(summaries))
    ordered = (select(attempts.c.learner_id, attempts.c.pack_id, attempts.c.phrase_id, attempts.c.id, attempts.c.class_id,
                      attempts.c.text, attempts.c.overall, attempts.c.recorded_at, attempts.c.score_json)
               .where(_counted())
               .order_by(attempts.c.learner_id, attempts.c.pack_id, attempts.c.phrase_id,
                         attempts.c.recorded_at.desc(), attempts.c.id.desc()))
    made = 0
    batch: list[dict[str, Any]] = []
    weak: list[dict[str, Any]] = []
    for values, points in _grouped(conn.execute(ordered.execution_options(yield_per=INSERT_BATCH))):
        batch.append(values)
        weak.extend(points)
        if len(batch) >= INSERT_BATCH:
            conn.execute(insert(summaries), batch)
            made, batch = made + len(batch), []
        if len(weak) >= INSERT_BATCH:
            conn.execute(insert(weak_points), weak)
            weak = []
    for table, rows in ((summaries, batch), (weak_points, weak)):
        if rows:
            conn.execute(insert(table), rows)
    counted = (select(summaries.c.class_id, summaries.c.pack_id, summaries.c.phrase_id, func.count())
               .group_by(summaries.c.class_id, summaries.c.pack_id, summaries.c.phrase_id))
    conn.execute(insert(class_phrases).from_select(["class_id", "pack_id", "phrase_id", "learners"], counted))
    return made + len(batch)


def _grouped(found: Any) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    for (learner_id, pack_id, phrase_id), takes in groupby(found, key=lambda row: (row.learner_id, row.pack_id, row.phrase_id)):
        latest: list[Row[Any]] = []
        count, best = 0, float("-inf")
        for row in takes:
            count += 1
            best = max(best, row.overall)
            if len(latest) < RECENT:
                latest.append(row)
        yield _values(learner_id, pack_id, phrase_id, count, best, latest), _weak(learner_id, pack_id, phrase_id, latest[0])


def ensure_current(db: Database) -> bool:
    """Rebuild every summary when the store's were made by another :data:`VERSION` (once, whichever node starts first).

    Returns True when they were rebuilt.
    """
    state = select(server_state.c.value).where(server_state.c.key == "summaries")
    with db.reading() as conn:
        if conn.execute(state).scalar() == str(VERSION):
            return False
    with db.writing() as conn:
        if conn.execute(state.with_for_update()).scalar() == str(VERSION):
            return False
        rebuild(conn)
        conn.execute(update(server_state).where(server_state.c.key == "summaries").values(value=str(VERSION)))
    return True

"""Work a teacher sets: a published pack, or some of its phrases, for a class or some of its learners, by a day, to a score.

An assignment keeps the pack's version and phrases as they were when it was
set (a later publication does not change what was asked). A learner has done
a phrase when a take of it, recorded since the assignment was set, scored at
least the target (hidden takes do not count); the assignment is done when
every phrase is. The learner's app applies the same rule to its own takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, false, func, insert, or_, select

from tui.server.accounts import Identity, now
from tui.server.db import Database
from tui.server.errors import ApiError
from tui.server.records import stored_text
from tui.server.schema import (
    assignment_learners,
    assignment_phrases,
    assignments,
    attempts,
    classes,
    learners,
    pack_phrases,
    packs,
    teachers,
)

DEFAULT_TARGET = 80
MAX_AHEAD = timedelta(days=2 * 366)
LISTED = 200


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """Work set for a class or some of its learners.

    Attributes
    ----------
    id, class_id : int
    class_name : str
    pack, pack_version : str
        The published pack and its version when the work was set.
    title : str
        The pack's title.
    phrases : tuple of (phrase id, text)
        In lesson order.
    due_on : date or None
        None only for a row holding a day that is none (as ``created_at``).
    target : int
        The score (1–100) each phrase must reach.
    learners : tuple of (id, name) or None
        The learners it is for; None: the whole class (learners added later too).
    author : str
    created_at : datetime
        Takes recorded since then count.
    """

    id: int
    class_id: int
    class_name: str
    pack: str
    pack_version: str
    title: str
    phrases: tuple[tuple[str, str], ...]
    due_on: date | None
    target: int
    learners: tuple[tuple[int, str], ...] | None
    author: str
    created_at: datetime | None

    def to_api(self) -> dict[str, Any]:
        """The JSON of the API (without completion)."""
        return {
            "id": self.id, "class_id": self.class_id, "class": self.class_name, "pack": self.pack,
            "pack_version": self.pack_version, "title": self.title,
            "phrases": [{"id": phrase_id, "text": text} for phrase_id, text in self.phrases],
            "due": self.due_on.isoformat() if self.due_on else None, "target": self.target,
            "learners": None if self.learners is None else [name for _, name in self.learners],
            "author": self.author, "created_at": self.created_at.isoformat() if self.created_at else None,
            "pack_url": f"/api/v1/packs/{self.pack}.zip",
        }


@dataclass(frozen=True)
class Completion:
    """How far one learner is with one assignment: each phrase's best score since it was set (None: not tried)."""

    learner_id: int
    learner: str
    best: tuple[float | None, ...]
    target: int

    @property
    def reached(self) -> int:
        """Phrases at or above the target."""
        return sum(score is not None and score >= self.target for score in self.best)

    @property
    def done(self) -> bool:
        """Every phrase reached the target."""
        return self.reached == len(self.best)

    def to_api(self, assignment: Assignment) -> dict[str, Any]:
        """The JSON of the API."""
        return {"learner": self.learner, "done": self.done, "reached": self.reached, "phrases": len(self.best),
                "best": {phrase_id: score for (phrase_id, _), score in zip(assignment.phrases, self.best)}}


def create(db: Database, who: Identity, *, class_id: int, pack_id: str, phrase_ids: Sequence[str] | None,
           learner_ids: Sequence[int] | None, due_on: date, target: int, today: date | None = None) -> Assignment:
    """Set work for class ``class_id`` (the caller checked ``who`` sees it).

    Parameters
    ----------
    phrase_ids : sequence of str or None
        Phrases of the pack; None or empty: all of them.
    learner_ids : sequence of int or None
        Active learners of the class; None or empty: the whole class.

    Raises
    ------
    ApiError
        404 for a pack that is not published; 422 for a phrase not in it, a
        learner not in the class, or a due day in the past or years ahead.
    """
    today = today or now().date()
    if due_on < today - timedelta(days=1) or due_on > today + MAX_AHEAD:
        raise ApiError(422, f"the due day {due_on.isoformat()} is in the past or more than two years ahead",
                       hint="choose a day from today on")
    with db.writing() as conn:
        pack = conn.execute(select(packs.c.version).where(packs.c.id == pack_id)).first()
        if pack is None:
            raise ApiError(404, f"there is no published pack {pack_id[:64]!r}", hint="publish it first, or choose a listed pack")
        listed = conn.execute(select(pack_phrases.c.phrase_id, pack_phrases.c.text)
                              .where(pack_phrases.c.pack_id == pack_id).order_by(pack_phrases.c.position)).all()
        chosen = _phrases(listed, phrase_ids)
        chosen_learners = _learners(conn, class_id, learner_ids)
        assignment_id = conn.execute(insert(assignments).values(
            class_id=class_id, pack_id=pack_id, pack_version=pack.version, due_on=due_on, target=target,
            whole_class=chosen_learners is None, teacher_id=who.teacher_id, created_at=now(),
        ).returning(assignments.c.id)).scalar_one()
        conn.execute(insert(assignment_phrases), [{"assignment_id": assignment_id, "phrase_id": phrase_id, "position": n,
                                                   "text": text} for n, (phrase_id, text) in enumerate(chosen)])
        if chosen_learners:
            conn.execute(insert(assignment_learners), [{"assignment_id": assignment_id, "learner_id": learner_id}
                                                       for learner_id in chosen_learners])
    found = get(db, assignment_id)
    if found is None:
        raise ApiError(409, "the assignment was removed meanwhile", hint="set it again")
    return found


def _phrases(listed: Sequence[Any], phrase_ids: Sequence[str] | None) -> list[tuple[str, str]]:
    if not listed:
        raise ApiError(422, "the pack lists no phrases on this server", hint="publish it again")
    if not phrase_ids:
        return [(row.phrase_id, row.text) for row in listed]
    wanted = set(phrase_ids)
    unknown = wanted - {row.phrase_id for row in listed}
    if unknown:
        raise ApiError(422, f"{sorted(unknown)[0][:64]!r} is not a phrase of the pack", hint="choose phrases the pack lists")
    return [(row.phrase_id, row.text) for row in listed if row.phrase_id in wanted]


def _learners(conn: Any, class_id: int, learner_ids: Sequence[int] | None) -> list[int] | None:
    if not learner_ids:
        return None
    wanted = set(learner_ids)
    found = set(conn.execute(select(learners.c.id).where(learners.c.id.in_(sorted(wanted)), learners.c.class_id == class_id,
                                                         learners.c.removed_at.is_(None))).scalars())
    if wanted - found:
        raise ApiError(422, "a chosen learner is not an active learner of the class", hint="choose learners of this class")
    return sorted(found)


def _select() -> Any:
    return (select(assignments, classes.c.name.label("class_name"), packs.c.title, teachers.c.name.label("author"))
            .join(classes, classes.c.id == assignments.c.class_id)
            .outerjoin(packs, packs.c.id == assignments.c.pack_id)
            .outerjoin(teachers, teachers.c.id == assignments.c.teacher_id))


def _build(conn: Any, rows: Sequence[Any]) -> list[Assignment]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    phrases: dict[int, list[tuple[str, str]]] = {}
    for assignment_id, phrase_id, text in conn.execute(
            select(assignment_phrases.c.assignment_id, assignment_phrases.c.phrase_id, assignment_phrases.c.text)
            .where(assignment_phrases.c.assignment_id.in_(ids)).order_by(assignment_phrases.c.position)):
        phrases.setdefault(assignment_id, []).append((stored_text(phrase_id), stored_text(text)))
    chosen: dict[int, list[tuple[int, str]]] = {}
    for assignment_id, learner_id, name in conn.execute(
            select(assignment_learners.c.assignment_id, learners.c.id, learners.c.name)
            .join(learners, learners.c.id == assignment_learners.c.learner_id)
            .where(assignment_learners.c.assignment_id.in_(ids)).order_by(learners.c.name)):
        chosen.setdefault(assignment_id, []).append((learner_id, stored_text(name)))
    return [Assignment(id=row.id, class_id=row.class_id, class_name=stored_text(row.class_name), pack=stored_text(row.pack_id),
                       pack_version=stored_text(row.pack_version), title=stored_text(row.title or row.pack_id),
                       phrases=tuple(phrases.get(row.id, ())), due_on=row.due_on, target=row.target,
                       learners=None if row.whole_class else tuple(chosen.get(row.id, ())),
                       author=stored_text(row.author) or "Admin", created_at=row.created_at) for row in rows]


def get(db: Database, assignment_id: int) -> Assignment | None:
    """Assignment ``assignment_id``, if any."""
    if not 0 < assignment_id < 2**63:
        return None
    with db.reading() as conn:
        found = _build(conn, conn.execute(_select().where(assignments.c.id == assignment_id)).all())
    return found[0] if found else None


def for_class(db: Database, class_id: int, *, limit: int = LISTED) -> list[Assignment]:
    """A class's assignments, the latest due first."""
    with db.reading() as conn:
        rows = conn.execute(_select().where(assignments.c.class_id == class_id)
                            .order_by(assignments.c.due_on.desc(), assignments.c.id.desc()).limit(limit)).all()
        return _build(conn, rows)


def for_learner(db: Database, learner_id: int, class_id: int, *, limit: int = LISTED) -> list[Assignment]:
    """The assignments a learner has (their class's, or set for them), the soonest due first."""
    mine = select(assignment_learners.c.assignment_id).where(assignment_learners.c.learner_id == learner_id)
    query = (_select().where(assignments.c.class_id == class_id,
                             or_(assignments.c.whole_class.is_(True), assignments.c.id.in_(mine)))
             .order_by(assignments.c.due_on, assignments.c.id).limit(limit))
    with db.reading() as conn:
        return _build(conn, conn.execute(query).all())


def remove(db: Database, assignment_id: int) -> bool:
    """Withdraw an assignment; False when there was none."""
    with db.writing() as conn:
        conn.execute(delete(assignment_learners).where(assignment_learners.c.assignment_id == assignment_id))
        conn.execute(delete(assignment_phrases).where(assignment_phrases.c.assignment_id == assignment_id))
        return conn.execute(delete(assignments).where(assignments.c.id == assignment_id)).rowcount > 0


def _assigned(assignment: Assignment) -> Select[Any]:
    """The assigned learners still active, ``(id, name)``."""
    query = select(learners.c.id, learners.c.name).where(learners.c.class_id == assignment.class_id,
                                                          learners.c.removed_at.is_(None))
    if assignment.learners is not None:
        query = query.where(learners.c.id.in_([id for id, _ in assignment.learners]))
    return query


def _best(assignment: Assignment, learner_ids: Any) -> Select[Any]:
    """Each learner's (of ``learner_ids``) best score per assigned phrase since the work was set (index ``attempts_since``)."""
    return (select(attempts.c.learner_id, attempts.c.phrase_id, func.max(attempts.c.overall).label("best"))
            .where(attempts.c.class_id == assignment.class_id, attempts.c.pack_id == assignment.pack,
                   attempts.c.phrase_id.in_([phrase_id for phrase_id, _ in assignment.phrases]),
                   attempts.c.recorded_at >= assignment.created_at if assignment.created_at else false(),
                   attempts.c.status == "scored",
                   attempts.c.hidden_at.is_(None), attempts.c.learner_id.in_(learner_ids))
            .group_by(attempts.c.learner_id, attempts.c.phrase_id))


def completion(db: Database, assignment: Assignment, *, learner_id: int | None = None, offset: int = 0,
               limit: int | None = None) -> list[Completion]:
    """Each assigned active learner's progress by name (or only ``learner_id``'s; ``limit`` of them from ``offset``)."""
    who = _assigned(assignment).order_by(func.lower(learners.c.name), learners.c.id)
    if learner_id is not None:
        who = who.where(learners.c.id == learner_id)
    if limit is not None:
        who = who.limit(limit).offset(offset)
    phrase_ids = [phrase_id for phrase_id, _ in assignment.phrases]
    with db.reading() as conn:
        people = conn.execute(who).all()
        ids = [row.id for row in people]
        best = {(row.learner_id, row.phrase_id): float(row.best) for row in conn.execute(_best(assignment, ids))} if ids else {}
    return [Completion(row.id, row.name, tuple(best.get((row.id, phrase_id)) for phrase_id in phrase_ids), assignment.target)
            for row in people]


def counts(db: Database, assignment: Assignment) -> tuple[int, int]:
    """``(learners done, learners assigned)``, counted in the database (the assignments page of a big class)."""
    ids = _assigned(assignment).with_only_columns(learners.c.id)
    best = _best(assignment, ids).subquery()
    done = (select(best.c.learner_id).where(best.c.best >= assignment.target).group_by(best.c.learner_id)
            .having(func.count() == len(assignment.phrases)))
    with db.reading() as conn:
        finished = conn.execute(select(func.count()).select_from(done.subquery())).scalar_one()
        assigned = conn.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return int(finished), int(assigned)


def assigned_to(assignment: Assignment, learner_id: int, class_id: int) -> bool:
    """Whether a learner of class ``class_id`` has this assignment."""
    if assignment.class_id != class_id:
        return False
    return assignment.learners is None or any(id == learner_id for id, _ in assignment.learners)

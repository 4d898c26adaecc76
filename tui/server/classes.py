"""Classes, their teachers and their learners: what the admin sets up with ``pronounce server class`` and ``add-learner``.

A class has a unique name and one or more teachers; a teacher may teach
several classes; a learner belongs to one class, and names are unique among
a class's active learners (a removed learner's takes stay, under their name).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from tui.errors import ClassroomError
from tui.server.accounts import Identity, Role, issue, now
from tui.server.db import Database
from tui.server.schema import attempts, class_teachers, classes, learners, teachers, tokens

MAX_NAME = 64


@dataclass(frozen=True)
class ClassInfo:
    """A class as lists show it."""

    id: int
    name: str
    teachers: tuple[str, ...]
    learners: int
    created_at: datetime


@dataclass(frozen=True)
class Learner:
    """A learner of a class; ``removed_at`` is set once their token was revoked."""

    id: int
    name: str
    class_name: str
    created_at: datetime
    removed_at: datetime | None
    attempts: int
    last_upload: datetime | None


def check_name(name: str, what: str = "learner") -> str:
    """A name, stripped; :class:`ClassroomError` when empty, too long or holding control characters."""
    cleaned = name.strip()
    example = {"learner": 'add-learner "Ana P"', "class": 'class add "Year 9 B" --teacher "Ms Lee"',
               "teacher": 'class add "Year 9 B" --teacher "Ms Lee"'}[what]
    if not cleaned or len(cleaned) > MAX_NAME:
        raise ClassroomError(f"a {what} name must have 1 to {MAX_NAME} characters", hint=f"e.g. `pronounce server {example}`")
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        raise ClassroomError(f"a {what} name cannot hold control characters", hint="use letters, digits and spaces")
    return cleaned


def add_class(db: Database, name: str, teacher: str) -> tuple[int, str | None]:
    """Add class ``name`` taught by ``teacher``: ``(class id, the teacher's new token or None when they had one)``.

    Raises
    ------
    ClassroomError
        A name is invalid, or a class has that name already.
    """
    name, teacher = check_name(name, "class"), check_name(teacher, "teacher")
    with db.writing() as conn:
        if conn.execute(select(classes.c.id).where(classes.c.name == name)).first() is not None:
            raise ClassroomError(f"there is already a class named {name!r}", hint="choose another name")
        class_id = conn.execute(insert(classes).values(name=name, created_at=now()).returning(classes.c.id)).scalar_one()
        teacher_id = conn.execute(select(teachers.c.id).where(teachers.c.name == teacher)).scalar()
        token = None
        if teacher_id is None:
            teacher_id = conn.execute(insert(teachers).values(name=teacher, created_at=now()).returning(teachers.c.id)).scalar_one()
            token = issue(conn, Role.TEACHER, teacher_id=teacher_id)
        conn.execute(insert(class_teachers).values(class_id=class_id, teacher_id=teacher_id))
    return class_id, token


def class_list(db: Database, who: Identity | None = None) -> list[ClassInfo]:
    """The classes ``who`` may see (every class when None), by name, with their teachers and active learners."""
    query = select(classes.c.id, classes.c.name, classes.c.created_at).order_by(classes.c.name)
    if who is not None and who.class_ids is not None:
        query = query.where(classes.c.id.in_(sorted(who.class_ids)))
    with db.reading() as conn:
        rows = conn.execute(query).all()
        names: dict[int, list[str]] = {}
        for class_id, teacher in conn.execute(
                select(class_teachers.c.class_id, teachers.c.name).join(teachers, teachers.c.id == class_teachers.c.teacher_id)
                .order_by(teachers.c.name)):
            names.setdefault(class_id, []).append(teacher)
        counts: dict[int, int] = {class_id: count for class_id, count in conn.execute(
            select(learners.c.class_id, func.count()).where(learners.c.removed_at.is_(None)).group_by(learners.c.class_id))}
    return [ClassInfo(id, name, tuple(names.get(id, ())), counts.get(id, 0), created) for id, name, created in rows]


def resolve_class(conn: Connection, name: str | None) -> int:
    """The id of class ``name``; with no name, the only class there is.

    Raises
    ------
    ClassroomError
        No class has that name, there is no class yet, or several and no name.
    """
    if name is not None:
        found = conn.execute(select(classes.c.id).where(classes.c.name == name.strip())).scalar()
        if found is None:
            raise ClassroomError(f"there is no class named {name.strip()[:64]!r}", hint="`pronounce server class list` names them")
        return int(found)
    ids = conn.execute(select(classes.c.id, classes.c.name).order_by(classes.c.name).limit(6)).all()
    if not ids:
        raise ClassroomError("there is no class yet", hint='add one first: `pronounce server class add "Year 9 B" --teacher "Ms Lee"`')
    if len(ids) > 1:
        listed = ", ".join(repr(row.name) for row in ids[:5])
        raise ClassroomError(f"there are several classes ({listed}{'…' if len(ids) > 5 else ''})", hint="name one with --class NAME")
    return int(ids[0].id)


def add_learner(db: Database, name: str, class_name: str | None = None) -> str:
    """Add learner ``name`` to a class (the only one when ``class_name`` is None) and return their token.

    Raises
    ------
    ClassroomError
        The name is invalid, an active learner of the class has it, or the class is unknown or ambiguous.
    """
    name = check_name(name)
    with db.writing() as conn:
        _, token = insert_learner(conn, resolve_class(conn, class_name), name)
        return token


def name_taken(conn: Connection, class_id: int, name: str, *, besides: int | None = None) -> bool:
    """Whether an active learner of the class (other than learner ``besides``) has ``name``."""
    query = select(learners.c.id).where(learners.c.class_id == class_id, learners.c.name == name, learners.c.removed_at.is_(None))
    if besides is not None:
        query = query.where(learners.c.id != besides)
    return conn.execute(query).first() is not None


def insert_learner(conn: Connection, class_id: int, name: str) -> tuple[int, str]:
    """Add learner ``name`` (checked) to class ``class_id`` in the caller's write: ``(their id, their token)``.

    Raises
    ------
    ClassroomError
        An active learner of the class has that name.
    """
    if name_taken(conn, class_id, name):
        raise ClassroomError(f"there is already a learner named {name!r} in this class",
                             hint="choose another name, or `pronounce server remove-learner` the old one first")
    learner_id = conn.execute(insert(learners).values(class_id=class_id, name=name, created_at=now())
                              .returning(learners.c.id)).scalar_one()
    return learner_id, issue(conn, Role.LEARNER, learner_id=learner_id)


def remove_learner(db: Database, name: str, class_name: str | None = None) -> None:
    """Revoke learner ``name``'s token; their takes are kept.

    Raises
    ------
    ClassroomError
        No active learner of the class has that name, or the class is unknown or ambiguous.
    """
    with db.writing() as conn:
        class_id = resolve_class(conn, class_name)
        learner_id = conn.execute(select(learners.c.id).where(
            learners.c.class_id == class_id, learners.c.name == name.strip(), learners.c.removed_at.is_(None))).scalar()
        if learner_id is None:
            raise ClassroomError(f"there is no learner named {name.strip()[:64]!r}", hint="`pronounce server learners` lists them")
        removed = now()
        conn.execute(update(learners).where(learners.c.id == learner_id).values(removed_at=removed))
        conn.execute(update(tokens).where(tokens.c.learner_id == learner_id, tokens.c.revoked_at.is_(None)).values(revoked_at=removed))


def learner_list(db: Database, class_name: str | None = None) -> list[Learner]:
    """Learners (of one class, or of all), removed ones too, in the order they were added, with their upload counts."""
    uploads = (select(attempts.c.learner_id, func.count().label("n"), func.max(attempts.c.created_at).label("last"))
               .group_by(attempts.c.learner_id).subquery())
    query = (select(learners.c.id, learners.c.name, classes.c.name, learners.c.created_at, learners.c.removed_at,
                    func.coalesce(uploads.c.n, 0), uploads.c.last)
             .join(classes, classes.c.id == learners.c.class_id)
             .outerjoin(uploads, uploads.c.learner_id == learners.c.id)
             .order_by(learners.c.id))
    with db.reading() as conn:
        if class_name is not None:
            query = query.where(learners.c.class_id == resolve_class(conn, class_name))
        rows = conn.execute(query).all()
    return [Learner(*row) for row in rows]

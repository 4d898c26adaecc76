"""A teacher's learners, by id: add, rename, remove, restore, and give a new token while the history stays.

What ``pronounce server add-learner`` and ``remove-learner`` do by name for
the admin, the class pages and the API do by id for the teachers of the class
(the callers check that the teacher sees it). A learner keeps one id, so their
takes, feedback and assignments stay theirs through a rename, a new token or
a removal and restore; every token they ever had is kept, revoked, with its
dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select, update

from tui.errors import ClassroomError
from tui.server.accounts import Role, issue, now
from tui.server.classes import check_name, insert_learner, name_taken
from tui.server.db import Database
from tui.server.errors import ApiError
from tui.server.records import stored_text
from tui.server.schema import attempts, classes, learners, tokens

PAGE_SIZE = 100
"""Learners per page of the class's learners."""


@dataclass(frozen=True, kw_only=True)
class LearnerInfo:
    """A learner as the teacher's pages show them.

    Attributes
    ----------
    id, class_id : int
    name, class_name : str
    created_at : datetime or None
        None only for a row holding a time that is none.
    removed_at : datetime or None
    takes : int
        Takes uploaded (hidden ones too).
    last_take : datetime or None
        When the latest was recorded.
    token_at : datetime or None
        When the token in use was made (None: no token works, e.g. removed).
    tokens : int
        Tokens ever made for them.
    """

    id: int
    class_id: int
    name: str
    class_name: str
    created_at: datetime | None
    removed_at: datetime | None
    takes: int
    last_take: datetime | None
    token_at: datetime | None
    tokens: int

    def to_api(self) -> dict[str, object]:
        """The JSON of the API."""
        return {"id": self.id, "name": self.name, "class_id": self.class_id, "class": self.class_name,
                "created_at": self.created_at.isoformat() if self.created_at else None, "removed_at": self.removed_at.isoformat() if self.removed_at else None,
                "takes": self.takes, "last_take": self.last_take.isoformat() if self.last_take else None,
                "token_issued_at": self.token_at.isoformat() if self.token_at else None, "tokens_issued": self.tokens}


def _query(chosen: Any) -> Select[Any]:
    """The learners ``chosen`` (a list of ids, or a select of them) with their takes and tokens counted."""
    takes = (select(attempts.c.learner_id, func.count().label("n"), func.max(attempts.c.recorded_at).label("last"))
             .where(attempts.c.learner_id.in_(chosen)).group_by(attempts.c.learner_id)).subquery()
    issued = (select(tokens.c.learner_id, func.count().label("n"),
                     func.max(tokens.c.created_at).filter(tokens.c.revoked_at.is_(None)).label("live"))
              .where(tokens.c.learner_id.in_(chosen)).group_by(tokens.c.learner_id)).subquery()
    return (select(learners.c.id, learners.c.class_id, learners.c.name, classes.c.name.label("class_name"),
                   learners.c.created_at, learners.c.removed_at, func.coalesce(takes.c.n, 0).label("takes"),
                   takes.c.last, issued.c.live, func.coalesce(issued.c.n, 0).label("tokens"))
            .join(classes, classes.c.id == learners.c.class_id)
            .outerjoin(takes, takes.c.learner_id == learners.c.id).outerjoin(issued, issued.c.learner_id == learners.c.id)
            .where(learners.c.id.in_(chosen)))


def _info(r: Any) -> LearnerInfo:
    return LearnerInfo(id=r.id, class_id=r.class_id, name=stored_text(r.name), class_name=stored_text(r.class_name),
                       created_at=r.created_at, removed_at=r.removed_at, takes=int(r.takes),
                       last_take=r.last, token_at=r.live, tokens=int(r.tokens))


def _ordered(infos: list[LearnerInfo]) -> list[LearnerInfo]:
    return sorted(infos, key=lambda info: (info.removed_at is not None, info.name.casefold(), info.id))


def roster(db: Database, class_id: int) -> list[LearnerInfo]:
    """Every learner of the class, active ones first, each by name."""
    with db.reading() as conn:
        rows = conn.execute(_query(select(learners.c.id).where(learners.c.class_id == class_id))).all()
    return _ordered([_info(row) for row in rows])


def roster_page(db: Database, class_id: int, page: int, per_page: int = PAGE_SIZE) -> tuple[list[LearnerInfo], int, int]:
    """One page of :func:`roster` (past the end: the last page): ``(learners, page, pages)``; costs the page, not the class."""
    scope = learners.c.class_id == class_id
    with db.reading() as conn:
        total = conn.execute(select(func.count()).select_from(learners).where(scope)).scalar_one()
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        ids = list(conn.execute(select(learners.c.id).where(scope)
                                .order_by(learners.c.removed_at.is_not(None), func.lower(learners.c.name), learners.c.id)
                                .limit(per_page).offset((page - 1) * per_page)).scalars())
        rows = conn.execute(_query(ids)).all() if ids else []
    return _ordered([_info(row) for row in rows]), page, pages


def active(db: Database, class_id: int) -> list[tuple[int, str]]:
    """The class's active learners, ``(id, name)`` by name."""
    with db.reading() as conn:
        rows = conn.execute(select(learners.c.id, learners.c.name).where(learners.c.class_id == class_id,
                                                                          learners.c.removed_at.is_(None))
                            .order_by(func.lower(learners.c.name), learners.c.id)).all()
    return [(row.id, row.name) for row in rows]


def class_name(db: Database, class_id: int) -> str | None:
    """The name of class ``class_id``, None when there is none."""
    with db.reading() as conn:
        found: str | None = conn.execute(select(classes.c.name).where(classes.c.id == class_id)).scalar()
    return found


def learner(db: Database, learner_id: int) -> LearnerInfo | None:
    """Learner ``learner_id``, if any."""
    if not 0 < learner_id < 2**31:
        return None
    with db.reading() as conn:
        row = conn.execute(_query([learner_id])).first()
    return _info(row) if row else None


def _name(name: str) -> str:
    try:
        return check_name(name)
    except ClassroomError as exc:
        raise ApiError(422, exc.message, hint="use 1 to 64 letters, digits and spaces") from exc


def _taken(name: str) -> ApiError:
    return ApiError(409, f"an active learner of the class is named {name!r} already", hint="choose another name")


def add(db: Database, class_id: int, name: str) -> tuple[int, str]:
    """Add learner ``name`` to the class: ``(their id, their token)`` — the token is shown once."""
    name = _name(name)
    with db.writing() as conn:
        if name_taken(conn, class_id, name):
            raise _taken(name)
        return insert_learner(conn, class_id, name)


def rename(db: Database, learner_id: int, name: str) -> None:
    """Give a learner a new name; their takes follow (409 when an active learner of the class has it)."""
    name = _name(name)
    with db.writing() as conn:
        row = _locked(conn, learner_id)
        if row.removed_at is None and name_taken(conn, row.class_id, name, besides=learner_id):
            raise _taken(name)
        conn.execute(update(learners).where(learners.c.id == learner_id).values(name=name))


def _locked(conn: Connection, learner_id: int) -> Any:
    row = conn.execute(select(learners.c.class_id, learners.c.name, learners.c.removed_at)
                       .where(learners.c.id == learner_id).with_for_update()).first()
    if row is None:
        raise ApiError(404, "there is no such learner", hint="go back to the class's learners")
    return row


def _revoke(conn: Connection, learner_id: int) -> None:
    conn.execute(update(tokens).where(tokens.c.learner_id == learner_id, tokens.c.revoked_at.is_(None)).values(revoked_at=now()))


def reissue(db: Database, learner_id: int) -> str:
    """Revoke a learner's token and make a new one (the old tokens stay listed as revoked); the new token."""
    with db.writing() as conn:
        row = _locked(conn, learner_id)
        if row.removed_at is not None:
            raise ApiError(409, "this learner was removed", hint="restore them first: that gives them a new token")
        _revoke(conn, learner_id)
        return issue(conn, Role.LEARNER, learner_id=learner_id)


def remove(db: Database, learner_id: int) -> None:
    """Revoke a learner's token and list them as removed; their takes and feedback stay."""
    with db.writing() as conn:
        row = _locked(conn, learner_id)
        if row.removed_at is None:
            conn.execute(update(learners).where(learners.c.id == learner_id).values(removed_at=now()))
        _revoke(conn, learner_id)


def restore(db: Database, learner_id: int) -> str:
    """Make a removed learner active again, with their history, and give them a new token."""
    with db.writing() as conn:
        row = _locked(conn, learner_id)
        if row.removed_at is None:
            raise ApiError(409, "this learner is active", hint="give them a new token instead")
        if name_taken(conn, row.class_id, row.name):
            raise _taken(row.name)
        conn.execute(update(learners).where(learners.c.id == learner_id).values(removed_at=None))
        _revoke(conn, learner_id)
        return issue(conn, Role.LEARNER, learner_id=learner_id)

"""Who may talk to the class server: the admin's token, teachers' and learners' tokens, browser sessions.

Tokens are 256 random bits (``secrets``), shown once and stored only as their
SHA-256: a stolen database does not give anyone a token. (A fast hash is
enough for secrets this long; slow hashes are for passwords people pick.)
Tokens and sessions live in the database, so every web node sees the same.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, and_, delete, insert, select, update

from tui.errors import ClassroomError
from tui.server.db import Database
from tui.server.schema import class_teachers, learners, teachers, tokens, web_sessions

TOKEN_PREFIX = "prn_"
TOKEN_BYTES = 32
SESSION_HOURS = 12


class Role(StrEnum):
    """What a token may do: the admin sees every class, a teacher their classes, a learner uploads."""

    ADMIN = "admin"
    TEACHER = "teacher"
    LEARNER = "learner"


@dataclass(frozen=True)
class Identity:
    """Who a valid token or browser session belongs to.

    Attributes
    ----------
    role : Role
    name : str or None
        The teacher's or learner's name (None for the admin).
    teacher_id, learner_id : int or None
    class_ids : frozenset of int or None
        The classes this identity may see: None for the admin (every class),
        a teacher's classes, a learner's own class.
    """

    role: Role
    name: str | None = None
    teacher_id: int | None = None
    learner_id: int | None = None
    class_ids: frozenset[int] | None = None

    @property
    def is_staff(self) -> bool:
        """The admin or a teacher: may read takes of the classes they see."""
        return self.role is not Role.LEARNER

    def sees_class(self, class_id: int) -> bool:
        """Whether this identity may see class ``class_id``."""
        return self.class_ids is None or class_id in self.class_ids


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(conn: Connection, role: Role, *, teacher_id: int | None = None, learner_id: int | None = None) -> str:
    """Make a token for ``role`` (inside the caller's write transaction) and return it."""
    token = new_token()
    conn.execute(insert(tokens).values(hash=token_hash(token), role=str(role), teacher_id=teacher_id,
                                       learner_id=learner_id, created_at=now()))
    return token


def has_admin(db: Database) -> bool:
    """Whether an admin token was ever made (``server init`` ran)."""
    with db.reading() as conn:
        return conn.execute(select(tokens.c.hash).where(tokens.c.role == "admin").limit(1)).first() is not None


def init_admin(db: Database) -> str:
    """Make the admin token and return it; refuses when the server has one.

    Raises
    ------
    ClassroomError
        The server is already initialised.
    """
    with db.writing() as conn:
        if conn.execute(select(tokens.c.hash).where(tokens.c.role == "admin").limit(1)).first() is not None:
            raise ClassroomError(f"the class server in {db.described} is already initialised",
                                 hint="`pronounce server token --rotate` makes a new admin token")
        return issue(conn, Role.ADMIN)


def rotate_admin(db: Database) -> str:
    """Revoke the admin token (and the admin's browser sessions) and return a new one."""
    with db.writing() as conn:
        conn.execute(update(tokens).where(tokens.c.role == "admin", tokens.c.revoked_at.is_(None)).values(revoked_at=now()))
        conn.execute(delete(web_sessions).where(web_sessions.c.role == "admin"))
        return issue(conn, Role.ADMIN)


def rotate_teacher(db: Database, name: str) -> str:
    """Revoke teacher ``name``'s token (and their browser sessions) and return a new one.

    Raises
    ------
    ClassroomError
        No teacher has that name.
    """
    with db.writing() as conn:
        teacher_id = conn.execute(select(teachers.c.id).where(teachers.c.name == name.strip())).scalar()
        if teacher_id is None:
            raise ClassroomError(f"there is no teacher named {name.strip()[:64]!r}", hint="`pronounce server class list` names them")
        conn.execute(update(tokens).where(tokens.c.teacher_id == teacher_id, tokens.c.revoked_at.is_(None)).values(revoked_at=now()))
        conn.execute(delete(web_sessions).where(web_sessions.c.teacher_id == teacher_id))
        return issue(conn, Role.TEACHER, teacher_id=teacher_id)


def _teacher_classes(conn: Connection, teacher_id: int) -> frozenset[int]:
    return frozenset(conn.execute(select(class_teachers.c.class_id).where(class_teachers.c.teacher_id == teacher_id)).scalars())


def identify(db: Database, token: str) -> Identity | None:
    """Who holds ``token`` (None when it is unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    query = (select(tokens.c.role, tokens.c.teacher_id, tokens.c.learner_id, teachers.c.name, learners.c.name,
                    learners.c.class_id)
             .select_from(tokens.outerjoin(teachers, teachers.c.id == tokens.c.teacher_id)
                          .outerjoin(learners, learners.c.id == tokens.c.learner_id))
             .where(tokens.c.hash == token_hash(token), tokens.c.revoked_at.is_(None)))
    with db.reading() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        role, teacher_id, learner_id, teacher_name, learner_name, class_id = row
        if role == Role.TEACHER:
            return Identity(Role.TEACHER, teacher_name, teacher_id=teacher_id, class_ids=_teacher_classes(conn, teacher_id))
    if role == Role.LEARNER:
        return Identity(Role.LEARNER, learner_name, learner_id=learner_id, class_ids=frozenset({class_id}))
    return Identity(Role.ADMIN)


def open_session(db: Database, who: Identity) -> tuple[str, str]:
    """A new browser session of the admin or a teacher: ``(session id for the cookie, CSRF token for its forms)``."""
    if not who.is_staff:
        raise ClassroomError("learners have no browser session", hint="sign in with a teacher's or the admin's token")
    session, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    started = now()
    with db.writing() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < started))
        conn.execute(insert(web_sessions).values(hash=token_hash(session), csrf=csrf, role=str(who.role),
                                                 teacher_id=who.teacher_id, created_at=started,
                                                 expires_at=started + timedelta(hours=SESSION_HOURS)))
    return session, csrf


def session_identity(db: Database, session: str) -> tuple[Identity, str] | None:
    """Who a live browser session belongs to and its CSRF token (None when unknown or expired)."""
    query = (select(web_sessions.c.role, web_sessions.c.teacher_id, web_sessions.c.csrf, teachers.c.name)
             .select_from(web_sessions.outerjoin(teachers, teachers.c.id == web_sessions.c.teacher_id))
             .where(and_(web_sessions.c.hash == token_hash(session), web_sessions.c.expires_at > now())))
    with db.reading() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        role, teacher_id, csrf, name = row
        if role == Role.TEACHER:
            return Identity(Role.TEACHER, name, teacher_id=teacher_id, class_ids=_teacher_classes(conn, teacher_id)), csrf
    return Identity(Role.ADMIN), csrf


def close_session(db: Database, session: str) -> None:
    """End a browser session (sign out)."""
    with db.writing() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.hash == token_hash(session)))

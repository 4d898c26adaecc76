"""Who may talk to the class server: the teacher token, learner tokens, browser sessions.

Tokens are 256 random bits (``secrets``), shown once and stored only as their
SHA-256: a stolen database does not give anyone a token. (A fast hash is
enough for secrets this long; slow hashes are for passwords people pick.)
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tui.errors import ClassroomError
from tui.server.db import Database
from tui.store.schema import utc_text

TOKEN_PREFIX = "prn_"
TOKEN_BYTES = 32
SESSION_HOURS = 12
MAX_NAME = 64


class Role(StrEnum):
    """What a token may do."""

    TEACHER = "teacher"
    LEARNER = "learner"


@dataclass(frozen=True)
class Identity:
    """Who a valid token belongs to (``learner_id`` and ``name`` are None for the teacher)."""

    role: Role
    learner_id: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class Learner:
    """A learner of the class; ``removed_at`` is set once their token was revoked."""

    id: int
    name: str
    created_at: datetime
    removed_at: datetime | None
    attempts: int
    last_upload: datetime | None


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_initialised(db: Database) -> bool:
    """Whether a teacher token exists."""
    with db.reading() as conn:
        return conn.execute("SELECT 1 FROM tokens WHERE role = 'teacher'").fetchone() is not None


def init_teacher(db: Database) -> str:
    """Make the first teacher token and return it; refuses when the server has one.

    Raises
    ------
    ClassroomError
        The server is already initialised.
    """
    token = new_token()
    with db.writing() as conn:
        if conn.execute("SELECT 1 FROM tokens WHERE role = 'teacher'").fetchone() is not None:
            raise ClassroomError(f"the class server in {db.root} is already initialised",
                                 hint="`pronounce server token --rotate` makes a new teacher token")
        conn.execute("INSERT INTO tokens (hash, role, created_at) VALUES (?, 'teacher', ?)", (token_hash(token), utc_text()))
    return token


def rotate_teacher(db: Database) -> str:
    """Revoke the teacher token (and every browser session) and return a new one."""
    token = new_token()
    with db.writing() as conn:
        now = utc_text()
        conn.execute("UPDATE tokens SET revoked_at = ? WHERE role = 'teacher' AND revoked_at IS NULL", (now,))
        conn.execute("INSERT INTO tokens (hash, role, created_at) VALUES (?, 'teacher', ?)", (token_hash(token), now))
        conn.execute("DELETE FROM web_sessions")
    return token


def check_name(name: str) -> str:
    """A learner name, stripped; :class:`ClassroomError` when empty, too long or holding control characters."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise ClassroomError(f"a learner name must have 1 to {MAX_NAME} characters", hint="e.g. `pronounce server add-learner \"Ana P\"`")
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        raise ClassroomError("a learner name cannot hold control characters", hint="use letters, digits and spaces")
    return cleaned


def add_learner(db: Database, name: str) -> str:
    """Add learner ``name`` and return their token.

    Raises
    ------
    ClassroomError
        The name is invalid or an active learner has it.
    """
    name = check_name(name)
    token = new_token()
    with db.writing() as conn:
        if conn.execute("SELECT 1 FROM learners WHERE name = ? AND removed_at IS NULL", (name,)).fetchone():
            raise ClassroomError(f"there is already a learner named {name!r}",
                                 hint="choose another name, or `pronounce server remove-learner` the old one first")
        now = utc_text()
        learner_id = conn.execute("INSERT INTO learners (name, created_at) VALUES (?, ?)", (name, now)).lastrowid
        conn.execute("INSERT INTO tokens (hash, role, learner_id, created_at) VALUES (?, 'learner', ?, ?)",
                     (token_hash(token), learner_id, now))
    return token


def remove_learner(db: Database, name: str) -> None:
    """Revoke learner ``name``'s token; their attempts are kept.

    Raises
    ------
    ClassroomError
        No active learner has that name.
    """
    with db.writing() as conn:
        row = conn.execute("SELECT id FROM learners WHERE name = ? AND removed_at IS NULL", (name.strip(),)).fetchone()
        if row is None:
            raise ClassroomError(f"there is no learner named {name!r}", hint="`pronounce server learners` lists them")
        now = utc_text()
        conn.execute("UPDATE learners SET removed_at = ? WHERE id = ?", (now, row[0]))
        conn.execute("UPDATE tokens SET revoked_at = ? WHERE learner_id = ? AND revoked_at IS NULL", (now, row[0]))


def learners(db: Database) -> list[Learner]:
    """Every learner, removed ones too, in the order they were added, with their upload counts."""
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT l.id, l.name, l.created_at, l.removed_at, count(a.id), max(a.created_at)"
            " FROM learners l LEFT JOIN attempts a ON a.learner_id = l.id GROUP BY l.id ORDER BY l.id"
        ).fetchall()
    return [
        Learner(id, name, datetime.fromisoformat(created), datetime.fromisoformat(removed) if removed else None,
                count, datetime.fromisoformat(last) if last else None)
        for id, name, created, removed, count, last in rows
    ]


def identify(db: Database, token: str) -> Identity | None:
    """Who holds ``token`` (None when it is unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with db.reading() as conn:
        row = conn.execute(
            "SELECT t.role, t.learner_id, l.name FROM tokens t LEFT JOIN learners l ON l.id = t.learner_id"
            " WHERE t.hash = ? AND t.revoked_at IS NULL",
            (token_hash(token),),
        ).fetchone()
    if row is None:
        return None
    return Identity(Role(row[0]), row[1], row[2])


def open_session(db: Database) -> tuple[str, str]:
    """A new teacher browser session: ``(session id for the cookie, CSRF token for its forms)``."""
    session, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    expires = utc_text(datetime.now(UTC) + timedelta(hours=SESSION_HOURS))
    with db.writing() as conn:
        conn.execute("DELETE FROM web_sessions WHERE expires_at < ?", (utc_text(),))
        conn.execute("INSERT INTO web_sessions (hash, csrf, expires_at) VALUES (?, ?, ?)", (token_hash(session), csrf, expires))
    return session, csrf


def session_csrf(db: Database, session: str) -> str | None:
    """The CSRF token of a live session (None when the session is unknown or expired)."""
    with db.reading() as conn:
        row = conn.execute("SELECT csrf FROM web_sessions WHERE hash = ? AND expires_at > ?",
                           (token_hash(session), utc_text())).fetchone()
    return row[0] if row else None


def close_session(db: Database, session: str) -> None:
    """End a browser session (sign out)."""
    with db.writing() as conn:
        conn.execute("DELETE FROM web_sessions WHERE hash = ?", (token_hash(session),))

"""A teacher hides a junk take (it leaves the summaries, the class page, difficulty and assignments) or flags one.

Hiding is undone by showing the take again; nothing is deleted. The summary of
the take's learner and phrase is recomputed in the same write, so the class
page is never behind.
"""

from __future__ import annotations

from sqlalchemy import select, update

from tui.server import summaries
from tui.server.accounts import now
from tui.server.db import Database
from tui.server.schema import attempts


def set_hidden(db: Database, attempt_id: int, hidden: bool) -> bool:
    """Hide or show take ``attempt_id``; False when it does not exist."""
    with db.writing() as conn:
        row = conn.execute(select(attempts.c.learner_id, attempts.c.pack_id, attempts.c.phrase_id, attempts.c.hidden_at)
                           .where(attempts.c.id == attempt_id).with_for_update()).first()
        if row is None:
            return False
        if (row.hidden_at is not None) != hidden:
            conn.execute(update(attempts).where(attempts.c.id == attempt_id).values(hidden_at=now() if hidden else None))
            summaries.refresh(conn, row.learner_id, row.pack_id, row.phrase_id)
    return True


def set_flagged(db: Database, attempt_id: int, flagged: bool) -> bool:
    """Flag take ``attempt_id`` (to come back to it; a flag keeps its first time) or clear it; False when it does not exist."""
    with db.writing() as conn:
        exists = conn.execute(select(attempts.c.id).where(attempts.c.id == attempt_id).with_for_update()).first()
        if exists is None:
            return False
        if flagged:
            conn.execute(update(attempts).where(attempts.c.id == attempt_id, attempts.c.flagged_at.is_(None)).values(flagged_at=now()))
        else:
            conn.execute(update(attempts).where(attempts.c.id == attempt_id).values(flagged_at=None))
    return True

"""A teacher's answer to a take: a comment, the words to work on, and a recording of their own.

One answer per take, written and rewritten by the teachers of its class (or
the admin); its learner reads it through the API. The comment is plain text
(at most :data:`~tui.server.schema.MAX_COMMENT` characters, no control
characters but line breaks and tabs, no bidirectional overrides); the marked
words are indexes into the take's own words, so their text always comes from
the server; the recording (see :mod:`tui.server.clips`) lives in
``feedback/<learner>/`` and is moved into place inside the write that stores
its row, as takes are.

Learners fetch what changed since the newest answer they have:
:func:`for_learner` with ``since`` a little before it (see
:data:`SINCE_MARGIN`), so an answer committed a moment after a later one was
read is not missed.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from tui.fsio import fsync_path
from tui.server.accounts import Identity, now
from tui.server.db import Database
from tui.server.errors import ApiError
from tui.server.records import ServerAttempt, inside_store, stored_seconds, stored_text
from tui.server.schema import MAX_COMMENT, attempts, feedback, learners, teachers

FOLDER = "feedback"
SINCE_MARGIN = timedelta(minutes=2)
"""How far before the newest answer a learner already has the next fetch starts (write transactions are far shorter)."""
MAX_WORDS = 200
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WORD = re.compile(r"\S+")
COMMENT_HINT = f"write plain text of at most {MAX_COMMENT:,} characters"


@dataclass(frozen=True, kw_only=True)
class Feedback:
    """A teacher's answer to one take, with what identifies the take to its learner.

    Attributes
    ----------
    id, attempt_id : int
    client_attempt_id : str
        The learner's own id of the take (their app finds the take by it).
    learner_id, class_id : int
    learner : str
    pack, phrase_id, text : str
        What the take practised.
    comment : str
    words : tuple of (index, text)
        The marked words: their place among the take's words, and their text.
    audio : Path or None
        The teacher's recording (FLAC, absolute).
    audio_seconds : float or None
    author : str
        The teacher's name ("Admin" for the admin).
    created_at, updated_at : datetime or None
        None only for a row holding a time that is none.
    """

    id: int
    attempt_id: int
    client_attempt_id: str
    learner_id: int
    class_id: int
    learner: str
    pack: str
    phrase_id: str
    text: str
    comment: str
    words: tuple[tuple[int, str], ...]
    audio: Path | None
    audio_seconds: float | None
    author: str
    created_at: datetime | None
    updated_at: datetime | None

    def to_api(self) -> dict[str, Any]:
        """The JSON of the API."""
        return {
            "id": self.id, "attempt_id": self.attempt_id, "client_attempt_id": self.client_attempt_id,
            "learner": self.learner, "pack": self.pack, "phrase_id": self.phrase_id, "text": self.text,
            "comment": self.comment, "words": [{"index": i, "text": t} for i, t in self.words],
            "audio_url": f"/api/v1/feedback/{self.id}/audio" if self.audio else None,
            "audio_seconds": self.audio_seconds, "author": self.author,
            "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def take_words(attempt: ServerAttempt) -> tuple[str, ...]:
    """The words a teacher may mark on a take: its score's words, or the phrase's words until it is scored."""
    if attempt.score is not None and attempt.score.words:
        return tuple(word.text for word in attempt.score.words)
    return tuple(_WORD.findall(attempt.text))


def check_comment(text: str) -> str:
    """A comment as stored: line breaks made ``\\n``, spaces around it stripped.

    Raises
    ------
    ApiError
        422: longer than :data:`MAX_COMMENT` characters, or holding control
        characters (but line breaks and tabs) or bidirectional overrides.
    """
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(cleaned) > MAX_COMMENT:
        raise ApiError(422, f"the comment has {len(cleaned):,} characters, more than the {MAX_COMMENT:,} allowed",
                       hint="shorten it: say the one thing that matters most")
    for char in cleaned:
        if char in _BIDI or (unicodedata.category(char) == "Cc" and char not in "\n\t"):
            raise ApiError(422, f"the comment holds the control character U+{ord(char):04X}", hint=COMMENT_HINT)
    return cleaned


def check_words(indexes: list[Any], words: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """The marked words from their indexes (each once, in phrase order).

    Raises
    ------
    ApiError
        422: an index that is not a whole number naming one of ``words``.
    """
    if len(indexes) > MAX_WORDS:
        raise ApiError(422, f"more than {MAX_WORDS} words marked", hint="mark the few words to work on")
    chosen: set[int] = set()
    for index in indexes:
        number = int(index) if isinstance(index, str) and index.isascii() and index.isdigit() and len(index) < 6 else index
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < len(words):
            raise ApiError(422, f"word {str(index)[:20]!r} is not one of the take's {len(words)} words",
                           hint="mark words by their index in the take, from 0")
        chosen.add(number)
    return tuple((index, words[index]) for index in sorted(chosen))


def _select() -> Select[Any]:
    return (select(feedback, attempts.c.client_attempt_id, attempts.c.pack_id, attempts.c.phrase_id, attempts.c.text,
                   learners.c.name.label("learner"), teachers.c.name.label("author"))
            .join(attempts, attempts.c.id == feedback.c.attempt_id)
            .join(learners, learners.c.id == feedback.c.learner_id)
            .outerjoin(teachers, teachers.c.id == feedback.c.teacher_id))


def _marked(stored: Any) -> tuple[tuple[int, str], ...]:
    """The marked words a row holds; whatever is not ``[{"index": int, "text": str}…]`` is left out (a hostile row)."""
    try:
        words = json.loads(stored) if isinstance(stored, str) else None
    except (ValueError, RecursionError):
        return ()
    if not isinstance(words, list):
        return ()
    return tuple((w["index"], w["text"]) for w in words[:MAX_WORDS]
                 if isinstance(w, dict) and type(w.get("index")) is int and 0 <= w["index"] < 2**31 and isinstance(w.get("text"), str))


def _item(root: Path, row: Any) -> Feedback:
    """An answer from its row: whatever a row holds, this does not fail (see :func:`tui.server.records.from_row`)."""
    return Feedback(
        id=row.id, attempt_id=row.attempt_id, client_attempt_id=stored_text(row.client_attempt_id), learner_id=row.learner_id,
        class_id=row.class_id, learner=stored_text(row.learner), pack=stored_text(row.pack_id),
        phrase_id=stored_text(row.phrase_id), text=stored_text(row.text), comment=stored_text(row.comment)[:MAX_COMMENT],
        words=_marked(row.words), audio=inside_store(root, row.audio, FOLDER),
        audio_seconds=stored_seconds(row.audio_seconds), author=stored_text(row.author) or "Admin",
        created_at=row.created_at, updated_at=row.updated_at,
    )


def of_attempt(db: Database, attempt_id: int) -> Feedback | None:
    """The answer to take ``attempt_id``, if any."""
    with db.reading() as conn:
        row = conn.execute(_select().where(feedback.c.attempt_id == attempt_id)).first()
    return _item(db.root, row) if row else None


def get(db: Database, feedback_id: int) -> Feedback | None:
    """Answer ``feedback_id``, if any."""
    if not 0 < feedback_id < 2**63:
        return None
    with db.reading() as conn:
        row = conn.execute(_select().where(feedback.c.id == feedback_id)).first()
    return _item(db.root, row) if row else None


def listing(db: Database, *, learner_id: int | None = None, class_ids: frozenset[int] | None = None,
            class_id: int | None = None, since: datetime | None = None, limit: int = 1000) -> list[Feedback]:
    """Answers, oldest change first: one learner's, or those of the classes a reader sees (``class_ids`` None: all)."""
    query = _select().order_by(feedback.c.updated_at, feedback.c.id).limit(limit)
    if learner_id is not None:
        query = query.where(feedback.c.learner_id == learner_id)
    if class_ids is not None:
        query = query.where(feedback.c.class_id.in_(sorted(class_ids)))
    if class_id is not None:
        query = query.where(feedback.c.class_id == class_id)
    if since is not None:
        query = query.where(feedback.c.updated_at >= since)
    with db.reading() as conn:
        rows = conn.execute(query).all()
    return [_item(db.root, row) for row in rows]


def save(db: Database, attempt: ServerAttempt, who: Identity, *, comment: str, words: tuple[tuple[int, str], ...],
         clip: Path | None = None, clip_seconds: float | None = None, drop_clip: bool = False) -> Feedback:
    """Write (or rewrite) the answer to ``attempt``; a new ``clip`` (a converted FLAC in ``incoming/``) replaces the old one.

    ``drop_clip`` removes the recording without a new one. The old recording's
    file is removed once the new row is committed.

    Raises
    ------
    ApiError
        422 when the answer would be empty (no comment, word or recording).
    ClassroomError
        The database failed; nothing changed.
    """
    folder = db.root / FOLDER / str(attempt.learner_id)
    dest = folder / f"{attempt.id}-{uuid.uuid4().hex[:12]}.flac" if clip is not None else None
    moved, replaced = False, None
    try:
        with db.writing() as conn:
            row = conn.execute(select(feedback.c.id, feedback.c.audio, feedback.c.audio_seconds)
                               .where(feedback.c.attempt_id == attempt.id).with_for_update()).first()
            audio, seconds = (row.audio, row.audio_seconds) if row is not None and not drop_clip else (None, None)
            if dest is not None:
                audio, seconds = dest.relative_to(db.root).as_posix(), clip_seconds
            if row is not None and row.audio and row.audio != audio:
                replaced = row.audio
            if not comment and not words and audio is None:
                raise ApiError(422, "the answer is empty", hint="write a comment, mark a word or attach a recording")
            values = {"comment": comment, "words": json.dumps([{"index": i, "text": t} for i, t in words], ensure_ascii=False),
                      "audio": audio, "audio_seconds": seconds, "teacher_id": who.teacher_id, "updated_at": now()}
            if row is None:
                conn.execute(insert(feedback).values(attempt_id=attempt.id, learner_id=attempt.learner_id,
                                                     class_id=attempt.class_id, created_at=values["updated_at"], **values))
            else:
                conn.execute(update(feedback).where(feedback.c.id == row.id).values(**values))
            if clip is not None and dest is not None:
                folder.mkdir(parents=True, exist_ok=True)
                os.replace(clip, dest)
                moved = True
                fsync_path(folder)
    except BaseException:
        if moved and dest is not None:
            dest.unlink(missing_ok=True)
        raise
    _remove_clip(db.root, replaced)
    found = of_attempt(db, attempt.id)
    if found is None:
        raise ApiError(409, "the answer was removed meanwhile", hint="write it again")
    return found


def remove(db: Database, attempt_id: int) -> bool:
    """Delete the answer to take ``attempt_id`` and its recording; False when there was none."""
    with db.writing() as conn:
        audio = conn.execute(delete(feedback).where(feedback.c.attempt_id == attempt_id).returning(feedback.c.audio)).first()
    if audio is None:
        return False
    _remove_clip(db.root, audio[0])
    return True


def _remove_clip(root: Path, stored: Any) -> None:
    """Delete a teacher's recording that an answer named — only a file of ``feedback/`` (a hostile row names others)."""
    path = inside_store(root, stored, FOLDER)
    if path is not None:
        path.unlink(missing_ok=True)


def answered(db: Database, attempt_ids: list[int]) -> set[int]:
    """Which of ``attempt_ids`` have an answer."""
    if not attempt_ids:
        return set()
    with db.reading() as conn:
        return set(conn.execute(select(feedback.c.attempt_id).where(feedback.c.attempt_id.in_(attempt_ids))).scalars())

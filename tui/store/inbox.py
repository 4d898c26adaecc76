"""What the teacher sent, kept in the attempts database: answers to takes and assignments, per class server.

:mod:`tui.client.inbox` fetches them; the app and the CLI read them here,
offline too. An answer is matched to the learner's own attempt through the
outbox (the ``client_attempt_id`` the take was uploaded with); it is unseen
until Review shows it, and unseen again when the teacher changes it. The
teacher's recording is downloaded to ``<data dir>/feedback/``. Assignments are
replaced as a whole at each fetch (a withdrawn one disappears); a phrase of an
assignment is done when a take of it recorded since it was set scored at
least the target, here or as the server saw it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tui.store.schema import utc_text
from tui.store.shared import SharedConnection

FEEDBACK_DIR = "feedback"
_NOTE_COLUMNS = ("server, id, client_attempt_id, pack_id, phrase_id, text, comment, words_json, author, audio_url, audio,"
                 " updated_at, seen_at")
_ASSIGNMENT_COLUMNS = ("server, id, pack_id, pack_version, title, phrases_json, due_on, target, author, assigned_at,"
                       " server_best_json")


@dataclass(frozen=True, kw_only=True)
class TeacherNote:
    """A teacher's answer to one of the learner's takes.

    Attributes
    ----------
    server : str
        The class server's address.
    id : int
        The server's id of the answer.
    client_attempt_id : str
        The take it answers (the id it was uploaded with).
    pack_id, phrase_id, text : str
    comment : str
    words : tuple of str
        The words to work on.
    author : str
        The teacher's name.
    audio_url : str or None
        Where the teacher's recording is fetched from.
    audio : Path or None
        The recording once downloaded.
    updated_at : datetime
    seen : bool
        Review showed it since it last changed.
    """

    server: str
    id: int
    client_attempt_id: str
    pack_id: str
    phrase_id: str
    text: str
    comment: str
    words: tuple[str, ...]
    author: str
    audio_url: str | None
    updated_at: datetime
    audio: Path | None = None
    seen: bool = False


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """Work the teacher set: phrases of a pack, due on a day, each to reach a target score.

    ``server_best`` holds each phrase's best score since it was set as the
    server saw it (takes uploaded from another computer count too).
    """

    server: str
    id: int
    pack_id: str
    pack_version: str
    title: str
    phrases: tuple[tuple[str, str], ...]
    due_on: date
    target: int
    author: str
    assigned_at: datetime
    server_best: dict[str, float | None] = field(default_factory=dict)

    @property
    def phrase_ids(self) -> tuple[str, ...]:
        """The assigned phrases' ids, in lesson order."""
        return tuple(phrase_id for phrase_id, _ in self.phrases)


@dataclass(frozen=True)
class Progress:
    """How far the learner is with an assignment: each phrase's best score since it was set (None: not tried)."""

    assignment: Assignment
    best: tuple[float | None, ...]

    @property
    def reached(self) -> int:
        """Phrases at or above the target."""
        return sum(score is not None and score >= self.assignment.target for score in self.best)

    @property
    def done(self) -> bool:
        """Every phrase reached the target."""
        return self.reached == len(self.best)

    def phrase_done(self, phrase_id: str) -> bool:
        """Whether ``phrase_id`` reached the target."""
        for (assigned, _), score in zip(self.assignment.phrases, self.best):
            if assigned == phrase_id:
                return score is not None and score >= self.assignment.target
        return False


def server_key(server: str) -> str:
    """A short folder name for a server's files."""
    return hashlib.sha256(server.encode()).hexdigest()[:12]


class Inbox(SharedConnection):
    """The inbox of the attempts database in ``data_dir``; safe to share between threads.

    Raises
    ------
    StoreError
        The database cannot be opened or migrated.
    """

    def audio_path(self, note: TeacherNote) -> Path:
        """Where the teacher's recording of ``note`` is kept (named after its version, so a changed one is fetched again)."""
        stamp = note.updated_at.strftime("%Y%m%dT%H%M%S%f")
        return self.data_dir / FEEDBACK_DIR / server_key(note.server) / f"{note.id}-{stamp}.flac"

    # ---- answers -----------------------------------------------------------------

    def cursor(self, server: str) -> datetime | None:
        """When the newest answer kept from ``server`` last changed (None: none yet)."""
        rows = self._read("SELECT max(updated_at) FROM feedback WHERE server = ?", (server,))
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def keep_notes(self, notes: Sequence[TeacherNote]) -> list[TeacherNote]:
        """Keep fetched answers; those new or changed since kept are returned (and unseen)."""
        changed = []
        with self._writing() as conn:
            for note in notes:
                row = conn.execute("SELECT updated_at FROM feedback WHERE server = ? AND id = ?", (note.server, note.id)).fetchone()
                if row is not None and row[0] == utc_text(note.updated_at):
                    continue
                conn.execute(
                    f"INSERT OR REPLACE INTO feedback ({_NOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                    (note.server, note.id, note.client_attempt_id, note.pack_id, note.phrase_id, note.text, note.comment,
                     json.dumps(note.words, ensure_ascii=False), note.author, note.audio_url, utc_text(note.updated_at)))
                changed.append(note)
        return changed

    def set_audio(self, note: TeacherNote, path: Path | None) -> None:
        """The teacher's recording of ``note`` is at ``path`` now (None: it cannot be had; it is not asked for again)."""
        with self._writing() as conn:
            if path is None:
                conn.execute("UPDATE feedback SET audio_url = NULL WHERE server = ? AND id = ? AND updated_at = ?",
                             (note.server, note.id, utc_text(note.updated_at)))
                return
            conn.execute("UPDATE feedback SET audio = ? WHERE server = ? AND id = ? AND updated_at = ?",
                         (str(path), note.server, note.id, utc_text(note.updated_at)))

    def missing_audio(self, server: str) -> list[TeacherNote]:
        """Answers from ``server`` whose recording is not downloaded yet."""
        return self._notes("WHERE server = ? AND audio_url IS NOT NULL AND audio IS NULL ORDER BY updated_at", (server,))

    def notes(self, server: str) -> list[TeacherNote]:
        """Every answer kept from ``server``, the latest change first."""
        return self._notes("WHERE server = ? ORDER BY updated_at DESC, id DESC", (server,))

    def notes_by_attempt(self, server: str, attempt_ids: Sequence[int] | None = None) -> dict[int, TeacherNote]:
        """Answers from ``server`` by the local attempt they answer (of ``attempt_ids``, or all)."""
        sql = (f"SELECT o.attempt_id, {', '.join('f.' + c.strip() for c in _NOTE_COLUMNS.split(','))} FROM feedback f"
               " JOIN outbox o ON o.client_attempt_id = f.client_attempt_id WHERE f.server = ?")
        params: tuple[Any, ...] = (server,)
        if attempt_ids is not None:
            ids = [int(i) for i in attempt_ids]
            if not ids:
                return {}
            sql += f" AND o.attempt_id IN ({', '.join('?' * len(ids))})"
            params += tuple(ids)
        return {int(row[0]): _note(row[1:]) for row in self._read(sql, params)}

    def unseen(self, server: str) -> int:
        """Answers from ``server`` that Review has not shown since they last changed."""
        rows = self._read("SELECT count(*) FROM feedback WHERE server = ? AND seen_at IS NULL", (server,))
        return int(rows[0][0])

    def mark_seen(self, note: TeacherNote) -> bool:
        """Review showed ``note``; False when it was seen already (or changed meanwhile)."""
        with self._writing() as conn:
            return conn.execute("UPDATE feedback SET seen_at = ? WHERE server = ? AND id = ? AND updated_at = ? AND seen_at IS NULL",
                                (utc_text(), note.server, note.id, utc_text(note.updated_at))).rowcount > 0

    # ---- assignments ---------------------------------------------------------------

    def keep_assignments(self, server: str, assignments: Sequence[Assignment]) -> None:
        """``server``'s assignments are now exactly ``assignments`` (withdrawn ones go)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM assignments WHERE server = ?", (server,))
            conn.executemany(
                f"INSERT INTO assignments ({_ASSIGNMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(server, a.id, a.pack_id, a.pack_version, a.title, json.dumps(a.phrases, ensure_ascii=False),
                  a.due_on.isoformat(), a.target, a.author, utc_text(a.assigned_at), json.dumps(a.server_best))
                 for a in assignments])

    def assignments(self, server: str) -> list[Assignment]:
        """``server``'s assignments, the soonest due first."""
        rows = self._read(f"SELECT {_ASSIGNMENT_COLUMNS} FROM assignments WHERE server = ? ORDER BY due_on, id", (server,))
        return [_assignment(row) for row in rows]

    def progress(self, assignment: Assignment) -> Progress:
        """Each phrase's best score since the assignment was set: the better of this computer's takes and the server's view."""
        ids = assignment.phrase_ids
        rows = self._read(
            f"SELECT phrase_id, max(overall) FROM attempts WHERE pack_id = ? AND created_at >= ?"
            f" AND phrase_id IN ({', '.join('?' * len(ids))}) GROUP BY phrase_id",
            (assignment.pack_id, utc_text(assignment.assigned_at), *ids)) if ids else []
        local = {phrase_id: float(best) for phrase_id, best in rows}
        best = []
        for phrase_id in ids:
            found = [value for value in (local.get(phrase_id), assignment.server_best.get(phrase_id)) if value is not None]
            best.append(max(found) if found else None)
        return Progress(assignment, tuple(best))

    def _notes(self, where: str, params: tuple[Any, ...]) -> list[TeacherNote]:
        return [_note(row) for row in self._read(f"SELECT {_NOTE_COLUMNS} FROM feedback {where}", params)]


def _note(row: Sequence[Any]) -> TeacherNote:
    server, id, client_id, pack, phrase, text, comment, words, author, audio_url, audio, updated, seen = row
    return TeacherNote(server=server, id=int(id), client_attempt_id=client_id, pack_id=pack, phrase_id=phrase, text=text,
                       comment=comment, words=tuple(str(w) for w in json.loads(words)), author=author, audio_url=audio_url,
                       audio=Path(audio) if audio else None, updated_at=datetime.fromisoformat(updated), seen=seen is not None)


def _assignment(row: Sequence[Any]) -> Assignment:
    server, id, pack, version, title, phrases, due, target, author, assigned, best = row
    return Assignment(server=server, id=int(id), pack_id=pack, pack_version=version, title=title,
                      phrases=tuple((str(p), str(t)) for p, t in json.loads(phrases)), due_on=date.fromisoformat(due),
                      target=int(target), author=author, assigned_at=datetime.fromisoformat(assigned),
                      server_best={str(k): (None if v is None else float(v)) for k, v in json.loads(best).items()})

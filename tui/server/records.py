"""Stored takes on the server: one row per ``client_attempt_id``, its recording in ``recordings/``.

A take is stored like a local attempt: its file is fsynced and renamed into
place before its row commits, inside the write transaction that also checks
the ``client_attempt_id``, so a retry finds the first row and a crash leaves
either no row (the retry then replaces the file) or a row whose file exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.fsio import fsync_path
from tui.scoring.score import Score
from tui.server.db import Database
from tui.server.meta import AttemptMeta
from tui.store.schema import utc_text

_COLUMNS = (
    "a.id, a.learner_id, l.name, a.client_attempt_id, a.pack_id, a.pack_version, a.phrase_id, a.text, a.lang,"
    " a.recorded_at, a.created_at, a.audio, a.duration, a.reference, a.score_json, a.client_score_json"
)
_FROM = "FROM attempts a JOIN learners l ON l.id = a.learner_id"


@dataclass(frozen=True)
class ServerAttempt:
    """One take as the server stored it.

    Attributes
    ----------
    id : int
    learner_id : int
    learner : str
        The learner's name.
    client_attempt_id : str
    pack, pack_version, phrase_id, text, lang : str
    recorded_at, created_at : datetime
        When the learner recorded it, and when the server stored it (UTC).
    audio : Path
        The stored recording (absolute).
    duration : float
        Seconds.
    reference : Path
        The reference the server scored it against (absolute).
    score : Score
        The server's score: the one teachers see.
    client_score : Score or None
        The score the learner's app showed.
    """

    id: int
    learner_id: int
    learner: str
    client_attempt_id: str
    pack: str
    pack_version: str
    phrase_id: str
    text: str
    lang: str
    recorded_at: datetime
    created_at: datetime
    audio: Path
    duration: float
    reference: Path
    score: Score
    client_score: Score | None

    def to_api(self) -> dict[str, Any]:
        """The JSON of ``GET /api/v1/attempts``."""
        return {
            "id": self.id,
            "learner": self.learner,
            "client_attempt_id": self.client_attempt_id,
            "pack": self.pack,
            "pack_version": self.pack_version,
            "phrase_id": self.phrase_id,
            "text": self.text,
            "lang": self.lang,
            "recorded_at": self.recorded_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "duration": self.duration,
            "score": self.score.to_dict(),
            "client_score": self.client_score.to_dict() if self.client_score else None,
            "audio_url": f"/api/v1/attempts/{self.id}/audio",
        }


def find(db: Database, client_attempt_id: str) -> ServerAttempt | None:
    """The take stored under ``client_attempt_id``, if any."""
    with db.reading() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE a.client_attempt_id = ?", (client_attempt_id,)).fetchone()
    return _attempt(db, row) if row else None


def get(db: Database, attempt_id: int) -> ServerAttempt | None:
    """The take with this id, if any."""
    with db.reading() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", (attempt_id,)).fetchone()
    return _attempt(db, row) if row else None


def listing(db: Database, *, learner: str | None = None, pack: str | None = None, phrase: str | None = None,
            since: datetime | None = None, newest: int | None = None) -> list[ServerAttempt]:
    """Stored takes, oldest first, filtered by learner name, pack id, phrase id and stored-at time.

    With ``newest``, only that many of the latest matching takes (still oldest first).
    """
    clauses, params = [], []
    for column, value in (("l.name", learner), ("a.pack_id", pack), ("a.phrase_id", phrase)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        clauses.append("a.created_at >= ?")
        params.append(utc_text(since))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with db.reading() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} {_FROM}{where} ORDER BY a.id DESC LIMIT ?",
                            (*params, -1 if newest is None else newest)).fetchall()
    return [_attempt(db, row) for row in reversed(rows)]


def store(db: Database, *, learner_id: int, meta: AttemptMeta, staged: Path, suffix: str, score: Score,
          duration: float, reference: Path) -> tuple[ServerAttempt, bool]:
    """Keep an uploaded take; ``(attempt, created)`` — ``created`` is False when it was already stored.

    Parameters
    ----------
    learner_id : int
        Who uploaded it.
    meta : AttemptMeta
        What was practised, with the ``client_attempt_id``.
    staged : Path
        The received recording in ``incoming/`` (same file system); moved on success.
    suffix : str
        ``.wav``, ``.flac`` or ``.ogg``.
    score : Score
        The server's score.
    duration : float
        Seconds of audio.
    reference : Path
        What it was scored against, inside the server root.

    Raises
    ------
    ClassroomError
        The database failed; nothing was stored.
    OSError
        The recording could not be placed; nothing was stored.
    """
    dest = db.recordings_dir / str(learner_id) / f"{meta.client_attempt_id}{suffix}"
    fsync_path(staged)
    with db.writing() as conn:
        existing = conn.execute("SELECT id FROM attempts WHERE client_attempt_id = ?", (meta.client_attempt_id,)).fetchone()
        if existing is None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, dest)  # a retry after a crash between this and COMMIT replaces the orphan
            try:
                fsync_path(dest.parent)
                cursor = conn.execute(
                    "INSERT INTO attempts (learner_id, client_attempt_id, pack_id, pack_version, phrase_id, text, lang,"
                    " recorded_at, created_at, audio, audio_bytes, duration, reference, overall, score_json,"
                    " client_score_json, scorer_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        learner_id, meta.client_attempt_id, meta.pack, meta.pack_version, meta.phrase_id, meta.text,
                        meta.lang, utc_text(meta.recorded_at), utc_text(), dest.relative_to(db.root).as_posix(),
                        dest.stat().st_size, float(duration), reference.relative_to(db.root).as_posix(),
                        float(score.overall), score.to_json(), meta.score.to_json() if meta.score else None,
                        score.scorer_version,
                    ),
                )
            except BaseException:
                dest.unlink(missing_ok=True)
                raise
    if existing is not None:
        found = get(db, int(existing[0]))
        assert found is not None  # rows are never deleted
        return found, False
    created = get(db, int(cursor.lastrowid or 0))
    assert created is not None
    return created, True


def _attempt(db: Database, row: tuple[Any, ...]) -> ServerAttempt:
    (id, learner_id, learner, client_id, pack, version, phrase, text, lang, recorded, created, audio, duration,
     reference, score, client_score) = row
    return ServerAttempt(
        id=id, learner_id=learner_id, learner=learner, client_attempt_id=client_id, pack=pack, pack_version=version,
        phrase_id=phrase, text=text, lang=lang, recorded_at=datetime.fromisoformat(recorded),
        created_at=datetime.fromisoformat(created), audio=db.root / audio, duration=duration,
        reference=db.root / reference, score=Score.from_json(score),
        client_score=Score.from_json(client_score) if client_score else None,
    )

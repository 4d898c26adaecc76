"""Stored takes on the server: one row per ``client_attempt_id``, its recording in ``recordings/``.

A take is stored like a local attempt: its file is fsynced and moved into
place inside the write transaction that inserts its row, after the insert
claimed the ``client_attempt_id`` (a concurrent retry waits for that claim,
then finds the first row), so a crash leaves either no row (the retry then
replaces the file) or a row whose file exists.

A take is ``pending`` until scored (``mark_scored``, which also refreshes its
learner's summary of that phrase in the same transaction) or ``failed``
(``mark_failed``); a take scored before it is stored is added as ``scored``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Select, insert, or_, select, update

from tui.errors import ClassroomError
from tui.fsio import fsync_path
from tui.scoring.score import Score
from tui.server import scores, summaries
from tui.server.accounts import now
from tui.server.db import Database, StoreConflict
from tui.server.meta import AttemptMeta
from tui.server.schema import attempts, classes, learners

MAX_ID = 2**63 - 1
BATCH = 5000


@dataclass(frozen=True)
class TakeScore:
    """What scoring a take gave: its score, the seconds of audio, the reference it was scored against (absolute)."""

    score: Score
    duration: float
    reference: Path


@dataclass(frozen=True)
class Filters:
    """Which takes a listing holds.

    Attributes
    ----------
    class_ids : frozenset of int or None
        The classes the reader may see (None: every class).
    class_id : int or None
        Only this class.
    learner, pack, phrase : str or None
        Learner name, pack id, phrase id.
    since : datetime or None
        Stored at or after this time.
    learner_id : int or None
        Only this learner's takes.
    recorded_from, recorded_before : datetime or None
        Recorded at or after, and before, these times.
    state : str or None
        ``visible`` (not hidden), ``hidden`` or ``flagged`` takes only.
    """

    class_ids: frozenset[int] | None = None
    class_id: int | None = None
    learner: str | None = None
    pack: str | None = None
    phrase: str | None = None
    since: datetime | None = None
    learner_id: int | None = None
    recorded_from: datetime | None = None
    recorded_before: datetime | None = None
    state: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServerAttempt:
    """One take as the server stored it.

    Attributes
    ----------
    id, learner_id, class_id : int
    learner, class_name : str
        The learner's and the class's names.
    client_attempt_id : str
    pack, pack_version, phrase_id, text, lang : str
    recorded_at, created_at : datetime or None
        When the learner recorded it, and when the server stored it (UTC; None when a row holds no time).
    status : str
        ``pending``, ``scored`` or ``failed``.
    audio : Path or None
        The stored recording (absolute; None when the row names no file of the store).
    duration : float or None
        Seconds (None until scored).
    reference : Path or None
        What the server scored it against (absolute; None until scored).
    score : Score or None
        The server's score, the one teachers see (None unless scored).
    client_score : Score or None
        The score the learner's app showed.
    error : str or None
        Why scoring failed.
    hidden_at, flagged_at : datetime or None
        When a teacher hid the take (it then leaves the summaries) or flagged it.
    """

    id: int
    learner_id: int
    learner: str
    class_id: int
    class_name: str
    client_attempt_id: str
    pack: str
    pack_version: str
    phrase_id: str
    text: str
    lang: str
    recorded_at: datetime | None
    created_at: datetime | None
    status: str
    audio: Path | None
    duration: float | None
    reference: Path | None
    score: Score | None
    client_score: Score | None
    error: str | None
    hidden_at: datetime | None = None
    flagged_at: datetime | None = None


def _select(columns: Sequence[str] | None = None) -> Select[Any]:
    """Takes with their learner's and class's names; only ``columns`` of ``attempts`` (and ``id``) when given."""
    chosen = [attempts] if columns is None else [attempts.c.id, *(attempts.c[name] for name in columns if name != "id")]
    return (select(*chosen, learners.c.name.label("learner"), classes.c.name.label("class_name"))
            .join(learners, learners.c.id == attempts.c.learner_id)
            .join(classes, classes.c.id == attempts.c.class_id))


def inside_store(root: Path, stored: Any, *folders: str) -> Path | None:
    """``root / stored`` when ``stored`` names a file inside one of ``folders`` of the store, else None (a hostile row)."""
    if not isinstance(stored, str) or not stored:
        return None
    path = root / stored
    if ".." in Path(stored).parts or Path(stored).is_absolute() or not any(
            path.is_relative_to(root / folder) for folder in folders):
        return None
    return path


def stored_text(value: Any) -> str:
    """A stored text as text, whatever the row holds ("" for NULL)."""
    return value if isinstance(value, str) else "" if value is None else str(value)


def stored_seconds(value: Any) -> float | None:
    """A stored length in seconds when it is one (finite, 0 to an hour), else None."""
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 3600 else None


def from_row(root: Path, row: Row[Any]) -> ServerAttempt:
    """A :class:`ServerAttempt` from a row of :func:`rows` (paths made absolute under ``root``).

    Whatever a row holds, this does not fail: a score that is not valid is
    None, a path that leads outside the store is None, texts are texts.
    """
    status = row.status if row.status in ("pending", "scored", "failed") else "failed"
    return ServerAttempt(
        id=row.id, learner_id=row.learner_id, learner=stored_text(row.learner), class_id=row.class_id,
        class_name=stored_text(row.class_name), client_attempt_id=stored_text(row.client_attempt_id), pack=stored_text(row.pack_id),
        pack_version=stored_text(row.pack_version), phrase_id=stored_text(row.phrase_id), text=stored_text(row.text), lang=stored_text(row.lang),
        recorded_at=row.recorded_at, created_at=row.created_at, status=status,
        audio=inside_store(root, row.audio, "recordings"), duration=stored_seconds(row.duration),
        reference=inside_store(root, row.reference, "references", "packs"),
        score=scores.stored(row.score_json) if status == "scored" else None,
        client_score=scores.stored(row.client_score_json), error=stored_text(row.error) or None,
        hidden_at=row.hidden_at, flagged_at=row.flagged_at,
    )


def find(db: Database, client_attempt_id: str) -> ServerAttempt | None:
    """The take stored under ``client_attempt_id``, if any."""
    with db.reading() as conn:
        row = conn.execute(_select().where(attempts.c.client_attempt_id == client_attempt_id)).first()
    return from_row(db.root, row) if row else None


def get(db: Database, attempt_id: int) -> ServerAttempt | None:
    """The take with this id, if any."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    with db.reading() as conn:
        row = conn.execute(_select().where(attempts.c.id == attempt_id)).first()
    return from_row(db.root, row) if row else None


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.class_ids is not None:
        query = query.where(attempts.c.class_id.in_(sorted(filters.class_ids)))
    for column, value in ((attempts.c.class_id, filters.class_id), (learners.c.name, filters.learner),
                          (attempts.c.pack_id, filters.pack), (attempts.c.phrase_id, filters.phrase),
                          (attempts.c.learner_id, filters.learner_id)):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(attempts.c.created_at >= filters.since)
    if filters.recorded_from is not None:
        query = query.where(attempts.c.recorded_at >= filters.recorded_from)
    if filters.recorded_before is not None:
        query = query.where(attempts.c.recorded_at < filters.recorded_before)
    if filters.state in STATES:
        query = query.where(STATES[filters.state]())
    return query


STATES = {"visible": lambda: attempts.c.hidden_at.is_(None), "hidden": lambda: attempts.c.hidden_at.is_not(None),
          "flagged": lambda: attempts.c.flagged_at.is_not(None)}
"""What :attr:`Filters.state` may name, and the takes it keeps."""


def selection(filters: Filters, columns: Sequence[str] | None = None) -> Select[Any]:
    """The takes ``filters`` selects (only ``columns`` of ``attempts``, and ``id``, when given), unordered."""
    return _filtered(_select(columns), filters)


def rows(db: Database, filters: Filters, *, columns: Sequence[str] | None = None, batch: int = BATCH) -> Iterator[Any]:
    """Matching takes, oldest first, read ``batch`` at a time, each batch in a short read of its own.

    Each row has the ``attempts`` columns (only ``columns`` and ``id`` when
    given), ``learner`` and ``class_name``. No transaction stays open between
    batches, so a slow reader holds no database connection; memory stays flat
    whatever the number of takes.
    """
    after = 0
    query = _filtered(_select(columns), filters).order_by(attempts.c.id).limit(batch)
    while True:
        with db.reading() as conn:
            found = conn.execute(query.where(attempts.c.id > after)).all()
        yield from found
        if len(found) < batch:
            return
        after = found[-1].id


def recent(db: Database, class_id: int, count: int) -> list[ServerAttempt]:
    """The ``count`` latest takes of a class, newest first."""
    with db.reading() as conn:
        found = conn.execute(_select().where(attempts.c.class_id == class_id).order_by(attempts.c.id.desc()).limit(count)).all()
    return [from_row(db.root, row) for row in found]


def _score_values(scored: TakeScore, root: Path) -> dict[str, Any]:
    score = scored.score
    return {"status": "scored", "overall": score.overall, "accuracy": score.accuracy, "fluency": score.fluency,
            "intonation": score.intonation, "completeness": score.completeness, "score_json": score.to_json(),
            "scorer_version": score.scorer_version, "duration": float(scored.duration),
            "reference": scored.reference.relative_to(root).as_posix(), "scored_at": now(), "error": None}


def add(db: Database, *, learner_id: int, meta: AttemptMeta, staged: Path, suffix: str,
        scored: TakeScore | None = None) -> tuple[ServerAttempt, bool]:
    """Keep an uploaded take, ``pending`` or already ``scored``; ``(attempt, created)`` — False when it was already stored.

    Parameters
    ----------
    learner_id : int
        Who uploaded it (the take joins their class).
    meta : AttemptMeta
        What was practised, with the ``client_attempt_id``.
    staged : Path
        The received recording in ``incoming/`` (same file system); moved on success.
    suffix : str
        ``.wav``, ``.flac`` or ``.ogg``.
    scored : TakeScore or None
        The server's score, when the take was scored before it is stored.

    Raises
    ------
    ClassroomError
        The database failed; nothing was stored.
    OSError
        The recording could not be placed; nothing was stored.
    """
    dest = db.recordings_dir / str(learner_id) / f"{meta.client_attempt_id}{suffix}"
    fsync_path(staged)
    values: dict[str, Any] = {
        "learner_id": learner_id, "client_attempt_id": meta.client_attempt_id, "pack_id": meta.pack,
        "pack_version": meta.pack_version, "phrase_id": meta.phrase_id, "text": meta.text, "lang": meta.lang,
        "recorded_at": meta.recorded_at, "created_at": now(), "status": "pending", "submitted_at": now(),
        "audio": dest.relative_to(db.root).as_posix(), "audio_bytes": staged.stat().st_size,
        "client_score_json": meta.score.to_json() if meta.score else None,
        "client_overall": meta.score.overall if meta.score and 0 <= meta.score.overall <= 100 else None,
    }
    if scored is not None:
        values.update(_score_values(scored, db.root))
    moved = False
    try:
        with db.writing() as conn:
            stored = conn.execute(select(attempts.c.id).where(attempts.c.client_attempt_id == meta.client_attempt_id)).scalar()
            if stored is None:
                class_id = conn.execute(select(learners.c.class_id).where(learners.c.id == learner_id)).scalar_one()
                stored = conn.execute(insert(attempts).values(class_id=class_id, **values).returning(attempts.c.id)).scalar_one()
                if scored is not None:
                    summaries.refresh(conn, learner_id, meta.pack, meta.phrase_id)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, dest)  # a retry after a crash between this and COMMIT replaces the orphan
                moved = True
                fsync_path(dest.parent)
    except StoreConflict:
        again = find(db, meta.client_attempt_id)  # a concurrent request stored it first
        if again is None:
            raise
        return again, False
    except BaseException:
        if moved and not _row_holds(db, meta.client_attempt_id):
            dest.unlink(missing_ok=True)
        raise
    found = get(db, int(stored))
    if found is None:
        raise ClassroomError("a stored take vanished", hint="try again")
    return found, moved


def _row_holds(db: Database, client_attempt_id: str) -> bool:
    """Whether a committed row names this take (True when the database cannot tell: then keep the file)."""
    try:
        return find(db, client_attempt_id) is not None
    except ClassroomError:
        return True


def mark_scored(db: Database, attempt_id: int, scored: TakeScore) -> bool:
    """Store the score of a pending take and refresh its summary; False when it was not pending (scored once)."""
    with db.writing() as conn:
        row = conn.execute(update(attempts).where(attempts.c.id == attempt_id, attempts.c.status == "pending")
                           .values(**_score_values(scored, db.root))
                           .returning(attempts.c.learner_id, attempts.c.pack_id, attempts.c.phrase_id)).first()
        if row is not None:
            summaries.refresh(conn, *row)
    return row is not None


def mark_failed(db: Database, attempt_id: int, error: str) -> bool:
    """Record why a pending take cannot be scored; False when it was not pending."""
    with db.writing() as conn:
        done = conn.execute(update(attempts).where(attempts.c.id == attempt_id, attempts.c.status == "pending")
                            .values(status="failed", error=error[:500]).returning(attempts.c.id)).first()
    return done is not None


def pending(db: Database, *, limit: int = BATCH) -> list[int]:
    """Ids of takes still waiting for a score, oldest first."""
    with db.reading() as conn:
        return list(conn.execute(select(attempts.c.id).where(attempts.c.status == "pending")
                                 .order_by(attempts.c.id).limit(limit)).scalars())


def claim(db: Database, *, limit: int, lease: float) -> list[int]:
    """Take up to ``limit`` pending takes nobody scores (never submitted, or their lease of ``lease`` s ran out), oldest first.

    The claim is the take's ``submitted_at``: the claiming node renews it
    (:func:`renew`) while the job runs; a node that went away stops renewing,
    and after ``lease`` seconds another node claims the take. On PostgreSQL
    rows another node is claiming are skipped, not waited for.
    """
    if limit <= 0:
        return []
    started = now()
    free = or_(attempts.c.submitted_at.is_(None), attempts.c.submitted_at < started - timedelta(seconds=lease))
    with db.writing() as conn:
        ids = list(conn.execute(select(attempts.c.id).where(attempts.c.status == "pending", free).order_by(attempts.c.id)
                                .limit(limit).with_for_update(skip_locked=True, key_share=True)).scalars())
        if ids:
            conn.execute(update(attempts).where(attempts.c.id.in_(ids)).values(submitted_at=started))
    return ids


def renew(db: Database, ids: Sequence[int]) -> None:
    """Renew this node's claim on takes it is scoring."""
    for start in range(0, len(ids), 500):
        with db.writing() as conn:
            conn.execute(update(attempts).where(attempts.c.id.in_(ids[start:start + 500]), attempts.c.status == "pending")
                         .values(submitted_at=now()))


def release(db: Database, ids: Sequence[int]) -> None:
    """Give up the claim on takes this node will not score (it is stopping): another node may take them at once."""
    for start in range(0, len(ids), 500):
        with db.writing() as conn:
            conn.execute(update(attempts).where(attempts.c.id.in_(ids[start:start + 500]), attempts.c.status == "pending")
                         .values(submitted_at=None))

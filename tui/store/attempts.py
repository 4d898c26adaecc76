"""The attempts store: one SQLite row per take, its recording in ``recordings/``.

Layout of a data dir::

    attempts.sqlite3            the database (WAL: also -wal and -shm files)
    recordings/incoming/        where the recorder writes; not the store's
    recordings/<pack>/...       recordings of saved attempts
    recordings/orphans/...      files that had no row, set aside by reconcile()

Every write runs in a ``BEGIN IMMEDIATE`` transaction, so writers from several
threads and processes queue up (busy timeout) instead of failing, and
:meth:`AttemptStore.reconcile` never sees a recording whose row is mid-save.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tui.errors import StoreError
from tui.packs.ids import ID_HINT, is_safe_id
from tui.scoring.score import Score
from tui.speech.types import WordTiming
from tui.store import files, stored
from tui.store.files import open_data_dir
from tui.store.records import (
    COLUMNS,
    Attempt,
    PhraseStats,
    ReconcileReport,
    attempt_from_row,
    sub_scores,
    utc,
)
from tui.store.schema import immediate, translate
from tui.store.threads import ThreadConnections

DB_NAME = "attempts.sqlite3"
INCOMING = "incoming"
ORPHANS = "orphans"
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
MAX_ID = 2**63 - 1
"""The largest SQLite integer: no attempt id is above it."""

class AttemptStore:
    """Attempts and their recordings in a data dir; safe across threads and processes.

    Each thread gets its own SQLite connection, opened on first use.

    Parameters
    ----------
    data_dir : Path
        Created if needed. The database is ``data_dir/attempts.sqlite3``.

    Raises
    ------
    StoreError
        The folder or database cannot be created, opened or migrated.
    """

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = open_data_dir(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.recordings_dir = self.data_dir / "recordings"
        self._connections = ThreadConnections(self.db_path)
        self._connections.open()

    @property
    def incoming_dir(self) -> Path:
        """Where the recorder writes takes that are not saved yet."""
        return self.recordings_dir / INCOMING

    @property
    def orphans_dir(self) -> Path:
        """Where :meth:`reconcile` puts recordings that had no row."""
        return self.recordings_dir / ORPHANS

    def close(self) -> None:
        """Close every thread's connection (safely under another thread's statement); the store reopens on next use."""
        self._connections.close()

    def __enter__(self) -> AttemptStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_attempt(
        self,
        *,
        recording_path: str | os.PathLike[str],
        pack_id: str,
        pack_version: str,
        phrase_id: str,
        text: str,
        recorder: str,
        duration: float,
        score: Score,
        reference_audio: str | os.PathLike[str] | None = None,
        words: Sequence[WordTiming] = (),
        created_at: datetime | None = None,
        lang: str = "",
    ) -> Attempt:
        """Keep a take: move its recording into ``recordings/<pack>/``, then commit its row.

        The recording is fsynced (file and folders) before the row commits, so a
        crash leaves either no row (the file is then an orphan that
        :meth:`reconcile` sets aside) or a row whose file exists. A recording
        from outside ``recordings/`` is copied, not moved.

        Parameters
        ----------
        recording_path : path
            The finished recording, normally in ``recordings/incoming/``.
        pack_id, pack_version, phrase_id, text : str
            What was practised.
        recorder : str
            Name of the recorder that took it.
        duration : float
            Length in seconds.
        score : Score
            The comparison result.
        reference_audio : path, optional
            The reference it was scored against, kept for ``review --rescore``.
        words : sequence of WordTiming
            The phrase's word boundaries in that reference.
        created_at : datetime, optional
            When the take happened (default: now); naive means UTC.
        lang : str, optional
            BCP 47 language of the phrase (the pack's), so ``review --rescore``
            can score it with text and language again ("" = unknown).

        Returns
        -------
        Attempt
            The saved attempt, with its id and final recording path.

        Raises
        ------
        StoreError
            The recording is missing, or the disk is full or not writable. The
            database is then unchanged and the message says where the
            recording is.
        """
        for what, value in (("pack", pack_id), ("phrase", phrase_id)):
            if not is_safe_id(value):
                raise StoreError(f"the {what} id {value!r} is not a safe id; the take was not saved", hint=ID_HINT)
        source = Path(recording_path).absolute()
        if not source.is_file():
            raise StoreError(f"the recording {source} does not exist", hint="record the take again")
        when = utc(created_at or datetime.now(UTC))
        name = f"{when:%Y%m%dT%H%M%S%f}-{files.safe_name(phrase_id)}-{uuid.uuid4().hex[:8]}{source.suffix or '.wav'}"
        folder = files.safe_name(pack_id)
        dest = self.recordings_dir / (f"pack-{folder}" if folder in (INCOMING, ORPHANS) else folder) / name
        keep_source = not source.resolve().is_relative_to(self.recordings_dir.resolve())
        words_json = json.dumps([{"text": w.text, "start": w.start, "end": w.end} for w in words])
        reference = str(Path(reference_audio).absolute()) if reference_audio is not None else None
        files.check_inside(dest.parent, self.recordings_dir, what="the take was not saved")
        with self._connections.using() as conn:
            placement = None
            try:
                conn.execute("BEGIN IMMEDIATE")
                placement = files.place(source, dest, keep_source=keep_source)
                cursor = conn.execute(
                    "INSERT INTO attempts (created_at, pack_id, pack_version, phrase_id, text, recorder, audio,"
                    " duration, overall, accuracy, fluency, intonation, completeness, score_json, scorer_version,"
                    " reference_audio, words_json, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        when.isoformat(),
                        pack_id,
                        str(pack_version),
                        phrase_id,
                        text,
                        recorder,
                        dest.relative_to(self.data_dir).as_posix(),
                        float(duration),
                        *sub_scores(score),
                        score.to_json(),
                        score.scorer_version,
                        reference,
                        words_json,
                        str(lang),
                    ),
                )
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                kept = files.unplace(placement) if placement else source
                if isinstance(exc, sqlite3.Error):
                    error = translate(exc, self.db_path)
                    raise StoreError(
                        f"{error.message}; the take was not saved", hint=f"{error.hint}; the recording is kept at {kept}"
                    ) from exc
                if isinstance(exc, OSError):
                    fix = (
                        "free some disk space" if exc.errno in _NO_SPACE else f"make {self.recordings_dir} writable by you"
                    )
                    raise StoreError(
                        f"could not store the recording in {dest.parent}: {exc.strerror or exc}; the take was not saved",
                        hint=f"{fix}; the recording is kept at {kept}",
                    ) from exc
                raise
            files.finish(placement)
            return self.get(int(cursor.lastrowid or 0))

    def attempts(self, pack: str | None = None, phrase: str | None = None) -> list[Attempt]:
        """Saved attempts, oldest first, optionally only of one pack and/or phrase id."""
        clauses, params = [], []
        if pack is not None:
            clauses.append("pack_id = ?")
            params.append(pack)
        if phrase is not None:
            clauses.append("phrase_id = ?")
            params.append(phrase)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM attempts{where} ORDER BY id", params).fetchall()
        return [attempt_from_row(self.data_dir, row) for row in rows]

    def get(self, id: int) -> Attempt:
        """The attempt with this id; :class:`StoreError` when there is none."""
        if not 0 < id <= MAX_ID:
            raise StoreError(f"there is no attempt {id}", hint="`pronounce review` lists the attempt ids")
        with self._reading() as conn:
            row = conn.execute(f"SELECT {COLUMNS} FROM attempts WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise StoreError(f"there is no attempt {id}", hint="`pronounce review` lists the attempt ids")
        return attempt_from_row(self.data_dir, row)

    def delete(self, id: int) -> Attempt:
        """Remove attempt ``id`` and then its recording; return what was removed.

        The row goes first: if removing the file fails (or the process dies
        in between) the file is an orphan that :meth:`reconcile` sets aside.
        Only a file inside ``recordings/`` is ever removed: a row whose path
        leads elsewhere (a hand-edited database) is deleted, its file left alone.

        Raises
        ------
        StoreError
            No such attempt; or the row was deleted but its file was left
            (outside the recordings folder, or not removable).
        """
        attempt = self.get(id)
        with self._writing() as conn:
            if conn.execute("DELETE FROM attempts WHERE id = ?", (id,)).rowcount == 0:
                raise StoreError(f"there is no attempt {id}", hint="`pronounce review` lists the attempt ids")
        if not self._is_recording(attempt.audio):
            raise StoreError(
                f"attempt {id} was deleted, but its recording path {attempt.audio} lies outside "
                f"{self.recordings_dir}, so that file was left alone",
                hint="the database was edited by hand; check that file yourself",
            )
        try:
            attempt.audio.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                f"attempt {id} was deleted but its recording {attempt.audio} could not be removed: {exc.strerror}",
                hint="remove the file by hand",
            ) from exc
        return attempt

    def _is_recording(self, path: Path) -> bool:
        """True when ``path`` names an entry inside ``recordings/`` (its folders resolved, the entry itself not)."""
        try:
            folder = path.parent.resolve()
            return path.name not in ("", ".", "..") and folder.is_relative_to(self.recordings_dir.resolve())
        except (OSError, ValueError):
            return False

    def update_score(self, id: int, score: Score) -> Attempt:
        """Replace the score of attempt ``id`` (after re-scoring); return the attempt."""
        self.get(id)
        with self._writing() as conn:
            changed = conn.execute(
                "UPDATE attempts SET overall = ?, accuracy = ?, fluency = ?, intonation = ?, completeness = ?,"
                " score_json = ?, scorer_version = ? WHERE id = ?",
                (*sub_scores(score), score.to_json(), score.scorer_version, id),
            ).rowcount
        if changed == 0:
            raise StoreError(f"there is no attempt {id}", hint="`pronounce review` lists the attempt ids")
        return self.get(id)

    def phrase_stats(self, pack_id: str, phrase_id: str) -> PhraseStats:
        """Attempts, best, last, mean of the last five and trend of one phrase."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT overall FROM attempts WHERE pack_id = ? AND phrase_id = ? ORDER BY id", (pack_id, phrase_id)
            ).fetchall()
        return PhraseStats.from_scores([row[0] for row in rows if _is_score(row[0])])

    def score_history(self, pack_id: str) -> dict[str, list[tuple[datetime, float]]]:
        """Per phrase id of a pack, ``(created_at, overall)`` of each attempt, oldest first.

        A light read for scheduling: no score JSON is parsed.
        """
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT phrase_id, created_at, overall FROM attempts WHERE pack_id = ? ORDER BY id", (pack_id,)
            ).fetchall()
        history: dict[str, list[tuple[datetime, float]]] = {}
        for phrase_id, created, overall in rows:
            try:
                entry = (stored.date(created), stored.number(overall, low=0.0, high=100.0))
            except stored.Damaged:
                continue  # a damaged row: `pronounce review` shows it, scheduling skips it
            history.setdefault(phrase_id, []).append(entry)
        return history

    def reconcile(self) -> ReconcileReport:
        """Match rows and recording files after a crash or a hand edit; never delete audio.

        - A row whose file vanished is kept and marked ``missing`` (its scores
          still count); if the file comes back the mark is cleared.
        - A file under ``recordings/`` with no row (a save cut short by a
          crash, a row deleted while its file could not be) is moved to
          ``recordings/orphans/`` keeping its relative path, for the user to
          listen to or remove. ``recordings/incoming/`` is the recorder's and
          is left alone.

        Runs inside a write transaction, so it cannot race a save.
        """
        missing, restored, orphans = [], [], []
        with self._writing() as conn:
            referenced = set()
            for id, audio, was_missing in conn.execute("SELECT id, audio, missing FROM attempts").fetchall():
                referenced.add(audio)
                exists = files.names_a_file(self.data_dir, audio)
                if was_missing and exists:
                    restored.append(id)
                elif not was_missing and not exists:
                    missing.append(id)
            conn.executemany("UPDATE attempts SET missing = 1 WHERE id = ?", [(i,) for i in missing])
            conn.executemany("UPDATE attempts SET missing = 0 WHERE id = ?", [(i,) for i in restored])
            for path in files.unreferenced(self.data_dir, self.recordings_dir, referenced, skip=(INCOMING, ORPHANS)):
                orphans.append(files.set_aside(path, self.recordings_dir, self.orphans_dir))
        return ReconcileReport(tuple(missing), tuple(restored), tuple(orphans))

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._connections.using() as used, immediate(used, lambda exc: translate(exc, self.db_path)) as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._connections.using() as conn:
            try:
                yield conn
            except sqlite3.Error as exc:
                raise translate(exc, self.db_path) from exc


def _is_score(value: object) -> bool:
    """A stored overall score that can be counted (a damaged one is skipped, as in scheduling)."""
    try:
        stored.number(value, low=0.0, high=100.0)
    except stored.Damaged:
        return False
    return True

"""The upload outbox: saved takes waiting to reach the class server, in the attempts database.

Each queued attempt has one row, keyed by its attempt id, with a random
``client_attempt_id`` (UUID) that the server uses to recognise a retry: the
same take sent twice is stored once. A row is ``pending`` (waiting, possibly
after failed tries, with the time of its next try), ``sent`` (with the
server's id) or ``failed`` (refused for good, with the reason in words).

``outbox_since`` remembers, from ``pronounce login`` on, which attempts belong
in the outbox: every attempt with a larger id. :meth:`Outbox.unqueued` finds
those that were saved but never queued (the app was killed in between), so
nothing saved while logged in is dropped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tui.errors import StoreError
from tui.store import stored
from tui.store.schema import utc_text
from tui.store.shared import SharedConnection

_COLUMNS = ("attempt_id, client_attempt_id, lang, state, tries, next_try_at, last_error, server_id, queued_at, sent_at,"
            " server_status, server_score_json")


class OutboxState(StrEnum):
    """Where a queued take stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxItem:
    """One queued take.

    Attributes
    ----------
    attempt_id : int
        The attempt in the local store.
    client_attempt_id : str
        UUID sent with every try; the server stores a take once per UUID.
    lang : str
        BCP 47 language of the phrase (the server synthesizes a reference in it
        when it does not have the pack).
    state : OutboxState
    tries : int
        Uploads tried so far.
    next_try_at : datetime
        Earliest time of the next try (UTC).
    last_error : str
        Why the last try failed, in words ("" when none did).
    server_id : int or None
        The server's id of the stored take, once sent.
    queued_at, sent_at : datetime
        When it was queued, and sent (None until then).
    damaged : str
        Why the row could not be read in full ("" when it could): a date that
        is not one reads as due now, so the next try writes a good one.
    server_status : str or None
        The server's scoring of the sent take: ``pending``, ``scored`` or ``failed`` (None before it is sent).
    server_score_json : str or None
        The server's score (JSON) once scored.
    """

    attempt_id: int
    client_attempt_id: str
    lang: str
    state: OutboxState
    tries: int
    next_try_at: datetime
    last_error: str
    server_id: int | None
    queued_at: datetime
    sent_at: datetime | None
    damaged: str = ""
    server_status: str | None = None
    server_score_json: str | None = None


@dataclass(frozen=True)
class OutboxCounts:
    """How many queued takes are in each state."""

    pending: int = 0
    sent: int = 0
    failed: int = 0


def now_utc() -> datetime:
    """The current time, timezone-aware UTC (the one clock of the outbox)."""
    return datetime.now(UTC)


class Outbox(SharedConnection):
    """The outbox of the attempts database in ``data_dir``; safe to share between threads.

    Parameters
    ----------
    data_dir : path
        The data dir holding ``attempts.sqlite3`` (created and migrated if needed).

    Raises
    ------
    StoreError
        The database cannot be opened or migrated.
    """

    def enqueue(self, attempt_id: int, *, lang: str) -> OutboxItem:
        """Queue attempt ``attempt_id`` for upload, due now; queuing it again changes nothing.

        Raises
        ------
        StoreError
            There is no such attempt.
        """
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM attempts WHERE id = ?", (attempt_id,)).fetchone() is None:
                raise StoreError(f"there is no attempt {attempt_id} to upload", hint="`pronounce review` lists the attempt ids")
            now = utc_text(now_utc())
            conn.execute(
                "INSERT OR IGNORE INTO outbox (attempt_id, client_attempt_id, lang, next_try_at, queued_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (attempt_id, str(uuid.uuid4()), lang, now, now),
            )
        return self.get(attempt_id)

    def get(self, attempt_id: int) -> OutboxItem:
        """The queued take of attempt ``attempt_id``; :class:`StoreError` when it is not queued."""
        rows = self._read(f"SELECT {_COLUMNS} FROM outbox WHERE attempt_id = ?", (attempt_id,))
        if not rows:
            raise StoreError(f"attempt {attempt_id} is not in the outbox", hint="`pronounce sync --status` lists it")
        return _item(rows[0])

    def items(self, state: OutboxState | None = None) -> list[OutboxItem]:
        """Queued takes (of one state, or all), oldest attempt first."""
        where, params = ("WHERE state = ?", (str(state),)) if state else ("", ())
        return [_item(row) for row in self._read(f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY attempt_id", params)]

    def due(self, now: datetime | None = None, *, limit: int | None = None) -> list[OutboxItem]:
        """Pending takes whose next try is due at ``now`` (default: now), oldest attempt first."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' AND next_try_at <= ? ORDER BY attempt_id LIMIT ?",
            (utc_text(now or now_utc()), -1 if limit is None else limit),
        )
        return [_item(row) for row in rows]

    def next_try(self) -> datetime | None:
        """When the earliest pending take is due (None when nothing is pending)."""
        rows = self._read("SELECT min(next_try_at) FROM outbox WHERE state = 'pending'", ())
        if not rows or rows[0][0] is None:
            return None
        try:
            return stored.date(rows[0][0])
        except stored.Damaged:
            return now_utc()  # a damaged row is due: its next try writes a good date

    def counts(self) -> OutboxCounts:
        """Queued takes per state."""
        found = dict(self._read("SELECT state, count(*) FROM outbox GROUP BY state", ()))
        return OutboxCounts(found.get("pending", 0), found.get("sent", 0), found.get("failed", 0))

    def mark_sent(self, attempt_id: int, server_id: int, *, server_status: str = "scored",
                  server_score_json: str | None = None) -> None:
        """The server stored the take as ``server_id``, scored (with its score) or still ``pending``."""
        self._update(attempt_id, "state = 'sent', tries = tries + 1, last_error = '', server_id = ?, sent_at = ?,"
                     " server_status = ?, server_score_json = ?",
                     (server_id, utc_text(now_utc()), server_status, server_score_json))

    def record_server_score(self, attempt_id: int, server_status: str, server_score_json: str | None) -> None:
        """What the server now says of a sent take: ``scored`` with its score, ``failed``, or still ``pending``."""
        self._update(attempt_id, "server_status = ?, server_score_json = ?", (server_status, server_score_json))

    def awaiting_score(self, *, limit: int | None = None) -> list[OutboxItem]:
        """Sent takes the server has not scored yet, oldest first."""
        rows = self._read(f"SELECT {_COLUMNS} FROM outbox WHERE state = 'sent' AND server_status = 'pending'"
                          " ORDER BY attempt_id LIMIT ?", (-1 if limit is None else limit,))
        return [_item(row) for row in rows]

    def mark_retry(self, attempt_id: int, error: str, next_try_at: datetime) -> None:
        """A try failed for a reason that may pass (network, server busy): try again at ``next_try_at``."""
        self._update(attempt_id, "state = 'pending', tries = tries + 1, last_error = ?, next_try_at = ?",
                     (error, utc_text(next_try_at)))

    def mark_failed(self, attempt_id: int, reason: str) -> None:
        """The server refused the take for good (or its recording is gone): stop trying."""
        self._update(attempt_id, "state = 'failed', tries = tries + 1, last_error = ?", (reason,))

    def requeue_failed(self) -> int:
        """Make every failed take pending again, due now (after a new login, a fixed server); how many."""
        with self._writing() as conn:
            return conn.execute("UPDATE outbox SET state = 'pending', next_try_at = ? WHERE state = 'failed'",
                                (utc_text(now_utc()),)).rowcount

    def retry_now(self) -> None:
        """Make every pending take due now (``pronounce sync`` does not wait for the back-off)."""
        with self._writing() as conn:
            conn.execute("UPDATE outbox SET next_try_at = ? WHERE state = 'pending'", (utc_text(now_utc()),))

    def queue_from_now(self) -> None:
        """Attempts saved from now on belong in the outbox (``pronounce login``); older ones are not uploaded."""
        with self._writing() as conn:
            last = conn.execute("SELECT coalesce(max(id), 0) FROM attempts").fetchone()[0]
            conn.execute("INSERT INTO outbox_since (id, after_attempt_id) VALUES (1, ?)"
                         " ON CONFLICT (id) DO NOTHING", (last,))

    def stop_queuing(self) -> None:
        """Attempts saved from now on are not uploaded (``pronounce logout``); queued ones stay queued."""
        with self._writing() as conn:
            conn.execute("DELETE FROM outbox_since")

    def unqueued(self) -> list[int]:
        """Ids of attempts saved since :meth:`queue_from_now` that are not queued, oldest first."""
        rows = self._read(
            "SELECT a.id FROM attempts a JOIN outbox_since s ON a.id > s.after_attempt_id"
            " WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.attempt_id = a.id) ORDER BY a.id",
            (),
        )
        return [int(row[0]) for row in rows]

    def _update(self, attempt_id: int, assignments: str, params: tuple[Any, ...]) -> None:
        with self._writing() as conn:
            if conn.execute(f"UPDATE outbox SET {assignments} WHERE attempt_id = ?", (*params, attempt_id)).rowcount == 0:
                raise StoreError(f"attempt {attempt_id} is not in the outbox", hint="`pronounce sync --status` lists it")


def _item(row: tuple[Any, ...]) -> OutboxItem:
    """The queued take in ``row``; a value that is not what the outbox writes is named in ``damaged``."""
    attempt_id, client_id, lang, state, tries, next_try, error, server_id, queued, sent, server_status, server_score = row
    reasons: list[str] = []

    def when(value: object, what: str, fallback: datetime) -> datetime:
        try:
            return stored.date(value)
        except stored.Damaged:
            reasons.append(f"its {what} {str(value)[:40]!r} is not a date")
            return fallback

    now = now_utc()
    try:
        kind = OutboxState(state)
    except ValueError:
        reasons.append(f"its state {str(state)[:20]!r} is unknown")
        kind = OutboxState.FAILED
    return OutboxItem(
        attempt_id=int(attempt_id),
        client_attempt_id=str(client_id),
        lang=lang if isinstance(lang, str) else "",
        state=kind,
        tries=tries if isinstance(tries, int) and tries >= 0 else 0,
        next_try_at=when(next_try, "next try", now),
        last_error=error if isinstance(error, str) else "",
        server_id=server_id if isinstance(server_id, int) else None,
        queued_at=when(queued, "queue time", now),
        sent_at=when(sent, "sending time", now) if sent else None,
        damaged="; ".join(reasons),
        server_status=server_status if server_status in ("pending", "scored", "failed") else None,
        server_score_json=server_score if isinstance(server_score, str) else None,
    )

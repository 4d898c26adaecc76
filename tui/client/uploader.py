"""Uploading the outbox, and fetching what the teacher sent: in a background thread for the app, or at once for ``pronounce sync``.

A take whose upload fails for a reason that may pass (no network, server
down or busy) stays pending with a growing delay before its next try
(exponential back-off with jitter, kept in the database so a restart does not
forget it; a server's ``Retry-After`` is honoured when it asks for longer);
a take the server refuses for good (bad audio, revoked token) is marked failed
with the reason. A kill at any point loses nothing: the row is still pending
and the ``client_attempt_id`` makes the server answer a repeat with the take it
already stored.

The server may answer before it has scored a take (``pending``): its score is
fetched later (:func:`fetch_scores`, by ``pronounce sync`` and, when idle, by
the app's uploader) and kept beside the take in the outbox.

The same thread fetches the teacher's answers and assignments
(:mod:`tui.client.inbox`) after uploads and every
:data:`~tui.client.inbox.INBOX_EVERY` seconds; the status says how many
answers are new ("1 new comment from your teacher").
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from tui.client import inbox as inbox_fetch
from tui.client.http import ClassClient, ServerError
from tui.client.inbox import InboxReport, fetch_inbox
from tui.client.login import Login, load_login
from tui.errors import PronounceError, StoreError
from tui.store import Attempt, AttemptStore
from tui.store.inbox import Inbox
from tui.store.outbox import Outbox, OutboxItem, now_utc

BACKOFF_FIRST = 2.0
"""Seconds before the first retry; each failure doubles it."""
BACKOFF_MAX = 15 * 60.0
"""The longest wait between tries."""
IDLE_LOOK = 10.0
"""With nothing due, look this often for takes queued by another process or saved but never queued."""
STOP_WAIT = 5.0
AFTER_UPLOAD = 5.0
"""Seconds after a take went up before the teacher's answers are looked for (a batch of uploads first)."""
DEFAULT_LANG = "en-US"
SYNC_RETRY_AFTER_MAX = 30.0
"""``pronounce sync`` waits out a server's ``Retry-After`` up to this long (three times per take) before it gives up."""
SCORES_PER_LOOK = 20
"""Server scores the app's uploader asks for per idle look."""


def backoff(tries: int) -> float:
    """Seconds to wait after ``tries`` failed tries: doubling from :data:`BACKOFF_FIRST`, capped, ±20 % jitter."""
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, tries - 1))
    return base * random.uniform(0.8, 1.2)


class Outcome(Enum):
    """What one upload try did."""

    SENT = "sent"
    RETRY = "retry"
    BUSY = "busy"
    """The server is busy and said when to come back (``Retry-After``): a retry, at that time."""
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxStatus:
    """What the status bar shows: takes waiting, takes refused, the last error in words, the teacher's new answers."""

    waiting: int = 0
    failed: int = 0
    last_error: str = ""
    new_comments: int = 0

    def label(self) -> str:
        """``1 new comment from your teacher · ↑ 3 waiting · cannot reach …`` ("" when there is nothing to say)."""
        parts = []
        if self.new_comments:
            parts.append(f"{self.new_comments} new comment{'' if self.new_comments == 1 else 's'} from your teacher (r: Review)")
        if self.waiting:
            parts.append(f"↑ {self.waiting} waiting")
        if self.failed:
            parts.append(f"{self.failed} refused (pronounce sync --status)")
        if self.last_error and (self.waiting or self.failed):
            parts.append(self.last_error)
        return " · ".join(parts)


def pack_language(reference: Path | None) -> str:
    """The language of the pack a reference recording belongs to (:data:`DEFAULT_LANG` when unknown)."""
    from tui.packs.authoring import pack_language as language_of

    for folder in (reference.parents if reference else ())[:3]:
        if (folder / "pack.toml").is_file():
            try:
                return language_of(folder)
            except PronounceError:
                break
    return DEFAULT_LANG


def take_meta(attempt: Attempt, item: OutboxItem) -> dict[str, Any]:
    """The ``meta`` field of the upload of ``attempt``."""
    return {
        "pack": attempt.pack_id,
        "pack_version": attempt.pack_version,
        "phrase_id": attempt.phrase_id,
        "text": attempt.text,
        "lang": item.lang,
        "recorded_at": attempt.created_at.isoformat(),
        "client_attempt_id": item.client_attempt_id,
        "score": attempt.score.to_dict(),
    }


def enqueue(outbox: Outbox, store: AttemptStore, attempt_id: int) -> OutboxItem:
    """Queue attempt ``attempt_id`` with its pack's language."""
    return outbox.enqueue(attempt_id, lang=pack_language(store.get(attempt_id).reference_audio))


def catch_up(outbox: Outbox, store: AttemptStore) -> int:
    """Queue attempts saved while logged in that never reached the outbox (a kill after saving); how many."""
    missing = outbox.unqueued()
    for attempt_id in missing:
        enqueue(outbox, store, attempt_id)
    return len(missing)


def send(outbox: Outbox, store: AttemptStore, client: ClassClient, item: OutboxItem) -> tuple[Outcome, str]:
    """Try to upload one queued take and record the outcome; ``(outcome, error in words or "")``."""
    try:
        attempt = store.get(item.attempt_id)
    except StoreError:
        reason = "the attempt was deleted before it was uploaded"
        outbox.mark_failed(item.attempt_id, reason)
        return Outcome.FAILED, reason
    if not attempt.audio.is_file():
        reason = f"its recording {attempt.audio} is missing"
        outbox.mark_failed(item.attempt_id, reason)
        return Outcome.FAILED, reason
    try:
        uploaded = client.upload(attempt.audio, take_meta(attempt, item))
    except ServerError as exc:
        if exc.retry:
            wait = max(backoff(item.tries + 1), exc.retry_after or 0.0)
            outbox.mark_retry(item.attempt_id, exc.message, now_utc() + timedelta(seconds=wait))
            return Outcome.BUSY if exc.retry_after is not None else Outcome.RETRY, exc.message
        outbox.mark_failed(item.attempt_id, exc.message)
        return Outcome.FAILED, exc.message
    outbox.mark_sent(item.attempt_id, uploaded.id, server_status=uploaded.status,
                     server_score_json=uploaded.score.to_json() if uploaded.score else None)
    return Outcome.SENT, ""


def fetch_scores(outbox: Outbox, client: ClassClient, *, limit: int | None = None) -> int:
    """Ask the server for the scores of sent takes it had not scored yet and keep them; how many it has now scored or failed.

    Raises
    ------
    ServerError
        The server cannot be reached (what was fetched before is kept).
    """
    done = 0
    for item in outbox.awaiting_score(limit=limit):
        if item.server_id is None:
            continue
        try:
            found = client.take(item.server_id)
        except ServerError as exc:
            if exc.status in (403, 404):  # the take is no longer this learner's to see: stop asking
                outbox.record_server_score(item.attempt_id, "failed", None)
                continue
            raise
        if found.status != "pending":
            outbox.record_server_score(item.attempt_id, found.status, found.score.to_json() if found.score else None)
            done += 1
    return done


@dataclass(frozen=True)
class SyncReport:
    """What ``pronounce sync`` did: uploads sent, refused, and still waiting, with the last error; server scores fetched
    and awaited; what the teacher sent."""

    sent: int
    failed: int
    waiting: int
    last_error: str
    scores_fetched: int = 0
    scores_awaited: int = 0
    inbox: InboxReport | None = None
    inbox_error: str = ""


def sync_now(data_dir: Path, login: Login, *,
             on_progress: Callable[[int, OutboxItem, Outcome, str], None] | None = None,
             on_start: Callable[[int], None] | None = None) -> SyncReport:
    """Upload every pending take now, ignoring back-off, then fetch the server's scores of takes it had not scored and
    the teacher's answers and assignments.

    A server that is busy and says when to come back (``Retry-After`` up to
    :data:`SYNC_RETRY_AFTER_MAX` s) is waited for, three times per take; any
    other sign that it cannot take uploads now stops the sync (and a server
    that cannot be reached is not asked for anything else).

    Parameters
    ----------
    data_dir : Path
        The data dir with the attempts database.
    login : Login
        Where to upload.
    on_start : callable(count), optional
        Told how many takes will be tried.
    on_progress : callable(done, item, outcome, error), optional
        Told after each try.
    """
    sent = failed = 0
    last_error = ""
    reachable = True
    with Outbox(data_dir) as outbox, AttemptStore(data_dir) as store, ClassClient(login) as client:
        catch_up(outbox, store)
        outbox.retry_now()
        due = outbox.due()
        if on_start:
            on_start(len(due))
        for done, item in enumerate(due, start=1):
            for waited in range(4):
                outcome, error = send(outbox, store, client, item)
                item = outbox.get(item.attempt_id)
                pause = (item.next_try_at - now_utc()).total_seconds()
                if outcome is not Outcome.BUSY or waited == 3 or pause > SYNC_RETRY_AFTER_MAX:
                    break
                time.sleep(max(0.0, pause))
            sent += outcome is Outcome.SENT
            failed += outcome is Outcome.FAILED
            last_error = error or last_error
            if on_progress:
                on_progress(done, item, outcome, error)
            if outcome in (Outcome.RETRY, Outcome.BUSY):
                reachable = outcome is Outcome.BUSY
                break
        fetched, report, problem = 0, None, ""
        if reachable:
            try:
                fetched = fetch_scores(outbox, client)
            except ServerError as exc:
                last_error = last_error or exc.message
            with Inbox(data_dir) as inbox:
                try:
                    report = fetch_inbox(data_dir, client, inbox)
                except PronounceError as exc:
                    problem = exc.message
        return SyncReport(sent, failed, outbox.counts().pending, last_error, fetched, len(outbox.awaiting_score()),
                          report, problem)


class Uploader:
    """Uploads queued takes in a background thread while the app runs; every method is thread-safe.

    Parameters
    ----------
    data_dir : Path
        The data dir with the attempts database.
    login : Login
        Where to upload.
    on_status : callable(OutboxStatus), optional
        Called from the upload thread whenever the status changes (post it to the UI from there).
    on_inbox : callable(InboxReport), optional
        Called from the upload thread after each fetch of the teacher's answers and assignments.

    Raises
    ------
    StoreError
        The attempts database cannot be opened.
    """

    def __init__(self, data_dir: Path, login: Login, *, on_status: Callable[[OutboxStatus], None] | None = None,
                 on_inbox: Callable[[InboxReport], None] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.login = login
        self._on_status = on_status
        self._on_inbox = on_inbox
        self._outbox = Outbox(data_dir)
        self._store = AttemptStore(data_dir)
        self.inbox = Inbox(data_dir)
        """What the teacher sent (the session reads answers and assignments from it)."""
        self._next_fetch = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_error = ""
        self._status = OutboxStatus()
        self._refresh()

    @classmethod
    def for_data_dir(cls, data_dir: Path, *, on_status: Callable[[OutboxStatus], None] | None = None,
                     on_inbox: Callable[[InboxReport], None] | None = None) -> Uploader | None:
        """An uploader for the saved login of ``data_dir``, None when not logged in."""
        login = load_login(data_dir)
        return None if login is None else cls(data_dir, login, on_status=on_status, on_inbox=on_inbox)

    def start(self) -> None:
        """Start the upload thread.

        Whenever nothing is due it also queues attempts saved since login that
        nobody queued, so a take saved without :meth:`enqueue` (or before a
        kill) still goes up, within :data:`IDLE_LOOK` seconds.
        """
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pronounce-uploader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_WAIT) -> None:
        """Ask the thread to stop after the upload in progress and wait up to ``timeout`` s.

        An upload cut by exiting is simply tried again at the next start.
        """
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return  # still uploading: it stops after this try; its connections close with the process
        self._outbox.close()
        self._store.close()
        self.inbox.close()

    def enqueue(self, attempt_id: int) -> str:
        """Queue a saved attempt and wake the thread; returns its ``client_attempt_id``.

        One SQLite write: call it from the thread that saved the attempt.
        """
        item = enqueue(self._outbox, self._store, attempt_id)
        self._refresh()
        self._wake.set()
        return item.client_attempt_id

    def status(self) -> OutboxStatus:
        """Takes waiting, refused, and the last error (cached: cheap to call from the UI)."""
        with self._lock:
            return self._status

    def refresh(self) -> None:
        """Count again what waits and what the teacher sent (after Review showed an answer)."""
        self._refresh()

    def fetch_soon(self) -> None:
        """Look for the teacher's answers and assignments now, not at the next :data:`~tui.client.inbox.INBOX_EVERY`."""
        self._next_fetch = 0.0
        self._wake.set()

    def _refresh(self, error: str | None = None) -> None:
        counts = self._outbox.counts()
        unseen = self.inbox.unseen(self.login.url)
        with self._lock:
            if error is not None:
                self._last_error = error
            status = OutboxStatus(counts.pending, counts.failed, self._last_error, unseen)
            changed, self._status = status != self._status, status
        if changed and self._on_status is not None:
            self._on_status(status)

    def _fetch(self, client: ClassClient) -> None:
        """Fetch the teacher's answers and assignments when it is time (a failure waits for the next time)."""
        if time.monotonic() < self._next_fetch:
            return
        self._next_fetch = time.monotonic() + inbox_fetch.INBOX_EVERY
        try:
            report = fetch_inbox(self.data_dir, client, self.inbox)
        except PronounceError:
            return  # the uploads say when the server cannot be reached
        self._refresh()
        if self._on_inbox is not None:
            self._on_inbox(report)

    def _run(self) -> None:
        streak = 0
        try:
            catch_up(self._outbox, self._store)
            self._refresh()
        except PronounceError as exc:
            self._refresh(exc.message)
        with ClassClient(self.login) as client:
            while not self._stop.is_set():
                self._wake.clear()
                wait = IDLE_LOOK
                try:
                    due = self._outbox.due(limit=1)
                    if not due and catch_up(self._outbox, self._store):
                        self._refresh()
                        continue
                    if due:
                        outcome, error = send(self._outbox, self._store, client, due[0])
                        self._refresh(error)
                        streak = streak + 1 if outcome in (Outcome.RETRY, Outcome.BUSY) else 0
                        if outcome is Outcome.SENT:
                            self._next_fetch = min(self._next_fetch, time.monotonic() + AFTER_UPLOAD)
                        if not streak:
                            continue
                        wait = backoff(streak)
                    else:
                        self._fetch(client)  # the teacher's answers first: it keeps its own errors
                        fetch_scores(self._outbox, client, limit=SCORES_PER_LOOK)
                        upcoming = self._outbox.next_try()
                        if upcoming is not None:
                            wait = min(IDLE_LOOK, max(0.0, (upcoming - now_utc()).total_seconds()))
                        wait = min(wait, max(0.0, self._next_fetch - time.monotonic()))
                except PronounceError as exc:
                    self._refresh(exc.message)
                    streak += 1
                    wait = backoff(streak)
                self._wake.wait(wait)

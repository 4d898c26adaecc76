"""Scoring jobs of a web node: pending takes claimed from the database, scored by a backend, their results stored.

The database is the truth. A take is stored ``pending``; the node that
stored it claims it (``submitted_at``) and runs its job at once, so an upload
can wait for its score. Every few seconds each node also claims pending
takes that nobody holds — never submitted, or whose claim ran out because
the node that held it went away (crash, SIGKILL, a lost scheduler) — up to
a window that bounds what waits on the backend. A node renews its claims
while their jobs run and gives them back when it stops. A result is stored
only while the take is still pending (:func:`records.mark_scored`), so a take
scored twice by two nodes is still scored once; on a Dask cluster the job's
key is the take's, so nodes submitting one take share one task.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool

from tui.errors import ClassroomError, PronounceError
from tui.server import records
from tui.server.backends import Backend, Crashed, Unavailable
from tui.server.clips import Clip, convert_clip
from tui.server.db import Database, StoreConflict
from tui.server.errors import ApiError
from tui.server.records import ServerAttempt, TakeScore
from tui.server.references import References
from tui.server.schema import server_state
from tui.server.scorer import Contours, Scored, pitch_contours, score_take

LEASE_SECONDS = 20.0
"""A claim not renewed for this long is free for another node."""
RENEW_SECONDS = 5.0
SWEEP_SECONDS = 2.0
RETRY_SECONDS = 2.0
MAX_CRASHES = 3
"""A take whose job killed its process this many times is failed (on Dask, a KilledWorker counts once)."""
MIN_WINDOW = 8
log = logging.getLogger("pronounce.server.scoring")


@dataclass(frozen=True)
class FailedJob:
    """Why a take will not be scored: what the row keeps, and a hint for the one who sent it."""

    error: str
    hint: str


def store_key(db: Database) -> str:
    """A random id of this store, made once: job keys on a shared Dask scheduler never mix two schools' takes."""
    query = select(server_state.c.value).where(server_state.c.key == "store_id")
    with db.reading() as conn:
        found = conn.execute(query).scalar()
    if found is None:
        try:
            with db.writing() as conn:
                conn.execute(insert(server_state).values(key="store_id", value=uuid.uuid4().hex))
        except StoreConflict:
            pass  # another node made it first
        with db.reading() as conn:
            found = conn.execute(query).scalar_one()
    return str(found)


class Dispatcher:
    """Runs the scoring jobs of one web node (see the module docstring); lives in the server's event loop."""

    def __init__(self, db: Database, backend: Backend, references: References) -> None:
        self.db = db
        self.backend = backend
        self.references = references
        self._key = ""
        self._active: dict[int, asyncio.Task[None]] = {}
        self._crashes: dict[int, int] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def window(self) -> int:
        """How many jobs this node keeps claimed at once."""
        return max(MIN_WINDOW, 2 * self.backend.slots)

    async def start(self) -> None:
        """Start the backend and the claim loop (which submits the takes left pending)."""
        self._key = await run_in_threadpool(store_key, self.db)
        await self.backend.start()
        self._loop_task = asyncio.create_task(self._claim_loop(), name="pronounce-claims")

    async def close(self) -> None:
        """Stop claiming, abandon running jobs and give their takes back (another node may score them at once)."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
        held = list(self._active)
        for task in list(self._active.values()):
            task.cancel()
        await asyncio.gather(*self._active.values(), *(t for t in (self._loop_task,) if t), return_exceptions=True)
        await self.backend.close()
        if held:
            try:
                await run_in_threadpool(records.release, self.db, held)
            except ClassroomError as exc:
                log.warning("could not give back %d pending takes: %s", len(held), exc)

    def submit(self, attempt_id: int) -> None:
        """Score take ``attempt_id`` (stored pending and claimed by this node)."""
        if attempt_id not in self._active and not self._stopping:
            task = asyncio.create_task(self._job(attempt_id), name=f"pronounce-score-{attempt_id}")
            self._active[attempt_id] = task
            task.add_done_callback(lambda _: self._active.pop(attempt_id, None))

    async def wait(self, attempt_id: int, seconds: float) -> None:
        """Wait up to ``seconds`` for this node's job of ``attempt_id`` to end (at once when it has none)."""
        task = self._active.get(attempt_id)
        if task is None or seconds <= 0:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), seconds)
        except TimeoutError:
            pass

    async def contours(self, attempt: ServerAttempt) -> Contours | None:
        """Pitch contours of a scored take and its reference (None when they cannot be computed now)."""
        if attempt.audio is None or attempt.reference is None:
            return None
        try:
            take, reference = await run_in_threadpool(lambda: (attempt.audio.read_bytes(), attempt.reference.read_bytes()))  # type: ignore[union-attr]
            return await self.backend.run(pitch_contours, take, reference, key=f"pronounce-contours-{self._key}-{attempt.id}")
        except (OSError, Unavailable, Crashed) as exc:
            log.warning("no pitch chart for take %d: %s", attempt.id, exc)
            return None

    async def clip(self, data: bytes) -> Clip:
        """A teacher's recording checked and encoded as FLAC by a worker (a hostile file cannot crash the web node).

        Raises
        ------
        ApiError
            503 when no worker can run it now.
        """
        try:
            return await self.backend.run(convert_clip, data, key=f"pronounce-clip-{self._key}-{uuid.uuid4().hex}")
        except (Unavailable, Crashed) as exc:
            log.warning("a teacher's recording was not converted: %s", exc)
            raise ApiError(503, "the server cannot read recordings right now", hint="try again in a moment") from exc

    async def _claim_loop(self) -> None:
        since_renewal = 0.0
        while True:
            try:
                if since_renewal >= RENEW_SECONDS and self._active:
                    await run_in_threadpool(records.renew, self.db, list(self._active))
                    since_renewal = 0.0
                for attempt_id in await run_in_threadpool(lambda: records.claim(
                        self.db, limit=self.window - len(self._active), lease=LEASE_SECONDS)):
                    self.submit(attempt_id)
            except ClassroomError as exc:
                log.warning("cannot look for pending takes: %s", exc)
            await asyncio.sleep(SWEEP_SECONDS)
            since_renewal += SWEEP_SECONDS

    async def _job(self, attempt_id: int) -> None:
        """Score one take until its result is stored (or it is no longer pending)."""
        while True:
            try:
                attempt = await run_in_threadpool(records.get, self.db, attempt_id)
                if attempt is None or attempt.status != "pending":
                    return
                outcome = await self._score(attempt)
                if outcome is None:
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                if isinstance(outcome, FailedJob):
                    await run_in_threadpool(records.mark_failed, self.db, attempt_id, outcome.error)
                else:
                    await run_in_threadpool(records.mark_scored, self.db, attempt_id, outcome)
                self._crashes.pop(attempt_id, None)
                return
            except ClassroomError as exc:
                log.warning("take %d: the database failed (%s); trying again", attempt_id, exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def _score(self, attempt: ServerAttempt) -> TakeScore | FailedJob | None:
        """Run the take's job: its score, why it cannot be scored, or None to try again later."""
        try:
            job, reference = await run_in_threadpool(self.references.job, attempt)
        except OSError as exc:
            log.error("take %d: cannot read its recording or reference: %s", attempt.id, exc)
            return FailedJob("the recording or its reference cannot be read on the server", "tell the teacher")
        except PronounceError as exc:
            log.error("take %d: no reference: %s", attempt.id, exc)
            return FailedJob("the server cannot make a reference for this phrase", "tell the teacher")
        try:
            scored: Scored = await self.backend.run(score_take, job, key=f"pronounce-score-{self._key}-{attempt.id}")
        except Unavailable as exc:
            log.debug("take %d waits: %s", attempt.id, exc)
            return None
        except Crashed as exc:
            crashes = self._crashes[attempt.id] = self._crashes.get(attempt.id, 0) + 1
            log.warning("take %d: %s (%d of %d)", attempt.id, exc, crashes, MAX_CRASHES)
            if crashes < MAX_CRASHES:
                return None
            return FailedJob("scoring this take stopped the scoring process every time", "record the take again")
        except Exception as exc:  # a failure of the task itself: kept in the server's log, never in a reply
            log.exception("take %d: scoring failed unexpectedly", attempt.id, exc_info=exc)
            return FailedJob("the server failed to score this take", "tell the teacher")
        if scored.score is None:
            return FailedJob(scored.error, scored.hint)
        return TakeScore(scored.score, scored.duration, reference)

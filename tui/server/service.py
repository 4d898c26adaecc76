"""What a running web node holds: its settings, store, scoring jobs, upload slots, disk watch and caches."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tui.server import summaries
from tui.server.backends import Backend, DaskBackend, LocalPool
from tui.server.db import Database
from tui.server.errors import ApiError
from tui.server.jobs import Dispatcher
from tui.server.packs import PackCache, list_missing_phrases
from tui.server.references import References
from tui.server.scorer import Contours

DEFAULT_MAX_UPLOAD_MB = 20
DEFAULT_PORT = 8750
DEFAULT_SCORE_WAIT = 10.0
DEFAULT_MAX_UPLOADS = 64
DEFAULT_MIN_FREE_MB = 500
UPLOADS_PER_LEARNER = 4
CONTOUR_CACHE = 64
STALE_INCOMING_SECONDS = 3600
"""An upload file untouched this long belongs to no upload in progress (a stalled body is cut within seconds)."""
WARN_FACTOR = 4
"""The teachers' pages warn when the free space falls below this many times ``--min-free-mb``."""


def default_workers() -> int:
    """Scoring processes: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def node_name(port: int) -> str:
    """This web node's name among those sharing a data folder: its host and port (a restarted node has the same)."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", f"{socket.gethostname()}-{port}")[:80]


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """How to run a web node.

    Attributes
    ----------
    root : Path
        The server store's folder, ``<data-dir>/server`` (shared by every web node).
    database : str or None
        A PostgreSQL URL; None keeps the database in ``root`` (SQLite).
    max_upload_bytes : int
        Largest recording accepted.
    workers : int
        Local scoring processes (without ``scheduler``).
    scheduler : str or None
        A Dask scheduler's address (``tcp://HOST:PORT``); None scores in local processes.
    score_wait : float
        Seconds an upload waits for its score before it is answered ``pending``.
    max_uploads : int
        Uploads received at once; more are answered 503 with ``Retry-After``.
    min_free_bytes : int
        Free space below which uploads are refused (507).
    node : str
        This node's name (its upload files carry it).
    """

    root: Path
    database: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    workers: int = 2
    scheduler: str | None = None
    score_wait: float = DEFAULT_SCORE_WAIT
    max_uploads: int = DEFAULT_MAX_UPLOADS
    min_free_bytes: int = DEFAULT_MIN_FREE_MB * 1024 * 1024
    node: str = "node"


class UploadSlots:
    """Uploads being received, at most ``total`` at once and :data:`UPLOADS_PER_LEARNER` per learner (event loop only)."""

    RETRY_AFTER = 2

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self.busy = 0
        self._per_learner: dict[int, int] = {}

    def take(self, learner_id: int) -> None:
        """Hold a slot for one upload of ``learner_id``.

        Raises
        ------
        ApiError
            503 with ``Retry-After`` when every slot, or every slot of this learner, is taken.
        """
        mine = self._per_learner.get(learner_id, 0)
        if self.busy >= self.total or mine >= UPLOADS_PER_LEARNER:
            raise ApiError(503, "the server is receiving as many uploads as it can", hint="try again in a moment",
                           retry_after=self.RETRY_AFTER)
        self.busy += 1
        self._per_learner[learner_id] = mine + 1

    def give(self, learner_id: int) -> None:
        """Free the slot :meth:`take` held."""
        self.busy -= 1
        left = self._per_learner.get(learner_id, 1) - 1
        if left > 0:
            self._per_learner[learner_id] = left
        else:
            self._per_learner.pop(learner_id, None)


class Disk:
    """The free space of the disk holding the store."""

    def __init__(self, root: Path, min_free: int) -> None:
        self.root = root
        self.min_free = max(0, min_free)

    def free(self) -> int:
        """Bytes free for this process."""
        return shutil.disk_usage(self.root).free

    def check(self, incoming: int) -> None:
        """Refuse an upload of ``incoming`` bytes that would leave less than the minimum free.

        Raises
        ------
        ApiError
            507 Insufficient Storage.
        """
        if self.free() - incoming < self.min_free:
            raise ApiError(507, "the server's disk is full", hint="your take waits on your computer; it is sent once the teacher makes room",
                           retry_after=60)

    def low(self) -> int | None:
        """The free bytes when they fall below :data:`WARN_FACTOR` × the minimum (None when there is room)."""
        free = self.free()
        return free if free < max(self.min_free * WARN_FACTOR, 1) else None


class Service:
    """A web node's state between requests; built at start-up, closed at shutdown."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.db = Database(config.root, url=config.database)
        self.packs = PackCache(self.db)
        self.references = References(self.packs, self.db.references_dir)
        backend: Backend = DaskBackend(config.scheduler) if config.scheduler else LocalPool(config.workers)
        self.jobs = Dispatcher(self.db, backend, self.references)
        self.uploads = UploadSlots(config.max_uploads)
        self.disk = Disk(config.root, config.min_free_bytes)
        self._contours: OrderedDict[int, Contours] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def incoming_prefix(self) -> str:
        """How this node's upload files in ``incoming/`` begin."""
        return f"{self.config.node}-"

    def prepare(self) -> None:
        """Drop uploads cut short (this node's from before, and anyone's long untouched); bring derived tables up to date."""
        stale = time.time() - STALE_INCOMING_SECONDS
        for entry in self.db.incoming_dir.iterdir():
            try:
                if not (entry.name.startswith(self.incoming_prefix) or entry.lstat().st_mtime < stale):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
            except FileNotFoundError:
                pass  # another node removed it first
        summaries.ensure_current(self.db)
        list_missing_phrases(self.db)

    async def start(self) -> None:
        """Start the scoring jobs (the takes left pending are claimed within seconds)."""
        await self.jobs.start()

    async def close(self) -> None:
        """Stop the scoring jobs (their takes go back to pending for any node), close the store."""
        await self.jobs.close()
        self.db.close()

    def cached_contours(self, attempt_id: int) -> Contours | None:
        """Pitch contours computed before for this attempt."""
        with self._lock:
            found = self._contours.get(attempt_id)
            if found is not None:
                self._contours.move_to_end(attempt_id)
            return found

    def keep_contours(self, attempt_id: int, contours: Contours) -> None:
        """Remember contours (the least recently used are dropped)."""
        with self._lock:
            self._contours[attempt_id] = contours
            while len(self._contours) > CONTOUR_CACHE:
                self._contours.popitem(last=False)

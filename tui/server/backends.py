"""Where scoring jobs run: the embedded pool of local processes, or a Dask cluster (``--scheduler``).

Both run the same task functions of :mod:`tui.server.scorer` and answer the
same way: the task's result, :class:`Crashed` when the process running it
died (the task may be to blame: a take that keeps killing workers is given
up), or :class:`Unavailable` when nothing can run it now (stopping, the
scheduler unreachable) — the job then waits and is tried again. The database
stays the truth: a job's take is ``pending`` until its result is stored.

Local workers are spawned (the server runs threads), leave SIGINT and SIGTERM
to the server, and watch their parent: when the server dies, SIGKILL
included, they exit within :data:`PARENT_WATCH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from tui.server import scorer

T = TypeVar("T")
PARENT_WATCH_SECONDS = 0.5
CONNECT_SECONDS = 10.0
RECONNECT_SECONDS = 2.0
log = logging.getLogger("pronounce.server.scoring")


class Unavailable(Exception):
    """Nothing can run the job now (the pool is stopping or being replaced, the scheduler is unreachable)."""


class Crashed(Exception):
    """The process that ran the job died while running it."""


class Backend(Protocol):
    """A place to run scoring tasks."""

    description: str
    slots: int

    async def start(self) -> None:
        """Begin accepting jobs (may keep connecting in the background)."""

    async def close(self) -> None:
        """Stop; jobs still running are abandoned (their takes stay pending)."""

    async def run(self, function: Callable[..., T], *args: Any, key: str) -> T:
        """Run ``function(*args)``; ``key`` names the job (the same key twice is one job on a cluster)."""


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(0)


def _worker_start(parent: int) -> None:
    """In each local worker: ignore the server's stop signals, exit when the server is gone, load the scorer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()
    scorer.warm()


class LocalPool:
    """The embedded pool: ``workers`` processes of this machine."""

    def __init__(self, workers: int) -> None:
        self.slots = max(1, workers)
        self.description = f"{self.slots} local scoring processes"
        self._pool: Executor | None = None
        self._lock = threading.Lock()

    def _new_pool(self) -> Executor:
        pool = ProcessPoolExecutor(self.slots, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_start, initargs=(os.getpid(),))
        for _ in range(self.slots):  # start every worker now, so the first takes do not wait for them
            pool.submit(scorer.warm)
        return pool

    async def start(self) -> None:
        self._pool = await asyncio.get_running_loop().run_in_executor(None, self._new_pool)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, lambda: pool.shutdown(wait=True, cancel_futures=True))

    async def run(self, function: Callable[..., T], *args: Any, key: str) -> T:
        pool = self._pool
        if pool is None:
            raise Unavailable("the scoring processes are stopped")
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise Crashed("a scoring process stopped unexpectedly") from exc
        except RuntimeError as exc:  # submitted while shutting down
            raise Unavailable("the scoring processes are stopping") from exc

    def _replace(self, broken: Executor) -> None:
        """Start a new pool in place of ``broken`` (once, however many jobs saw it break)."""
        with self._lock:
            if self._pool is not broken:
                return
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()


class DaskBackend:
    """A Dask cluster: jobs go to the scheduler at ``address``, ``dask worker`` processes anywhere run them.

    The client connects in the background and again whenever the scheduler
    went away; until then every job is :class:`Unavailable`. A job's key is
    the take's key (``pronounce-score-<store>-<id>``), so several web nodes
    submitting one take share one task.
    """

    def __init__(self, address: str) -> None:
        self.address = address
        self.description = f"the Dask scheduler at {address}"
        self.slots = 0
        self._client: Any = None
        self._connector: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        # The client logs a traceback each time it loses the scheduler; this backend says so in one line and reconnects.
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        self._connector = asyncio.create_task(self._keep_connected(), name="dask-connect")

    async def _keep_connected(self) -> None:
        from distributed import Client

        warned = False
        while not self._closing:
            client = self._client
            if client is not None and client.status == "running":
                try:
                    workers = (await client.scheduler.identity()).get("workers", {})
                    self.slots = sum(int(w.get("nthreads", 1)) for w in workers.values())
                except (OSError, TimeoutError):
                    pass
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            if client is not None:
                self._client = None
                await _quietly_close(client)
            try:
                self._client = await Client(self.address, asynchronous=True, timeout=CONNECT_SECONDS,
                                            set_as_default=False, name="pronounce-server")
                log.info("connected to the Dask scheduler at %s", self.address)
                warned = False
            except (OSError, TimeoutError) as exc:
                if not warned:
                    log.warning("cannot reach the Dask scheduler at %s (%s); takes wait as pending", self.address, exc)
                    warned = True
                await asyncio.sleep(RECONNECT_SECONDS)

    async def close(self) -> None:
        self._closing = True
        if self._connector is not None:
            self._connector.cancel()
            try:
                await self._connector
            except (asyncio.CancelledError, Exception):
                pass
        client, self._client = self._client, None
        if client is not None:
            await _quietly_close(client)

    async def run(self, function: Callable[..., T], *args: Any, key: str) -> T:
        from distributed import KilledWorker

        client = self._client
        if client is None or client.status != "running":
            raise Unavailable(f"not connected to the Dask scheduler at {self.address}")
        future = client.submit(function, *args, key=key, pure=False, retries=0)
        try:
            result: T = await future
            return result
        except KilledWorker as exc:
            raise Crashed("the Dask workers that ran this take died") from exc
        except (FutureCancelled, OSError, TimeoutError) as exc:
            raise Unavailable("the Dask scheduler went away") from exc
        finally:
            future.release()


async def _quietly_close(client: Any) -> None:
    try:
        await asyncio.wait_for(client.close(), timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, RuntimeError):
        pass

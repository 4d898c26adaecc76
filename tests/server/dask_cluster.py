"""A real Dask cluster for the tests: ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, as a school runs them.

Workers run without a nanny, one thread each, so a test that kills a
worker kills the process that runs the task, and no other process brings it
back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.server.helpers import REPO, free_port

DASK = Path(sys.executable).parent / "dask"
START_SECONDS = 60.0


def _environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PRONOUNCE_SCHEDULER", None)
    return env


class DaskWorker:
    """One ``dask worker`` process (no nanny, one thread)."""

    def __init__(self, scheduler: DaskScheduler, name: str) -> None:
        self.name = name
        folder = scheduler.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "worker.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(DASK), "worker", scheduler.address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--memory-limit", "0", "--local-directory", str(folder)],
                cwd=REPO, env=_environment(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM (the worker closes), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class DaskScheduler:
    """``dask scheduler`` on a free port of 127.0.0.1; :meth:`worker` starts workers for it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.workers: list[DaskWorker] = []

    @property
    def address(self) -> str:
        """``tcp://127.0.0.1:PORT``."""
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> DaskScheduler:
        """Start it (again, on the same port) and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "scheduler.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
                cwd=REPO, env=_environment(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"dask scheduler exited:\n{self.log()}")
            try:
                self.info()
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"dask scheduler did not answer within {START_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        """Stop every worker, then the scheduler."""
        for worker in self.workers:
            worker.stop()
        self.workers.clear()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL the scheduler (its workers keep running and look for it), and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def log(self) -> str:
        """What the scheduler printed."""
        path = self.folder / "scheduler.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def info(self) -> dict[str, Any]:
        """The scheduler's identity: ``workers`` by address, each with its ``name`` (raises OSError when it does not answer)."""
        from distributed import Client

        try:
            with Client(self.address, timeout=5, set_as_default=False) as client:
                info: dict[str, Any] = client.scheduler_info(n_workers=-1)
                info["processing"] = client.processing()
                return info
        except (TimeoutError, OSError) as exc:
            raise OSError(f"the scheduler at {self.address} does not answer: {exc}") from exc

    def worker(self, name: str) -> DaskWorker:
        """Start worker ``name`` and wait until the scheduler has it."""
        worker = DaskWorker(self, name)
        self.workers.append(worker)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                raise AssertionError(f"dask worker {name} exited:\n{worker.log_path.read_text(errors='replace')}")
            if any(w.get("name") == name for w in self.info()["workers"].values()):
                return worker
            time.sleep(0.3)
        raise AssertionError(f"dask worker {name} did not join within {START_SECONDS} s")

    def busy_worker(self) -> DaskWorker | None:
        """A worker of ours running a take's scoring task right now, if any."""
        info = self.info()
        for address, keys in info["processing"].items():
            if any(str(key).startswith("pronounce-score-") for key in keys):
                name = info["workers"].get(address, {}).get("name")
                for worker in self.workers:
                    if worker.name == name and worker.process.poll() is None:
                        return worker
        return None

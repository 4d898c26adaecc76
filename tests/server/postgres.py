"""A throwaway PostgreSQL cluster for the tests: ``initdb`` in a temporary folder, served on a random port of 127.0.0.1.

Never the system's cluster: the data folder, the port and the socket folder
are the test run's own, and the cluster is stopped and deleted at the end.
As root (CI) the server runs as the ``postgres`` user, since PostgreSQL
refuses to run as root; otherwise as the current user. Durability is off
(``fsync=off``): the tests check behaviour, not crash safety of PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

START_SECONDS = 60


def binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL that Debian's packages installed (None when there is none)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresError(RuntimeError):
    """The cluster could not be made or started."""


class PostgresCluster:
    """One cluster: :meth:`start`, :meth:`create_database` as often as needed, :meth:`stop`."""

    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise PostgresError("PostgreSQL is not installed (make test installs the apt package postgresql)")
        self.bin = bin_dir
        self.as_postgres = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="pronounce-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [*(["runuser", "-u", "postgres", "--"] if self.as_postgres else []), *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise PostgresError(f"{Path(args[0]).name} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")

    def start(self) -> PostgresCluster:
        """``initdb`` and start the server; waits until it accepts connections."""
        try:
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-sync")
            options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
                       " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                      "-w", "-t", str(START_SECONDS), "start")
        except BaseException:
            self.stop()
            raise
        return self

    def url(self, database: str = "postgres") -> str:
        """The URL of ``database`` in this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "pronounce") -> str:
        """A new, empty database; its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (at once) and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except PostgresError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)

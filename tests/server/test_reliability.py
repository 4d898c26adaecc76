"""The server under load and under kills, with real processes: every take stored exactly once, never half."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.server.helpers import (
    LiveServer,
    PartialUpload,
    children,
    classroom,
    learner_with_takes,
    meta,
    open_store,
    query,
    scoring_workers,
    spoken,
    upload,
    wait_for,
)
from tui.client.login import Login
from tui.client.uploader import Uploader, sync_now
from tui.paths import DEMO_PACK
from tui.server.db import DB_NAME, server_root
from tui.server.packs import publish
from tui.store.outbox import Outbox, OutboxState

LEARNERS = 30
UPLOADS_EACH = 10


def _rows(data_dir: Path) -> list[tuple[str, str, int]]:
    return [tuple(row) for row in query(data_dir, None, "SELECT client_attempt_id, audio, audio_bytes FROM attempts")]


@pytest.fixture
def take(tmp_path: Path) -> Path:
    return spoken(tmp_path / "take.wav", "Good morning")


def _publish(data_dir: Path) -> None:
    db = open_store(data_dir)
    publish(db, DEMO_PACK)
    db.close()


async def _upload_all(url: str, uploads: list[tuple[str, dict[str, object]]], audio: bytes,
                      busy: list[str] | None = None) -> list[tuple[int, float, int]]:
    """Send every upload at once, each sent again after the ``Retry-After`` of a 503; ``(status, seconds, id)`` each.

    ``busy`` collects the ``Retry-After`` of every 503 (the learner's outbox waits as long).
    """
    # A connection idle for 2 s is not reused: uvicorn closes idle ones after 5 s, and a POST sent as it does fails.
    limits = httpx.Limits(max_connections=len(uploads), max_keepalive_connections=len(uploads), keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        async def one(token: str, fields: dict[str, object]) -> tuple[int, float, int]:
            started = time.perf_counter()
            while True:
                try:
                    response = await client.post("/api/v1/attempts", headers={"authorization": f"Bearer {token}"},
                                                 data={"meta": json.dumps(fields)}, files={"audio": ("take.wav", audio, "audio/wav")})
                except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                    if busy is None:
                        raise
                    busy.append("dropped")  # a connection closed under us (a starved client reusing one): send it again,
                    continue                # as the outbox does; the client_attempt_id keeps it one take
                if response.status_code != 503 or busy is None:
                    return response.status_code, time.perf_counter() - started, int(response.json().get("id", 0))
                busy.append(response.headers.get("retry-after", ""))
                await asyncio.sleep(float(response.headers["retry-after"]) * random.uniform(0.5, 1.0))

        return await asyncio.gather(*(one(token, fields) for token, fields in uploads))


def test_thirty_learners_uploading_ten_takes_at_once_are_each_stored_exactly_once(
        tmp_path: Path, take: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On SQLite (one writer at a time); on PostgreSQL the same storage runs under threads in test_storage.py.

    The server answers once a take is stored (``--score-wait 0``): storing is what this checks, and 300 takes
    scored on two cores would take the rest of the suite's CPU.
    """
    data_dir = tmp_path / "teacher"
    tokens = classroom(data_dir, [f"learner-{n:02d}" for n in range(LEARNERS)]).learners
    _publish(data_dir)
    server = LiveServer(data_dir, tmp_path / "server-tmp", args=("--score-wait", "0")).start()  # answered when stored
    try:
        uploads = [(token, meta("Good morning.")) for token in tokens.values() for _ in range(UPLOADS_EACH)]
        busy: list[str] = []
        first = asyncio.run(_upload_all(server.url, uploads, take.read_bytes(), busy))
        again = asyncio.run(_upload_all(server.url, uploads, take.read_bytes(), busy))  # every retry at once
    finally:
        assert server.stop() in (0, -signal.SIGTERM)
    assert [status for status, _, _ in first] == [201] * len(uploads)
    assert [status for status, _, _ in again] == [200] * len(uploads)
    assert busy.count("2") > 0 and set(busy) <= {"2", "dropped"}  # 10 uploads of one learner at once pass 4 slots: the rest
    # were told when to come back
    assert [id for _, _, id in again] == [id for _, _, id in first]
    rows = _rows(data_dir)
    assert len(rows) == len({row[0] for row in rows}) == LEARNERS * UPLOADS_EACH
    assert {row[0] for row in rows} == {str(fields["client_attempt_id"]) for _, fields in uploads}
    for _, audio, size in rows:
        assert (server_root(data_dir) / audio).stat().st_size == size == take.stat().st_size
    log = server.log()
    assert "locked" not in log and "Traceback" not in log and " 500" not in log
    latencies = np.array([seconds for _, seconds, _ in first])
    with capsys.disabled():
        print(f"\n  {len(uploads)} concurrent uploads ({LEARNERS} learners × {UPLOADS_EACH}; {len(busy)} answers 503): "
              f"p50 {np.percentile(latencies, 50):.2f} s, p95 {np.percentile(latencies, 95):.2f} s, "
              f"max {latencies.max():.2f} s (load {os.getloadavg()[0]:.1f})")


def test_a_server_killed_mid_upload_restarts_and_the_client_retries_without_duplicates(tmp_path: Path, take: Path) -> None:
    data_dir, learner_dir = tmp_path / "teacher", tmp_path / "learner"
    tokens = classroom(data_dir, ["Ana"]).learners
    server = LiveServer(data_dir, tmp_path / "server-tmp").start()
    ids = learner_with_takes(learner_dir, take, 12, url=server.url, token=tokens["Ana"])
    with Outbox(learner_dir) as outbox:
        first = outbox.get(ids[0])
    fields = {**meta("Good morning."), "client_attempt_id": first.client_attempt_id}
    partial = PartialUpload(server.port, tokens["Ana"], take, fields)
    partial.send_first_half()
    incoming = server_root(data_dir) / "incoming"
    wait_for(lambda: any(incoming.iterdir()), timeout=30, what="the upload to reach the server's incoming folder")
    workers = children(server.pid)
    server.kill()
    partial.close()
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=60,
             what="the scoring workers to exit with their server")

    down = sync_now(learner_dir, Login(server.url, tokens["Ana"]))
    assert down.sent == 0 and down.waiting == 12 and "cannot reach" in down.last_error
    conn = sqlite3.connect(server_root(data_dir) / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0  # no half row
    conn.close()

    server.start()
    assert list(incoming.iterdir()) == []  # the cut upload was dropped at start
    uploader = Uploader(learner_dir, Login(server.url, tokens["Ana"]))
    uploader.start()
    try:
        wait_for(lambda: uploader.status().waiting == 0, timeout=180, what="the outbox to empty")
    finally:
        uploader.stop()
        assert server.stop() in (0, -signal.SIGTERM)
    rows = _rows(data_dir)
    with Outbox(learner_dir) as outbox:
        items = outbox.items()
    assert len(rows) == 12 == len({row[0] for row in rows})
    assert {item.client_attempt_id for item in items} == {row[0] for row in rows}
    assert all(item.state is OutboxState.SENT for item in items)
    assert len({item.server_id for item in items}) == 12
    for _, audio, size in rows:
        assert sf.info(str(server_root(data_dir) / audio)).frames > 0 and size == take.stat().st_size


def test_sigterm_lets_an_upload_in_progress_finish(tmp_path: Path, take: Path) -> None:
    data_dir = tmp_path / "teacher"
    tokens = classroom(data_dir, ["Ana"]).learners
    server = LiveServer(data_dir, tmp_path / "server-tmp").start()
    fields = meta("Good morning.")
    partial = PartialUpload(server.port, tokens["Ana"], take, fields)
    partial.send_first_half()
    incoming = server_root(data_dir) / "incoming"
    wait_for(lambda: any(incoming.iterdir()), timeout=30, what="the upload to start")
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert server.process.poll() is None  # still running: it waits for the upload
    status, body = partial.finish()
    assert status == 201, body
    assert server.process.wait(60) in (0, -signal.SIGTERM)
    assert [row[0] for row in _rows(data_dir)] == [fields["client_attempt_id"]]
    assert list(incoming.iterdir()) == []
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{server.url}/healthz", timeout=2)


def test_a_scoring_process_that_dies_is_replaced(tmp_path: Path, take: Path) -> None:
    data_dir = tmp_path / "teacher"
    tokens = classroom(data_dir, ["Ana"]).learners
    server = LiveServer(data_dir, tmp_path / "server-tmp").start()
    try:
        with server.client() as client:
            assert upload(client, tokens["Ana"], take, meta("Good morning.")).status_code == 201
            workers = scoring_workers(server.pid)
            assert workers
            for worker in workers:
                os.kill(worker, signal.SIGKILL)
            statuses = [upload(client, tokens["Ana"], take, meta("Good morning.")).status_code for _ in range(3)]
    finally:
        assert server.stop() in (0, -signal.SIGTERM)
    assert set(statuses) <= {201, 503} and statuses[-1] == 201  # at most a retryable 503, then scoring again
    assert "Traceback" not in server.log()

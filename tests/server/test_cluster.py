"""Two web nodes on one PostgreSQL database and one data folder, scoring on a real Dask scheduler and workers.

Everything here is a real process: PostgreSQL, ``dask scheduler``, ``dask
worker`` (started and SIGKILLed by the tests), and two ``pronounce server
run --scheduler`` nodes. The module runs once (marked ``cluster``), not per
database: several web nodes need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.server.dask_cluster import DaskScheduler
from tests.server.helpers import (
    REPO,
    LiveServer,
    PartialUpload,
    classroom,
    meta,
    open_store,
    query,
    sign_in,
    spoken,
    upload,
    wait_for,
)
from tests.server.postgres import PostgresCluster
from tui.client.login import Login
from tui.client.uploader import sync_now
from tui.paths import DEMO_PACK
from tui.server.db import server_root
from tui.server.jobs import LEASE_SECONDS
from tui.server.packs import publish

pytestmark = pytest.mark.cluster
SCORED_WITHIN = 90.0


@dataclass
class Nodes:
    """Two web nodes sharing one store, and what the tests need."""

    a: LiveServer
    b: LiveServer
    data_dir: Path
    database: str
    scheduler: DaskScheduler
    teacher: str
    learners: dict[str, str]
    take: Path

    def node(self, name: str) -> LiveServer:
        """A third node on the same store (stop it after use)."""
        return LiveServer(self.data_dir, self.data_dir.parent / f"tmp-{name}", database=self.database,
                          args=("--scheduler", self.scheduler.address, "--score-wait", "2"))


@pytest.fixture(scope="module")
def nodes(postgres: PostgresCluster, dask_scheduler: DaskScheduler, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    base = tmp_path_factory.mktemp("nodes")
    data_dir, database = base / "data", postgres.create_database()
    tokens = classroom(data_dir, ["Ana", "Ben", "Cleo"], database=database)
    db = open_store(data_dir, database)
    publish(db, DEMO_PACK)
    db.close()
    args = ("--scheduler", dask_scheduler.address, "--score-wait", "2")
    a = LiveServer(data_dir, base / "tmp-a", database=database, args=args).start()
    b = LiveServer(data_dir, base / "tmp-b", database=database, args=args).start()
    try:
        yield Nodes(a, b, data_dir, database, dask_scheduler, tokens.teacher, tokens.learners,
                    spoken(base / "take.wav", "Good morning"))
    finally:
        for node in (a, b):
            if node.process is not None and node.process.poll() is None:
                node.stop()
        for worker in list(dask_scheduler.workers):
            worker.stop()
        dask_scheduler.workers.clear()


def _status(nodes: Nodes, server: LiveServer, token: str, attempt_id: int) -> dict[str, object]:
    with server.client() as client:
        response = client.get(f"/api/v1/attempts/{attempt_id}", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _at_once(nodes: Nodes, learner: str, takes: list[dict[str, object]]) -> list[httpx.Response]:
    """Upload ``takes`` of ``learner`` all at once, to node A and node B in turn."""
    audio = nodes.take.read_bytes()
    async with httpx.AsyncClient(timeout=120) as client:
        return await asyncio.gather(*(client.post(
            f"{(nodes.a, nodes.b)[n % 2].url}/api/v1/attempts", headers={"authorization": f"Bearer {nodes.learners[learner]}"},
            data={"meta": json.dumps(fields)}, files={"audio": ("take.wav", audio, "audio/wav")})
            for n, fields in enumerate(takes)))


def _all_scored(nodes: Nodes) -> bool:
    return not query(nodes.data_dir, nodes.database, "SELECT id FROM attempts WHERE status <> 'scored'")


def _scored_once(nodes: Nodes) -> None:
    """Every take scored, one row per client_attempt_id, each learner's summary counting each take once."""
    rows = query(nodes.data_dir, nodes.database, "SELECT client_attempt_id, status, overall, scored_at FROM attempts")
    assert len(rows) == len({row[0] for row in rows})
    assert {row[1] for row in rows} == {"scored"} and all(row[2] is not None and row[3] is not None for row in rows)
    counted = query(nodes.data_dir, nodes.database, "SELECT sum(attempts) FROM summaries")[0][0]
    assert counted == len(rows)


def test_uploads_stay_pending_while_no_worker_is_up_and_are_scored_when_one_joins(nodes: Nodes) -> None:
    assert nodes.scheduler.info()["workers"] == {}
    ids = []
    with nodes.a.client() as client_a, nodes.b.client() as client_b:
        for client in (client_a, client_b, client_a):
            response = upload(client, nodes.learners["Ana"], nodes.take, meta("Good morning."))
            assert response.status_code == 201, response.text
            assert response.json() == {"id": response.json()["id"], "status": "pending", "score": None}
            ids.append(response.json()["id"])
            assert response.elapsed.total_seconds() < 10  # answered after --score-wait (2 s), not when scored
    assert [_status(nodes, nodes.b, nodes.teacher, i)["status"] for i in ids] == ["pending"] * 3
    with nodes.b.client() as teacher:  # the class page says why its table is empty and lists them as being scored
        assert sign_in(teacher, nodes.teacher).status_code == 303
        page = teacher.get("/classes/1").text
        assert "No takes scored yet: the latest takes are below." in page and page.count(">scoring…<") == 3
    nodes.scheduler.worker("w1")
    wait_for(lambda: _all_scored(nodes), timeout=SCORED_WITHIN, what="the first worker to score the pending takes")
    for attempt_id in ids:
        body = _status(nodes, nodes.a, nodes.learners["Ana"], attempt_id)
        assert body["status"] == "scored" and isinstance(body["score"], dict) and body["score"]["overall"] > 50  # type: ignore[index]
    with nodes.b.client() as client:  # once a worker is up, an upload is answered with its score
        fresh = upload(client, nodes.learners["Ana"], nodes.take, meta("Good morning."))
    assert fresh.status_code == 201 and fresh.json()["status"] == "scored", fresh.text
    _scored_once(nodes)


def test_a_retry_on_the_other_node_is_the_same_take_and_sessions_work_on_both(nodes: Nodes) -> None:
    fields = meta("Good morning.")
    answers = asyncio.run(_at_once(nodes, "Ben", [fields] * 4))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert query(nodes.data_dir, nodes.database, "SELECT count(*) FROM attempts WHERE client_attempt_id = :c",
                 c=fields["client_attempt_id"])[0][0] == 1
    with nodes.a.client() as on_a, nodes.b.client() as on_b:
        assert sign_in(on_a, nodes.teacher).status_code == 303
        on_b.cookies.update(on_a.cookies)  # the session made on node A, used on node B
        page = on_b.get("/classes/1")
        assert page.status_code == 200 and "class-table" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None and on_b.post("/signout", data={"csrf": csrf.group(1)}).status_code == 303
        assert on_a.get("/classes/1", follow_redirects=False).status_code == 303  # signed out on both


def test_no_node_deletes_an_upload_another_node_is_receiving(nodes: Nodes) -> None:
    fields = meta("Good morning.")
    partial = PartialUpload(nodes.a.port, nodes.learners["Cleo"], nodes.take, fields)
    partial.send_first_half()
    incoming = server_root(nodes.data_dir) / "incoming"
    wait_for(lambda: any(incoming.iterdir()), timeout=30, what="node A to receive the upload")
    third = nodes.node("c").start()  # a node starting clears only its own leftovers
    try:
        status, body = partial.finish()
    finally:
        third.stop()
    assert status == 201, body


def test_a_worker_killed_mid_task_leaves_every_take_scored_exactly_once(nodes: Nodes) -> None:
    spare = nodes.scheduler.worker("w2")
    takes = [meta("Good morning.") for _ in range(6)]
    killed = []

    def kill_a_busy_worker() -> bool:
        busy = nodes.scheduler.busy_worker()
        if busy is not None:
            busy.kill()
            killed.append(busy.name)
        return busy is not None

    async def race() -> list[httpx.Response]:
        sending = asyncio.create_task(_at_once(nodes, "Cleo", takes))
        await asyncio.to_thread(wait_for, kill_a_busy_worker, timeout=60, what="a worker to start scoring")
        return await sending

    answers = asyncio.run(race())
    assert [r.status_code for r in answers] == [201] * len(takes), [r.text for r in answers]
    assert killed
    if spare.name in killed:
        nodes.scheduler.worker("w3")
    wait_for(lambda: _all_scored(nodes), timeout=SCORED_WITHIN, what="the surviving worker to score every take")
    _scored_once(nodes)


def test_a_web_node_killed_mid_upload_leaves_every_take_scored_exactly_once(nodes: Nodes, tmp_path: Path) -> None:
    from tests.server.helpers import learner_with_takes

    for worker in list(nodes.scheduler.workers):  # no worker: node A's takes stay pending, claimed by A
        worker.stop()
    nodes.scheduler.workers.clear()
    learner = tmp_path / "learner"
    ids = learner_with_takes(learner, nodes.take, 4, url=nodes.a.url, token=nodes.learners["Ben"])
    sent = sync_now(learner, Login(nodes.a.url, nodes.learners["Ben"]))
    assert sent.sent == 4 and sent.waiting == 0
    learner_with_takes(learner, nodes.take, 1, url=nodes.a.url, token=nodes.learners["Ben"])  # a fifth, cut mid-upload
    from tui.store.outbox import Outbox

    with Outbox(learner) as outbox:
        cut = outbox.due()[0]
    partial = PartialUpload(nodes.a.port, nodes.learners["Ben"], nodes.take,
                            {**meta("Good morning."), "client_attempt_id": cut.client_attempt_id})
    partial.send_first_half()
    wait_for(lambda: any((server_root(nodes.data_dir) / "incoming").iterdir()), timeout=30, what="the upload to arrive")
    nodes.a.kill()
    partial.close()
    stored = query(nodes.data_dir, nodes.database, "SELECT count(*) FROM attempts WHERE status = 'pending'")[0][0]
    assert stored == 4  # the four node A stored, claimed by a node that is gone

    retried = sync_now(learner, Login(nodes.b.url, nodes.learners["Ben"]))  # the outbox sends the cut take to node B
    assert retried.sent == 1 and retried.waiting == 0, retried
    started = time.monotonic()
    nodes.scheduler.worker("w4")
    wait_for(lambda: _all_scored(nodes), timeout=LEASE_SECONDS + SCORED_WITHIN, what="node B to score node A's takes")
    assert time.monotonic() - started < LEASE_SECONDS + SCORED_WITHIN
    _scored_once(nodes)
    assert len(ids) == 4

    nodes.a.start()  # node A again, on the same port: its cut upload's file is gone, nothing else
    assert [p.name for p in (server_root(nodes.data_dir) / "incoming").iterdir()] == []


def test_score_batch_on_the_cluster_writes_what_a_local_run_writes(nodes: Nodes, tmp_path: Path) -> None:
    import subprocess
    import sys

    if not nodes.scheduler.workers:
        nodes.scheduler.worker("w5")
    folder = tmp_path / "batch"
    spoken(folder / "morning.wav", "Good morning")
    spoken(folder / "evening.flac", "Good evening")
    (folder / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    shutil.copy(DEMO_PACK / "audio" / "good-morning.flac", folder / "ref.flac")
    (folder / "manifest.csv").write_text("id,attempt,reference,text,lang\n"
                                         "a,morning.wav,ref.flac,Good morning.,en-us\n"
                                         "b,evening.flac,,Good evening,en-us\n"
                                         "c,broken.wav,ref.flac,Good morning.,en-us\n"
                                         "d,missing.wav,,Good morning,en-us\n")

    def run(*extra: str) -> str:
        out = folder / f"out{len(extra)}.jsonl"
        done = subprocess.run([sys.executable, "-m", "tui", "score", "--batch", str(folder / "manifest.csv"), "--out", str(out),
                               *extra], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr  # rows c and d fail, as they should
        return out.read_text()

    local, remote = run("--jobs", "1"), run("--scheduler", nodes.scheduler.address)
    assert remote == local
    lines = [json.loads(line) for line in local.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c", "d"]
    assert [line["error"] is None for line in lines] == [True, True, False, False]


def test_a_teachers_recording_is_converted_by_a_dask_worker_and_served_by_either_node(nodes: Nodes) -> None:
    if not nodes.scheduler.workers:
        nodes.scheduler.worker("w6")
    teacher = {"authorization": f"Bearer {nodes.teacher}"}
    with nodes.a.client() as client_a, nodes.b.client() as client_b:
        take = upload(client_a, nodes.learners["Ana"], nodes.take, meta("Good morning.")).json()["id"]
        with open(nodes.take, "rb") as clip:
            answered = client_a.put(f"/api/v1/attempts/{take}/feedback", headers=teacher, data={"comment": "Listen to mine."},
                                    files={"audio": ("mine.wav", clip, "audio/wav")}, timeout=120)
        assert answered.status_code == 200, answered.text
        audio = client_b.get(answered.json()["audio_url"], headers={"authorization": f"Bearer {nodes.learners['Ana']}"})
        assert audio.status_code == 200 and audio.content[:4] == b"fLaC"
        refused = client_b.put(f"/api/v1/attempts/{take}/feedback", headers=teacher, data={"comment": "x"},
                               files={"audio": ("mine.wav", b"RIFF\x10\x00\x00\x00WAVEjunk" * 100, "audio/wav")}, timeout=120)
        assert refused.status_code in (415, 422) and "recording" in refused.json()["error"], refused.text


def test_takes_pending_when_the_scheduler_is_killed_are_submitted_again_and_scored_once(nodes: Nodes) -> None:
    for worker in list(nodes.scheduler.workers):  # no worker: the takes wait on the scheduler
        worker.stop()
    nodes.scheduler.workers.clear()
    answers = asyncio.run(_at_once(nodes, "Ana", [meta("Good morning.") for _ in range(3)]))
    assert [r.json()["status"] for r in answers] == ["pending"] * 3, [r.text for r in answers]
    nodes.scheduler.kill()  # every task it held is lost with it
    nodes.scheduler.start()  # a new scheduler on the same address: the nodes reconnect and submit the takes again
    nodes.scheduler.worker("w7")
    wait_for(lambda: _all_scored(nodes), timeout=SCORED_WITHIN, what="the pending takes to be scored after the restart")
    _scored_once(nodes)
    for node in (nodes.a, nodes.b):
        assert "Traceback" not in node.log()

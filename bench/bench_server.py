"""Class-server benchmarks: a class page and full exports at scale, uploads per second, server-side scoring per second.

``scale`` (on SQLite and on PostgreSQL): seeds one class of 3,000 learners ×
26 phrases × 3 takes (234,000 takes, with a real score's JSON each), starts a
real ``pronounce server run`` on 127.0.0.1, signs in as the class's teacher and
prints the class page's time (request to last byte, over pages and sort
orders: p50 and p95), the full CSV and JSON exports' times, and the server
process's resident memory while it streams them (peak of samples every 20 ms).
PostgreSQL is a throwaway cluster of this run (as in the tests).

``uploads``: ``--clients`` learners send ``--count`` takes to a real server
that answers at once (``--score-wait 0``); the figure is uploads scored per
second, from the first upload to the last score stored, with the embedded
pool (1 and 2 processes) and on a real Dask cluster (``dask scheduler`` and
1, then 2 ``dask worker`` processes of one thread).

The machine is shared: the load average is printed with every figure.

    .venv/bin/python bench/bench_server.py scale --backend both
    .venv/bin/python bench/bench_server.py uploads --clients 8 --count 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.server.dask_cluster import DaskScheduler  # noqa: E402
from tests.server.helpers import LiveServer, classroom, open_store, query, rss_kb, seed_takes, sign_in, spoken  # noqa: E402
from tests.server.postgres import PostgresCluster  # noqa: E402
from tui.packs.loader import load_pack  # noqa: E402
from tui.paths import DEMO_PACK  # noqa: E402
from tui.server.packs import publish  # noqa: E402

PHRASES = (("good-morning", "Good morning."), ("good-evening", "Good evening."), ("thank-you-very-much", "Thank you very much."))
PAGE_REQUESTS = 40
SORTS = ("name", "-mean", "mean", "-takes", "-last", "phrase:en-basics/good-morning", "-phrase:en-basics/excuse-me")


def load() -> str:
    """The 1-minute load average of this 2-core machine."""
    return f"load {os.getloadavg()[0]:.1f}"


def real_score_json(folder: Path) -> str:
    """The JSON of a real score of a spoken take, with ``%(o).1f`` where its overall score goes."""
    from tui.scoring import compare, prepare_reference

    phrase = next(p for p in load_pack(DEMO_PACK).phrases if p.id == "good-morning")
    reference = prepare_reference(phrase.audio, words=phrase.words, text=phrase.text, lang="en-us")
    score = compare(reference, spoken(folder / "take.wav", "Good morning"))
    return re.sub(r'^\{"overall":[^,]+,', '{"overall":%(o).1f,', score.to_json().replace("%", "%%"))


class Peak:
    """The largest resident memory of process ``pid`` seen while the block runs (sampled every 20 ms), in MB."""

    def __init__(self, pid: int) -> None:
        self.pid, self.mb, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.mb = max(self.mb, rss_kb(self.pid) / 1024)
            time.sleep(0.02)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def download(client: httpx.Client, path: str, token: str) -> tuple[float, int]:
    """Stream ``path`` to nowhere: seconds and bytes."""
    started, size = time.perf_counter(), 0
    with client.stream("GET", path, headers={"authorization": f"Bearer {token}"}) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
    return time.perf_counter() - started, size


def scale(backend: str, learners: int, phrases: int, takes: int, base: Path) -> None:
    """Seed one class and measure its page and exports on ``backend``."""
    cluster = PostgresCluster().start() if backend == "postgresql" else None
    try:
        database = cluster.create_database() if cluster else None
        data_dir = base / f"data-{backend}"
        tokens = classroom(data_dir, [], database=database)
        pack = load_pack(DEMO_PACK)
        db = open_store(data_dir, database)
        publish(db, DEMO_PACK)
        started = time.perf_counter()
        made = seed_takes(db, 1, learners, [(p.id, p.text) for p in pack.phrases[:phrases]], takes,
                          score_json=real_score_json(base))
        seeded = time.perf_counter() - started
        db.close()
        print(f"[{backend}] seeded {made:,} takes ({learners:,} learners × {phrases} phrases × {takes}) in {seeded:.0f} s "
              f"with their summaries ({load()})")
        server = LiveServer(data_dir, base / f"tmp-{backend}", database=database).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600) as client:
                sign_in(client, tokens.teacher)
                client.get("/classes/1")  # warm the connection pool and the templates
                times, sizes = [], []
                pages = -(-learners // 50)
                for n in range(PAGE_REQUESTS):
                    params = {"page": str(1 + (n * 7) % pages), "sort": SORTS[n % len(SORTS)]}
                    started = time.perf_counter()
                    page = client.get("/classes/1", params=params)
                    times.append(time.perf_counter() - started)
                    sizes.append(len(page.content))
                    assert page.status_code == 200 and "class-table" in page.text, page.text[:300]
                ms = np.array(times) * 1000
                print(f"[{backend}] class page ({PAGE_REQUESTS} requests over pages and {len(SORTS)} sort orders): "
                      f"p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
                      f"{np.mean(sizes) / 1024:.0f} KB ({load()})")
                for path, what in (("/api/v1/attempts.csv", "CSV"), ("/api/v1/attempts", "JSON")):
                    before = rss_kb(server.pid) / 1024
                    with Peak(server.pid) as peak:
                        seconds, size = download(client, path, tokens.teacher)
                    print(f"[{backend}] full {what} export: {seconds:.1f} s, {size / 1e6:.0f} MB; server RSS "
                          f"{before:.0f} MB before, peak {peak.mb:.0f} MB while streaming ({load()})")
        finally:
            server.stop()
    finally:
        if cluster:
            cluster.stop()


async def send_all(url: str, tokens: list[str], takes: list[tuple[Path, str]], count: int) -> list[float]:
    """``count`` uploads from every token at once (each token one after another); the latency of every upload."""
    latencies: list[float] = []
    audio = [(path.read_bytes(), pid, text) for (path, pid), (_, text) in zip(takes, PHRASES)]
    queue = list(range(count))

    async def learner(client: httpx.AsyncClient, token: str) -> None:
        while queue:
            n = queue.pop()
            data, pid, text = audio[n % len(audio)]
            fields = {"pack": "en-basics", "pack_version": "1", "phrase_id": pid, "text": text, "lang": "en-US",
                      "recorded_at": "2025-03-01T09:30:00Z", "client_attempt_id": str(uuid.uuid4())}
            started = time.perf_counter()
            while True:
                response = await client.post("/api/v1/attempts", headers={"authorization": f"Bearer {token}"},
                                             data={"meta": json.dumps(fields)}, files={"audio": ("t.wav", data, "audio/wav")})
                if response.status_code != 503:
                    break
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            if response.status_code != 201:
                raise SystemExit(f"upload failed: {response.status_code} {response.text}")
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        await asyncio.gather(*(learner(client, token) for token in tokens))
    return latencies


def scored(data_dir: Path) -> int:
    """Takes the server has scored."""
    return int(query(data_dir, None, "SELECT count(*) FROM attempts WHERE status = 'scored'")[0][0])


def throughput(label: str, base: Path, takes: list[tuple[Path, str]], clients: int, count: int, args: tuple[str, ...]) -> None:
    """Uploads answered at once (``--score-wait 0``), then the time until every one is scored: uploads scored per second."""
    data_dir = base / f"data-{label.replace(' ', '-')}"
    tokens = list(classroom(data_dir, [f"learner-{n}" for n in range(clients)]).learners.values())
    db = open_store(data_dir)
    publish(db, DEMO_PACK)
    db.close()
    server = LiveServer(data_dir, base / f"tmp-{label.replace(' ', '-')}", args=("--score-wait", "0", *args)).start()
    try:
        warm = len(takes) * 2  # every worker prepares the references before the clock starts
        asyncio.run(send_all(server.url, tokens[:2], takes, warm))
        while scored(data_dir) < warm:
            time.sleep(0.1)
        started = time.perf_counter()
        latencies = np.array(asyncio.run(send_all(server.url, tokens, takes, count)))
        stored = time.perf_counter() - started
        while scored(data_dir) < warm + count:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    print(f"{label}: {count} uploads from {clients} learners stored in {stored:.1f} s (answer p50 "
          f"{np.percentile(latencies, 50) * 1000:.0f} ms, p95 {np.percentile(latencies, 95) * 1000:.0f} ms), "
          f"all scored after {elapsed:.1f} s: {count / elapsed:.2f} uploads/s scored ({load()})")


def uploads(clients: int, count: int, base: Path) -> None:
    """Uploads per second, scored, by the embedded pool and by a Dask cluster of 1 and 2 workers."""
    takes = [(spoken(base / f"{pid}.wav", text, rate=150), pid) for pid, text in PHRASES]
    for workers in (1, 2):
        throughput(f"embedded pool, {workers} process{'es' if workers > 1 else ''}", base, takes, clients, count,
                   ("--workers", str(workers)))
    scheduler = DaskScheduler(base / "dask").start()
    try:
        for workers in (1, 2):
            scheduler.worker(f"bench-{workers}")
            throughput(f"Dask, {workers} worker{'s' if workers > 1 else ''} (1 thread each)", base, takes, clients, count,
                       ("--scheduler", scheduler.address))
    finally:
        scheduler.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parts = parser.add_subparsers(dest="part")
    big = parts.add_parser("scale", help="the class page and exports of a large class")
    big.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    big.add_argument("--learners", type=int, default=3000)
    big.add_argument("--phrases", type=int, default=26)
    big.add_argument("--takes", type=int, default=3)
    up = parts.add_parser("uploads", help="uploads scored per second: embedded pool, Dask with 1 and 2 workers")
    up.add_argument("--clients", type=int, default=8, help="learners uploading at once")
    up.add_argument("--count", type=int, default=60, help="uploads per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        if args.part in (None, "scale"):
            backend = getattr(args, "backend", "both")
            for name in ("sqlite", "postgresql") if backend == "both" else (backend,):
                scale(name, getattr(args, "learners", 3000), getattr(args, "phrases", 26), getattr(args, "takes", 3), Path(folder))
        if args.part in (None, "uploads"):
            uploads(getattr(args, "clients", 8), getattr(args, "count", 60), Path(folder))


if __name__ == "__main__":
    main()

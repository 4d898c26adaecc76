"""Class-server throughput: uploads per second sustained, and server-side scoring per second.

Starts a real ``pronounce server run`` on 127.0.0.1 in a temporary data dir
(the demo pack published), then:

1. scoring throughput: takes scored per second by the server's worker pool
   (1 and 2 processes), measured in this process with the same code;
2. sustained uploads: ``--clients`` learners each uploading takes back to back
   for ``--seconds``; prints uploads/s and the latency percentiles.

Takes are espeak-ng phrases of the demo pack (about 1 s each). The machine is
shared: the load average is printed with every figure.

    .venv/bin/python bench/bench_server.py --clients 8 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.server.helpers import LiveServer, classroom, spoken  # noqa: E402
from tui.packs.loader import load_pack  # noqa: E402
from tui.paths import DEMO_PACK  # noqa: E402
from tui.server.db import Database, server_root  # noqa: E402
from tui.server.packs import publish  # noqa: E402
from tui.server.scorer import ReferenceSpec, Scorer  # noqa: E402

PHRASES = (("good-morning", "Good morning."), ("good-evening", "Good evening."), ("thank-you-very-much", "Thank you very much."))


def load() -> str:
    """The 1-minute load average of this 2-core machine."""
    return f"load {os.getloadavg()[0]:.1f}"


async def scoring_rate(workers: int, takes: list[tuple[Path, str]], references: Path, count: int) -> float:
    """Takes scored per second by a pool of ``workers`` processes (warmed up first)."""
    scorer = Scorer(workers, references)
    scorer.start()
    try:
        pack = {p.id: p for p in load_pack(DEMO_PACK).phrases}
        specs = [(path, ReferenceSpec(pack[pid].text, "en-US", pack[pid].audio, pack[pid].words)) for path, pid in takes]
        await asyncio.gather(*(scorer.score(path, spec) for path, spec in specs * workers))
        started = time.perf_counter()
        results = await asyncio.gather(*(scorer.score(*specs[n % len(specs)]) for n in range(count)))
        elapsed = time.perf_counter() - started
    finally:
        scorer.close()
    assert all(r.score is not None for r in results), [r.error for r in results if r.score is None]
    return count / elapsed


async def sustained(url: str, tokens: list[str], takes: list[tuple[Path, str]], seconds: float) -> list[float]:
    """Each token uploads takes back to back for ``seconds``; the latency of every upload."""
    latencies: list[float] = []
    audio = [(path.read_bytes(), pid, text) for (path, pid), (_, text) in zip(takes, PHRASES)]
    deadline = time.monotonic() + seconds

    async def learner(client: httpx.AsyncClient, token: str, offset: int) -> None:
        n = offset
        while time.monotonic() < deadline:
            data, pid, text = audio[n % len(audio)]
            fields = {"pack": "en-basics", "pack_version": "1", "phrase_id": pid, "text": text, "lang": "en-US",
                      "recorded_at": "2025-03-01T09:30:00Z", "client_attempt_id": str(uuid.uuid4())}
            started = time.perf_counter()
            response = await client.post("/api/v1/attempts", headers={"authorization": f"Bearer {token}"},
                                         data={"meta": json.dumps(fields)}, files={"audio": ("t.wav", data, "audio/wav")})
            if response.status_code != 201:
                raise SystemExit(f"upload failed: {response.status_code} {response.text}")
            latencies.append(time.perf_counter() - started)
            n += 1

    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        await asyncio.gather(*(learner(client, token, i) for i, token in enumerate(tokens)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="learners uploading at once")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the sustained run lasts")
    parser.add_argument("--scores", type=int, default=60, help="takes scored per pool size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        base = Path(folder)
        takes = [(spoken(base / f"{pid}.wav", text, rate=150), pid) for pid, text in PHRASES]
        for workers in (1, 2):
            rate = asyncio.run(scoring_rate(workers, takes, base / "refs", args.scores))
            print(f"server scoring, {workers} worker process(es): {rate:.1f} takes/s ({load()})")
        data_dir = base / "data"
        _, tokens = classroom(data_dir, [f"learner-{n}" for n in range(args.clients)])
        db = Database(server_root(data_dir))
        publish(db, DEMO_PACK)
        db.close()
        server = LiveServer(data_dir, base / "server-tmp").start()
        try:
            asyncio.run(sustained(server.url, list(tokens.values())[:1], takes, 2.0))  # warm the workers' caches
            latencies = np.array(asyncio.run(sustained(server.url, list(tokens.values()), takes, args.seconds)))
        finally:
            server.stop()
        print(f"sustained uploads, {args.clients} clients for {args.seconds:.0f} s, server with 2 scoring workers: "
              f"{len(latencies) / args.seconds:.1f} uploads/s, latency p50 {np.percentile(latencies, 50) * 1000:.0f} ms, "
              f"p95 {np.percentile(latencies, 95) * 1000:.0f} ms ({load()})")


if __name__ == "__main__":
    main()

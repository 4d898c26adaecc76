"""The teacher ↔ learner loop at scale: the new pages and the learners' polls on a class of 3,000 learners.

Seeds one class of 3,000 learners × 26 phrases × 3 takes (234,000 takes with
a real score's JSON each) on SQLite and on PostgreSQL, sets three
assignments (one of the whole pack for the whole class) and answers 3,000
takes, starts a real ``pronounce server run`` and prints, request to last
byte: the phrase-difficulty page, a learner's page, the class's assignments
page and one assignment's completion page (every learner × 26 phrases), and
what each learner's app asks every minute (its answers since its newest one,
its assignments with its progress). Also the time to rebuild every summary
with its weak words (what an upgraded store does once at start).

    .venv/bin/python bench/bench_loop.py --backend both
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_server import load, real_score_json  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from tests.server.helpers import LiveServer, classroom, open_store, seed_takes, sign_in  # noqa: E402
from tests.server.postgres import PostgresCluster  # noqa: E402
from tui.packs.loader import load_pack  # noqa: E402
from tui.paths import DEMO_PACK  # noqa: E402
from tui.server import accounts, assignments, summaries  # noqa: E402
from tui.server.accounts import Identity, Role  # noqa: E402
from tui.server.db import Database  # noqa: E402
from tui.server.packs import publish  # noqa: E402
from tui.server.schema import attempts, feedback, learners  # noqa: E402

REQUESTS = 20


def timed(what: str, backend: str, call: Callable[[int], httpx.Response]) -> None:
    """Request ``call(n)`` :data:`REQUESTS` times; print p50 and p95 of request to last byte."""
    times, sizes = [], []
    for n in range(REQUESTS):
        started = time.perf_counter()
        response = call(n)
        times.append(time.perf_counter() - started)
        sizes.append(len(response.content))
        assert response.status_code == 200, (what, response.status_code, response.text[:300])
    ms = np.array(times) * 1000
    print(f"[{backend}] {what}: p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
          f"{np.mean(sizes) / 1024:.0f} KB ({load()})")


def seed_loop(db: Database, phrase_ids: list[str]) -> list[int]:
    """Three assignments and an answer to one take of every learner; the learners' ids."""
    teacher = Identity(Role.TEACHER, "Teacher", teacher_id=1, class_ids=frozenset({1}))
    due = date.today() + timedelta(days=5)
    assignments.create(db, teacher, class_id=1, pack_id="en-basics", phrase_ids=None, learner_ids=None, due_on=due, target=80)
    assignments.create(db, teacher, class_id=1, pack_id="en-basics", phrase_ids=phrase_ids[:3], learner_ids=None, due_on=due, target=70)
    with db.reading() as conn:
        ids = list(conn.execute(select(learners.c.id).order_by(learners.c.id)).scalars())
        firsts = dict(conn.execute(select(attempts.c.learner_id, attempts.c.id).where(attempts.c.phrase_id == phrase_ids[0])
                                   .order_by(attempts.c.id.desc())).all())
    assignments.create(db, teacher, class_id=1, pack_id="en-basics", phrase_ids=phrase_ids[3:6], learner_ids=ids[:40],
                       due_on=due, target=90)
    now = datetime.now(UTC)
    with db.writing() as conn:
        conn.execute(insert(feedback), [
            {"attempt_id": firsts[learner], "learner_id": learner, "class_id": 1, "teacher_id": 1,
             "comment": "Open the vowel in 'morning', and let the voice fall at the end.", "words": '[{"index": 1, "text": "morning"}]',
             "audio": None, "audio_seconds": None, "created_at": now - timedelta(minutes=n % 600),
             "updated_at": now - timedelta(minutes=n % 600)} for n, learner in enumerate(ids) if learner in firsts])
    return ids


def scale(backend: str, learner_count: int, phrase_count: int, takes: int, base: Path) -> None:
    cluster = PostgresCluster().start() if backend == "postgresql" else None
    try:
        database = cluster.create_database() if cluster else None
        data_dir = base / f"data-{backend}"
        tokens = classroom(data_dir, [], database=database)
        phrases = [(p.id, p.text) for p in load_pack(DEMO_PACK).phrases[:phrase_count]]
        db = open_store(data_dir, database)
        publish(db, DEMO_PACK)
        made = seed_takes(db, 1, learner_count, phrases, takes, score_json=real_score_json(base))
        with db.writing() as conn:
            started = time.perf_counter()
            summaries.rebuild(conn)
            rebuilt = time.perf_counter() - started
        print(f"[{backend}] {made:,} takes; every summary rebuilt with its weak points in {rebuilt:.1f} s ({load()})")
        ids = seed_loop(db, [p for p, _ in phrases])
        learner_tokens = []
        with db.writing() as conn:
            for learner in random.Random(1).sample(ids, REQUESTS):
                learner_tokens.append(accounts.issue(conn, Role.LEARNER, learner_id=learner))
        db.close()
        server = LiveServer(data_dir, base / f"tmp-{backend}", database=database).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600) as client:
                sign_in(client, tokens.teacher)
                client.get("/classes/1/phrases")  # warm the pool and the templates
                sorts = ("order", "mean", "-below", "learners")
                timed("phrase difficulty page (4 sort orders)", backend,
                      lambda n: client.get("/classes/1/phrases", params={"sort": sorts[n % 4]}))
                timed(f"a learner's page ({phrase_count * takes} takes, {phrase_count} charts)", backend, lambda n: client.get(f"/learners/{ids[n * 97 % len(ids)]}"))
                timed(f"learners page (100 of {learner_count:,})", backend, lambda n: client.get(
                    "/classes/1/learners", params={"page": str(1 + n % 5)}))
                timed("assignments page (3, with who is done)", backend, lambda n: client.get("/classes/1/assignments"))
                timed(f"whole-pack assignment page (50 of {learner_count:,} learners × {phrase_count} phrases)", backend,
                      lambda n: client.get("/assignments/1", params={"page": str(1 + n % 5)}))
                since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
                timed("a learner's poll: answers since its newest", backend, lambda n: client.get(
                    "/api/v1/feedback", params={"since": since}, headers={"authorization": f"Bearer {learner_tokens[n]}"}))
                timed("a learner's poll: assignments with progress", backend, lambda n: client.get(
                    "/api/v1/assignments", headers={"authorization": f"Bearer {learner_tokens[n]}"}))
        finally:
            server.stop()
    finally:
        if cluster:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--phrases", type=int, default=26)
    parser.add_argument("--takes", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-loop.") as folder:
        for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
            scale(backend, args.learners, args.phrases, args.takes, Path(folder))


if __name__ == "__main__":
    main()

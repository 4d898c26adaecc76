"""Remake the README's screenshots of the teacher ↔ learner loop: ``.venv/bin/python assets/shoot_classroom.py``.

Starts a real class server on a temporary data dir with a class of ten
learners (real takes, scored by the server, for Ana; seeded takes for the
others), sets work, answers a take with a recording, then renders every
teacher's page with headless chromium at 1400 and 390 px (a phone) and the
learner's app (practice screen with the assigned phrases, Review with the
answer) as SVG. Writes ``assets/loop-*.png`` and ``assets/loop-*.svg``.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from tests.server.conftest import CHROMIUM, FLAGS  # noqa: E402
from tests.server.helpers import LiveServer, classroom, learner_with_takes, meta, open_store, spoken, upload  # noqa: E402
from tui.paths import DEMO_PACK  # noqa: E402
from tui.server import summaries  # noqa: E402
from tui.server.packs import publish  # noqa: E402
from tui.server.schema import attempts, learners  # noqa: E402

OUT = REPO / "assets"
NAMES = ["Ana Pérez", "Ben Okafor", "Chloé Martin", "Dev Patel", "Emma Schmidt", "Finn O'Brien", "Grace Liu",
         "Hugo Silva", "Isla Novak", "Jonas Berg"]
PHRASES = [("hello-how-are-you", "Hello, how are you?"), ("good-morning", "Good morning."), ("good-evening", "Good evening."),
           ("thank-you-very-much", "Thank you very much."), ("where-is-the-station", "Where is the station?")]
HARD = {"hello-how-are-you": "are", "good-evening": "evening", "thank-you-very-much": "thank", "where-is-the-station": "station"}
SOUNDS = {"are": ("AA", "the vowel in 'cut'"), "evening": ("IY", None), "thank": ("TH", "'f'"), "station": ("EY", None)}
"""The sound the scorer names in the hard word when it is weak: the phone, and what was heard instead (None: unclear)."""


def _finding(word: str) -> str:
    from tui.scoring import lexicon

    phone, heard = SOUNDS[word]
    name = lexicon.phone_name(phone, word)
    return f"{name} sounded like {heard}" if heard else f"{name} was unclear"


def _score(text: str, overall: float, hard: str, rng: random.Random) -> str:
    words = []
    for n, word in enumerate(text.split()):
        clean = word.strip(".,?!").lower()
        score = overall - 25 + rng.uniform(-8, 8) if clean == hard else overall + rng.uniform(-6, 10)
        words.append({"text": word, "score": round(min(100, max(5, score)), 1), "ref_start": n * 0.3, "ref_end": n * 0.3 + 0.28})
    weak = [w for w in words if w["text"].strip(".,?!").lower() == hard and w["score"] < 60]
    return json.dumps({"overall": overall, "accuracy": overall, "fluency": min(100, overall + 5), "intonation": overall - 3,
                       "completeness": 100.0, "words": words, "issues": [_finding(hard)] if weak else [], "path": [],
                       "scorer_version": "seeded",
                       "evidence": ""})


def _seed(data_dir: Path) -> None:
    """Seeded takes of every learner but Ana, two weeks of them, each learner better or worse at each phrase."""
    rng = random.Random(7)
    db = open_store(data_dir)
    start = datetime.now(UTC) - timedelta(days=14)
    rows: list[dict[str, Any]] = []
    with db.writing() as conn:
        found = {name: id for id, name in conn.execute(select(learners.c.id, learners.c.name))}
        for name in NAMES[1:]:
            skill = rng.uniform(50, 88)
            for phrase_id, text in PHRASES:
                level = skill - (12 if phrase_id in HARD else 0)
                for take in range(rng.randint(2, 5)):
                    overall = round(min(99, max(12, level + take * 3 + rng.uniform(-8, 8))), 1)
                    when = min(start + timedelta(days=take * 3 + rng.uniform(0, 2), hours=rng.uniform(8, 18)),
                               datetime.now(UTC) - timedelta(hours=rng.uniform(2, 30)))
                    rows.append({"learner_id": found[name], "class_id": 1, "client_attempt_id": str(uuid.uuid4()),
                                 "pack_id": "en-basics", "pack_version": "1", "phrase_id": phrase_id, "text": text,
                                 "lang": "en-US", "recorded_at": when, "created_at": when, "status": "scored",
                                 "audio": "recordings/x.flac", "audio_bytes": 1, "duration": 1.4, "reference": "references/x.wav",
                                 "overall": overall, "accuracy": overall, "fluency": min(100, overall + 5),
                                 "intonation": overall - 3, "completeness": 100.0,
                                 "score_json": _score(text, overall, HARD.get(phrase_id, ""), rng),
                                 "scorer_version": "seeded", "scored_at": when})
        conn.execute(insert(attempts), rows)
        summaries.rebuild(conn)
    db.close()


def _server(base: Path) -> tuple[LiveServer, Any, Path]:
    data_dir = base / "data"
    tokens = classroom(data_dir, NAMES, name="Year 9 B", teacher="Ms Lee")
    db = open_store(data_dir)
    publish(db, DEMO_PACK)
    db.close()
    _seed(data_dir)
    server = LiveServer(data_dir, base / "tmp").start()
    return server, tokens, data_dir


def _ana(server: LiveServer, tokens: Any, base: Path) -> Path:
    """Ana's own data dir: real takes recorded over two weeks, uploaded by `pronounce sync`, and the work set for her."""
    with server.client() as client:
        for day, (phrase, text) in enumerate(PHRASES * 2):
            rate = 95 + day * 8  # slow at first, then closer to the reference's pace
            take = spoken(base / f"{phrase}-{rate}.wav", text.rstrip(".?"), rate=rate)
            when = (datetime.now(UTC) - timedelta(days=13 - day, hours=3)).isoformat()
            upload(client, tokens.learners["Ana Pérez"], take, meta(text, phrase_id=phrase, recorded_at=when))
    learner = base / "ana"
    learner_with_takes(learner, spoken(base / "gm.wav", "Good morning"), 1, url=server.url, token=tokens.learners["Ana Pérez"])
    return learner


def _teacher_work(server: LiveServer, tokens: Any, base: Path) -> tuple[int, dict[str, int]]:
    import subprocess

    import httpx

    headers = {"authorization": f"Bearer {tokens.teacher}"}
    due = date.today() + timedelta(days=3)
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as teacher:
        teacher.post("/api/v1/assignments", json={"class": 1, "pack": "en-basics", "due": due.isoformat(), "target": 80,
                                                  "phrases": ["good-evening", "thank-you-very-much", "where-is-the-station"]})
        names = {row["name"]: row["id"] for row in teacher.get("/api/v1/classes/1/learners").json()["learners"]}
        teacher.post("/api/v1/assignments", json={"class": 1, "pack": "en-basics", "target": 90,
                                                  "due": (due + timedelta(days=7)).isoformat(),
                                                  "learners": [names["Dev Patel"], names["Finn O'Brien"]]})
        subprocess.run([str(REPO / ".venv/bin/pronounce"), "--data-dir", str(base / "ana"), "sync"], check=True,
                       capture_output=True)
        for name, done in (("Ben Okafor", PHRASES[2:]), ("Chloé Martin", PHRASES[2:4]), ("Grace Liu", PHRASES[2:])):
            for phrase, text in done:
                upload(teacher, tokens.learners[name], spoken(base / f"{phrase}.wav", text.rstrip(".?")),
                       meta(text, phrase_id=phrase, recorded_at=datetime.now(UTC).isoformat()))
        takes = [a for a in teacher.get("/api/v1/attempts", params={"learner": "Ana Pérez"}).json()["attempts"]]
        newest = takes[-1]["id"]
        clip = spoken(base / "teacher.wav", "Good morning", rate=110)
        with open(clip, "rb") as handle:
            teacher.put(f"/api/v1/attempts/{newest}/feedback", data={
                "comment": "Much better! Hold the r in \"morning\" a little less, and let your voice fall at the end. "
                           "Listen to mine, then say it three times.", "word": ["1"]},
                files={"audio": ("mine.wav", handle, "audio/wav")})
        seeded = teacher.get("/api/v1/attempts", params={"learner": "Finn O'Brien"}).json()["attempts"]
        teacher.patch(f"/api/v1/attempts/{seeded[0]['id']}", json={"hidden": True})
        teacher.patch(f"/api/v1/attempts/{seeded[1]['id']}", json={"flagged": True})
        subprocess.run([str(REPO / ".venv/bin/pronounce"), "--data-dir", str(base / "ana"), "sync"], check=True,
                       capture_output=True)
        return int(newest), names


def _pages(server: LiveServer, tokens: Any, take: int, names: dict[str, int]) -> None:
    pages = {"attempt": f"/attempts/{take}", "learner": f"/learners/{names['Ana Pérez']}", "learners": "/classes/1/learners",
             "phrases": "/classes/1/phrases?sort=mean", "assignments": "/classes/1/assignments", "assignment": "/assignments/1",
             "packs": "/packs", "class": "/classes/1"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        for width in (1400, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(f"{server.url}/")
            page.fill("#token", tokens.teacher)
            page.click("button[type=submit]")
            for name, path in pages.items():
                page.goto(f"{server.url}{path}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"loop-{name}-{width}.png"), full_page=True)
            context.close()
        browser.close()


async def _app(learner: Path) -> None:
    from tui.app import PronounceApp
    from tui.client.inbox import assigned_pack_dir
    from tui.config import config_path, load_config, save_config

    save_config(load_config(config_path(learner)).with_changes(auto_stop=False), config_path(learner))
    app = PronounceApp(assigned_pack_dir(learner, "en-basics"), data_dir=learner)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):
            await asyncio.sleep(0.1)
            if app.session.classroom is not None and app.screen.query("AssignmentsBox") and \
                    app.screen.query_one("AssignmentsBox").display:
                break
        await asyncio.sleep(1.5)
        await pilot.pause()
        app.save_screenshot(str(OUT / "loop-practice.svg"))
        await pilot.press("r")
        await asyncio.sleep(3)
        await pilot.pause()
        app.save_screenshot(str(OUT / "loop-review.svg"))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pronounce-shots.") as folder:
        base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(folder)  # a folder given is kept, to look into
        server, tokens, _ = _server(base)
        try:
            learner = _ana(server, tokens, base)
            take, names = _teacher_work(server, tokens, base)
            _pages(server, tokens, take, names)
            asyncio.run(_app(learner))
        finally:
            server.stop()
    print("\n".join(sorted(str(p.relative_to(REPO)) for p in OUT.glob("loop-*"))))


if __name__ == "__main__":
    main()

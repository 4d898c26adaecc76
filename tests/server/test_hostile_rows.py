"""No stored value can break a listing: rows written straight into the database (as a bug, a hand edit or another
program could) with every hostile value the columns allow, then every listing and page of a real server, on both databases.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, text

from tests.server.conftest import BACKENDS, Classroom
from tests.server.helpers import meta, open_store, sign_in, upload
from tui.cli import cli
from tui.server.db import server_root
from tui.server.schema import assignment_phrases, assignments, attempts, feedback, learners, summaries, weak_points
from tui.store.inbox import Inbox

pytestmark = pytest.mark.parametrize("room", BACKENDS, indirect=True, scope="module")
GOOD = {"overall": 50.0, "accuracy": 50.0, "fluency": 50.0, "intonation": 50.0, "completeness": 50.0}
SCORES = ["not json", '{"overall": NaN, "accuracy": 1, "fluency": 1, "intonation": 1, "completeness": 1}',
          '{"overall": 1e999, "accuracy": 1, "fluency": 1, "intonation": 1, "completeness": 1}', "[1, 2]",
          json.dumps({**GOOD, "overall": -50}), json.dumps({**GOOD, "overall": 1e308}), json.dumps({**GOOD, "words": "x"}),
          json.dumps({**GOOD, "words": [{"text": 5, "score": "high"}]}), json.dumps({**GOOD, "path": [[1]]}),
          json.dumps({**GOOD, "issues": ["x" * 300_000]}), "[" * 5000]
HOSTILE_TEXT = "<script>alert(1)</script>" + "é" * 3000
MARKED = ["not json", "[1, 2]", '[{"index": "x", "text": 5}]', '{"index": 1}', "[" * 5000,
          json.dumps([{"index": 10**30, "text": HOSTILE_TEXT}])]


def _rows(room: Classroom) -> list[dict[str, Any]]:
    """Hostile takes of Cleo, each another bad value in another column."""
    base = {"learner_id": 3, "class_id": 1, "pack_id": "en-basics", "pack_version": "1", "phrase_id": "good-morning",
            "text": "Good morning.", "lang": "en-US", "audio": "recordings/3/x.wav", "audio_bytes": 1,
            "reference": "references/x.wav", "accuracy": 50.0, "fluency": 50.0, "intonation": 50.0, "completeness": 50.0,
            "scorer_version": "x", "duration": 1.0, "status": "scored", "overall": 50.0, "error": None,
            "client_score_json": None, "client_overall": None}
    found = [{"score_json": score} for score in SCORES]
    found += [{"score_json": json.dumps(GOOD), "client_score_json": score} for score in SCORES[:6]]
    found += [{"score_json": json.dumps(GOOD), **change} for change in (
        {"audio": "../../../../etc/passwd"}, {"audio": "/etc/passwd"}, {"reference": "../../../etc/shadow"},
        {"duration": float("inf")}, {"duration": -5.0}, {"duration": 1e308}, {"text": HOSTILE_TEXT},
        {"pack_id": "<b>pack</b>", "phrase_id": "a b\u202e"}, {"status": "failed", "error": "x" * 100_000})]
    if room.database is not None:
        found.append({"score_json": json.dumps(GOOD), "duration": float("nan")})
    return [{**base, **row, "client_attempt_id": str(uuid.uuid4())} for row in found]


def test_rows_written_by_anything_else_never_break_a_listing_or_a_page(room: Classroom) -> None:
    with room.server.client() as client:  # one normal take first: it must stay visible beside the hostile ones
        good = upload(client, room.learners["Ana"], room.take(), meta())
        assert good.status_code == 201, good.text
    db = open_store(room.data_dir, room.database)
    try:
        with db.writing() as conn:
            now = datetime.now(UTC)
            conn.execute(insert(attempts), [{**row, "recorded_at": now, "created_at": now, "scored_at": now} for row in _rows(room)])
            conn.execute(insert(summaries).values(
                learner_id=3, pack_id="en-basics", phrase_id="good-evening", class_id=1, text=HOSTILE_TEXT, attempts=-7,
                latest=1e308, latest_attempt_id=2**62, latest_at=now, best=float("inf"), mean_last5=-1.0,
                trend=float("inf") if room.database is None else float("nan"), updated_at=now))
            if room.database is None:  # SQLite keeps whatever a column is given: a time that is no time
                conn.execute(text("UPDATE attempts SET recorded_at = 'not a time', learner_id = 3 WHERE id ="
                                  " (SELECT max(id) FROM attempts)"))
            else:  # PostgreSQL holds times Python cannot
                conn.execute(text("UPDATE attempts SET recorded_at = 'infinity' WHERE id = (SELECT max(id) FROM attempts)"))
            ids = [row[0] for row in conn.execute(text("SELECT id FROM attempts WHERE learner_id = 3 ORDER BY id"))]
    finally:
        db.close()
    teacher = {"authorization": f"Bearer {room.teacher}"}
    with room.server.client() as client:
        listed = client.get("/api/v1/attempts", headers=teacher)
        assert listed.status_code == 200
        body = json.loads(listed.text)  # strict JSON: no NaN, no Infinity
        assert good.json()["id"] in [a["id"] for a in body["attempts"]]
        hostile = [a for a in body["attempts"] if a["id"] in ids]
        assert len(hostile) == len(ids) and all(a["score"] is None or 0 <= a["score"]["overall"] <= 100 for a in hostile)
        exported = client.get("/api/v1/attempts.csv", headers=teacher)
        assert exported.status_code == 200 and len(list(csv.DictReader(io.StringIO(exported.text)))) == len(body["attempts"])
        for attempt_id in ids:
            one = client.get(f"/api/v1/attempts/{attempt_id}", headers=teacher)
            assert one.status_code == 200, one.text
            json.loads(one.text)
            audio = client.get(f"/api/v1/attempts/{attempt_id}/audio", headers=teacher)
            assert audio.status_code == 404 and "root:" not in audio.text  # a path out of the store is no recording
        sign_in(client, room.teacher)
        page = client.get("/classes/1")
        assert page.status_code == 200 and "<script>alert(1)" not in page.text
        assert "1e+308" not in page.text and "inf" not in page.text.split('id="class-table"', 1)[1].split("</table>")[0]
        for attempt_id in ids:
            shown = client.get(f"/attempts/{attempt_id}")
            assert shown.status_code == 200, (attempt_id, shown.text[:300])
            assert "<script>alert(1)" not in shown.text and "x" * 600 not in shown.text  # a failed take's reason is cut
            assert client.get(f"/attempts/{attempt_id}/reference").status_code == 404


def _csrf(client: Any, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _loop_rows(room: Classroom, takes: list[int]) -> int:
    """Answers, an assignment, weak points and a learner written straight into the database; the assignment's id."""
    sqlite = room.database is None
    bad_time = "'not a time'" if sqlite else "'infinity'"
    changes: list[dict[str, Any]] = [{"words": w} for w in MARKED]
    victim = os.path.relpath(room.data_dir.parent / "victim.txt", server_root(room.data_dir))
    changes += [{"words": "[]", "audio": victim}, {"words": "[]", "audio": "/etc/passwd"},
                {"words": "[]", "audio": "feedback/3/x.flac", "audio_seconds": float("inf")},
                {"words": "[]", "audio_seconds": -1e308}]
    db = open_store(room.data_dir, room.database)
    try:
        with db.writing() as conn:
            now = datetime.now(UTC)
            conn.execute(insert(feedback), [{"attempt_id": take, "learner_id": 3, "class_id": 1, "teacher_id": None,
                                             "comment": "<script>alert(1)</script>" + "é" * 1900, "audio": None,
                                             "audio_seconds": None, "created_at": now, "updated_at": now, **change}
                                            for take, change in zip(takes, changes, strict=False)])
            conn.execute(text(f"UPDATE feedback SET updated_at = {bad_time} WHERE id = (SELECT max(id) FROM feedback)"))
            assignment = conn.execute(insert(assignments).values(
                class_id=1, pack_id="<b>pack</b>", pack_version=HOSTILE_TEXT, due_on=now.date(), target=80, whole_class=True,
                teacher_id=None, created_at=now).returning(assignments.c.id)).scalar_one()
            conn.execute(insert(assignment_phrases), [{"assignment_id": assignment, "phrase_id": "a b\u202e", "position": 0,
                                                       "text": HOSTILE_TEXT}])
            conn.execute(text(f"UPDATE assignments SET created_at = {bad_time}, due_on = "
                              f"{bad_time if sqlite else chr(39) + 'infinity' + chr(39)} WHERE id = {assignment}"))
            conn.execute(insert(summaries).values(  # a phrase of the class's table: the difficulty page counts it
                learner_id=3, pack_id="en-basics", phrase_id="good-morning", class_id=1, text=HOSTILE_TEXT, attempts=1,
                latest=1e308, latest_attempt_id=takes[0], latest_at=now, best=1e308, mean_last5=1e308, trend=None, updated_at=now))
            conn.execute(insert(weak_points), [{"learner_id": 3, "pack_id": "en-basics", "phrase_id": "good-morning",
                                                "kind": kind, "item": HOSTILE_TEXT, "class_id": 1} for kind in ("word", "sound")])
            conn.execute(insert(learners).values(class_id=1, name=HOSTILE_TEXT, created_at=now))
            conn.execute(text(f"UPDATE learners SET created_at = {bad_time}, removed_at = {bad_time} WHERE class_id = 1"
                              " AND id = (SELECT max(id) FROM learners)"))
            conn.execute(text(f"UPDATE attempts SET hidden_at = {bad_time}, flagged_at = {bad_time} WHERE id = {takes[-1]}"))
    finally:
        db.close()
    return int(assignment)


def test_rows_of_the_teachers_tools_never_break_a_page_a_listing_an_export_or_a_sync(room: Classroom, tmp_path: Path) -> None:
    teacher = {"authorization": f"Bearer {room.teacher}"}
    cleo = {"authorization": f"Bearer {room.learners['Cleo']}"}
    with room.server.client() as client:
        listed = client.get("/api/v1/attempts", headers=teacher, params={"learner": "Cleo"}).json()["attempts"]
    takes = sorted(a["id"] for a in listed)
    assert len(takes) >= 10
    assignment = _loop_rows(room, takes)
    with room.server.client() as client:
        for who in (teacher, cleo):
            for path in ("/api/v1/feedback", "/api/v1/assignments", f"/api/v1/assignments/{assignment}"):
                answer = client.get(path, headers=who)
                assert answer.status_code == 200, (path, answer.text[:300])
                json.loads(answer.text)  # strict JSON
                assert "<script>" not in answer.headers.get("content-type", "")
            answers = client.get("/api/v1/feedback", headers=who).json()["feedback"]
            assert len(answers) == 10 and all(isinstance(a["words"], list) for a in answers)
            for answer in answers:
                assert client.get(f"/api/v1/feedback/{answer['id']}", headers=who).status_code == 200
                audio = client.get(f"/api/v1/feedback/{answer['id']}/audio", headers=who)
                assert audio.status_code == 404 and "root:" not in audio.text  # no file outside the store
        for path in ("/api/v1/classes/1/learners", "/api/v1/learners/3", "/api/v1/classes/1/phrases"):
            answer = client.get(path, headers=teacher)
            assert answer.status_code == 200, (path, answer.text[:300])
            json.loads(answer.text)
        phrases = client.get("/api/v1/classes/1/phrases", headers=teacher).json()["phrases"]
        assert phrases and all(0 <= p["mean"] <= 100 for p in phrases)  # the summary of score 1e308 counts not
        sign_in(client, room.teacher)
        for path in ("/classes/1", "/classes/1/learners", "/learners/3", "/learners/3?show=hidden", "/classes/1/phrases",
                     "/classes/1/assignments", f"/assignments/{assignment}", "/packs", *(f"/attempts/{t}" for t in takes)):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            assert "<script>alert(1)" not in page.text and "<b>pack" not in page.text, path
        csrf = _csrf(client, "/classes/1")
        for path in ("/classes/1/export", "/classes/1/phrases/export", "/learners/3/export"):
            exported = client.post(path, data={"csrf": csrf})
            assert exported.status_code == 200, (path, exported.text[:300])
            rows = list(csv.reader(io.StringIO(exported.text)))
            assert len(rows) > 1 and not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row), path
    victim = room.data_dir.parent / "victim.txt"  # an answer's row names a file outside the store: removing it keeps the file
    victim.write_text("not the server's")
    with room.server.client() as client:
        assert client.delete(f"/api/v1/attempts/{takes[len(MARKED)]}/feedback", headers=teacher).status_code in (200, 204)
    assert victim.read_text() == "not the server's"
    learner = ["--data-dir", str(tmp_path / "cleo")]
    assert CliRunner().invoke(cli, [*learner, "login", room.server.url, room.learners["Cleo"]]).exit_code == 0
    synced = CliRunner().invoke(cli, [*learner, "sync"])  # the learner's app takes what it can read and says what it left out
    assert synced.exit_code == 0 and "Traceback" not in synced.output, synced.output
    assert "1 answers and 1 assignments from" in synced.stderr and "could not be read" in synced.stderr, synced.stderr
    with Inbox(tmp_path / "cleo") as inbox:
        assert len(inbox.notes(room.server.url)) == 8

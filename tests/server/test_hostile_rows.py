"""No stored value can break a listing: rows written straight into the database (as a bug, a hand edit or another
program could) with every hostile value the columns allow, then every listing and page of a real server, on both databases.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, text

from tests.server.conftest import BACKENDS, Classroom
from tests.server.helpers import meta, open_store, sign_in, upload
from tui.server.schema import attempts, summaries

pytestmark = pytest.mark.parametrize("room", BACKENDS, indirect=True, scope="module")
GOOD = {"overall": 50.0, "accuracy": 50.0, "fluency": 50.0, "intonation": 50.0, "completeness": 50.0}
SCORES = ["not json", '{"overall": NaN, "accuracy": 1, "fluency": 1, "intonation": 1, "completeness": 1}',
          '{"overall": 1e999, "accuracy": 1, "fluency": 1, "intonation": 1, "completeness": 1}', "[1, 2]",
          json.dumps({**GOOD, "overall": -50}), json.dumps({**GOOD, "overall": 1e308}), json.dumps({**GOOD, "words": "x"}),
          json.dumps({**GOOD, "words": [{"text": 5, "score": "high"}]}), json.dumps({**GOOD, "path": [[1]]}),
          json.dumps({**GOOD, "issues": ["x" * 300_000]}), "[" * 5000]
HOSTILE_TEXT = "<script>alert(1)</script>" + "é" * 3000


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
            assert "<script>alert(1)" not in shown.text
            assert client.get(f"/attempts/{attempt_id}/reference").status_code == 404

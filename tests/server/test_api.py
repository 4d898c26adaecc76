"""The JSON API against a real server process: uploads, idempotency, listings, audio, packs.

What reads or writes the store runs on SQLite and on PostgreSQL (``BOTH``);
what only parses, scores or routes runs on SQLite (``SQLITE``), to keep the
suite's time in check. Both share one server per database for the module.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from tests.server.conftest import BACKENDS, Classroom
from tests.server.helpers import meta, query, upload
from tui.server.accounts import token_hash
from tui.server.db import DB_NAME, server_root

BOTH = pytest.mark.parametrize("room", BACKENDS, indirect=True, scope="module")
SQLITE = pytest.mark.parametrize("room", ["sqlite"], indirect=True, scope="module")


def _rows(room: Classroom, sql: str, **params: object) -> list[tuple[object, ...]]:
    return [tuple(row) for row in query(room.data_dir, room.database, sql, **params)]


@SQLITE
def test_health_answers_200(room: Classroom) -> None:
    with room.server.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@BOTH
def test_an_upload_is_scored_by_the_server_and_a_repeat_gives_the_same_id(room: Classroom) -> None:
    fields = meta(score={"overall": 12.0, "accuracy": 10.0, "fluency": 11.0, "intonation": 13.0, "completeness": 50.0})
    with room.server.client() as client:
        first = upload(client, room.learners["Ana"], room.take("Good morning"), fields)
        again = upload(client, room.learners["Ana"], room.take("Good morning"), fields)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"id", "status", "score"} and body["status"] == "scored"
    assert body["score"]["overall"] > 50  # the server's own score of a clear take, not the client's 12
    assert [w["text"] for w in body["score"]["words"]] == ["Good", "morning"]
    assert again.status_code == 200
    assert again.json() == body
    rows = _rows(room, "SELECT id, client_score_json, reference, status, overall, client_overall, class_id FROM attempts"
                       " WHERE client_attempt_id = :id", id=fields["client_attempt_id"])
    assert len(rows) == 1 and rows[0][0] == body["id"]
    assert '"overall":12.0' in str(rows[0][1]) and rows[0][5] == 12.0  # the learner's score is kept beside the server's
    assert str(rows[0][2]).startswith("packs/")  # scored against the published pack's reference
    assert rows[0][3] == "scored" and rows[0][4] == body["score"]["overall"]
    (summary,) = _rows(room, "SELECT s.latest_attempt_id, s.latest, s.class_id FROM summaries s JOIN learners l ON l.id = s.learner_id"
                             " WHERE l.name = 'Ana' AND s.phrase_id = 'good-morning'")
    assert summary == (body["id"], body["score"]["overall"], rows[0][6])  # the class page's summary is current


@SQLITE
def test_a_phrase_the_server_has_no_pack_for_is_scored_against_a_synthesized_reference(room: Classroom) -> None:
    fields = meta("Where is the station", pack="my-own-pack", phrase_id="station")
    with room.server.client() as client:
        response = upload(client, room.learners["Ben"], room.take("Where is the station"), fields)
    assert response.status_code == 201, response.text
    assert response.json()["score"]["overall"] > 50
    (reference,) = _rows(room, "SELECT reference FROM attempts WHERE id = :id", id=response.json()["id"])[0]
    assert str(reference).startswith("references/")
    assert (server_root(room.data_dir) / str(reference)).is_file()


@SQLITE
def test_flac_and_ogg_takes_are_accepted(room: Classroom) -> None:
    with room.server.client() as client:
        for suffix in (".flac", ".ogg"):
            response = upload(client, room.learners["Cleo"], room.take("Good morning", suffix=suffix), meta())
            assert response.status_code == 201, (suffix, response.text)


@BOTH
def test_the_teacher_lists_filters_and_exports_attempts(room: Classroom) -> None:
    teacher = {"authorization": f"Bearer {room.teacher}"}
    with room.server.client() as client:
        for name in ("Ana", "Ben"):
            assert upload(client, room.learners[name], room.take("Good morning"), meta()).status_code == 201
        upload(client, room.learners["Cleo"], room.take("Good evening"), meta("Good evening", phrase_id="good-evening"))
        everything = client.get("/api/v1/attempts", headers=teacher).json()["attempts"]
        cleo = client.get("/api/v1/attempts", headers=teacher, params={"learner": "Cleo", "phrase": "good-evening"}).json()
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        later = client.get("/api/v1/attempts", headers=teacher, params={"since": future}).json()
        bad_since = client.get("/api/v1/attempts", headers=teacher, params={"since": "yesterday"})
        exported = client.get("/api/v1/attempts.csv", headers=teacher, params={"learner": "Cleo"})
        as_admin = client.get("/api/v1/attempts", headers={"authorization": f"Bearer {room.admin}"}).json()["attempts"]
    assert {a["learner"] for a in everything} >= {"Ana", "Ben", "Cleo"}
    assert [a["id"] for a in everything] == sorted(a["id"] for a in everything)  # oldest first
    assert as_admin == everything  # the admin sees every class; this server has one
    first = everything[0]
    assert {"id", "learner", "class", "pack", "phrase_id", "text", "created_at", "recorded_at", "status", "score",
            "client_score", "audio_url"} <= set(first)
    assert first["class"] == "Class 1" and first["status"] == "scored"
    assert [(a["learner"], a["phrase_id"]) for a in cleo["attempts"]] == [("Cleo", "good-evening")]
    assert later == {"attempts": []}
    assert bad_since.status_code == 422 and "since" in bad_since.json()["error"]
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {r["learner"] for r in rows} == {"Cleo"}
    assert float(rows[-1]["overall"]) == cleo["attempts"][-1]["score"]["overall"]
    assert rows[-1]["class"] == "Class 1" and rows[-1]["status"] == "scored"


@SQLITE
def test_a_csv_cell_never_starts_a_spreadsheet_formula(room: Classroom) -> None:
    with room.server.client() as client:
        upload(client, room.learners["Ben"], room.take("Good morning"), meta("=HYPERLINK(1) morning", pack="formula-pack"))
        exported = client.get("/api/v1/attempts.csv", headers={"authorization": f"Bearer {room.teacher}"},
                              params={"pack": "formula-pack"})
    assert [row["text"] for row in csv.DictReader(io.StringIO(exported.text))] == ["'=HYPERLINK(1) morning"]


@BOTH
def test_learners_cannot_use_teacher_endpoints_and_tokens_are_required(room: Classroom) -> None:
    ana = {"authorization": f"Bearer {room.learners['Ana']}"}
    with room.server.client() as client:
        for path in ("/api/v1/attempts", "/api/v1/attempts.csv"):
            refused = client.get(path, headers=ana)
            assert refused.status_code == 403 and refused.json()["hint"] == "use an admin or a teacher token"
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"authorization": "Bearer prn_not-a-real-token"}).status_code == 401
        teacher_upload = upload(client, room.teacher, room.take("Good morning"), meta())
    assert teacher_upload.status_code == 403
    assert set(teacher_upload.json()) == {"error", "hint"}


@BOTH
def test_audio_goes_to_the_teacher_and_its_learner_only(room: Classroom) -> None:
    take = room.take("Good morning")
    with room.server.client() as client:
        attempt_id = upload(client, room.learners["Ana"], take, meta()).json()["id"]
        path = f"/api/v1/attempts/{attempt_id}/audio"
        as_teacher = client.get(path, headers={"authorization": f"Bearer {room.teacher}"})
        as_owner = client.get(path, headers={"authorization": f"Bearer {room.learners['Ana']}"})
        as_other = client.get(path, headers={"authorization": f"Bearer {room.learners['Ben']}"})
        missing = client.get("/api/v1/attempts/999999/audio", headers={"authorization": f"Bearer {room.teacher}"})
    assert as_teacher.status_code == as_owner.status_code == 200
    assert as_teacher.content == take.read_bytes() == as_owner.content
    assert as_teacher.headers["content-type"] == "audio/wav"
    assert as_other.status_code == 403 and "another learner" in as_other.json()["error"]
    assert missing.status_code == 404 and set(missing.json()) == {"error", "hint"}


@BOTH
def test_published_packs_are_listed_and_downloaded_with_any_token(room: Classroom) -> None:
    with room.server.client() as client:
        listed = client.get("/api/v1/packs", headers={"authorization": f"Bearer {room.learners['Ben']}"}).json()["packs"]
        archive = client.get("/api/v1/packs/en-basics.zip", headers={"authorization": f"Bearer {room.teacher}"})
        unknown = client.get("/api/v1/packs/nope.zip", headers={"authorization": f"Bearer {room.teacher}"})
        anonymous = client.get("/api/v1/packs")
    assert [(p["id"], p["url"]) for p in listed] == [("en-basics", "/api/v1/packs/en-basics.zip")]
    assert listed[0]["phrases"] > 10
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "en-basics/pack.toml" in names and any(n.startswith("en-basics/audio/") for n in names)
    assert unknown.status_code == 404 and anonymous.status_code == 401


@BOTH
def test_me_names_the_token_holder(room: Classroom) -> None:
    with room.server.client() as client:
        learner = client.get("/api/v1/me", headers={"authorization": f"Bearer {room.learners['Cleo']}"}).json()
        teacher = client.get("/api/v1/me", headers={"authorization": f"Bearer {room.teacher}"}).json()
    assert learner == {"role": "learner", "name": "Cleo", "classes": [{"id": 1, "name": "Class 1"}]}
    assert teacher == {"role": "teacher", "name": "Teacher", "classes": [{"id": 1, "name": "Class 1"}]}


@SQLITE
def test_an_unknown_route_and_method_answer_json(room: Classroom) -> None:
    with room.server.client() as client:
        missing = client.get("/api/v1/nothing")
        wrong = client.delete("/api/v1/attempts")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "hint"}
    assert wrong.status_code == 405 and set(wrong.json()) == {"error", "hint"}


@BOTH
def test_tokens_are_stored_only_as_hashes(room: Classroom) -> None:
    if room.database is None:
        raw = (server_root(room.data_dir) / DB_NAME).read_bytes()
        wal = server_root(room.data_dir) / f"{DB_NAME}-wal"
        raw += wal.read_bytes() if wal.exists() else b""
    else:
        raw = json.dumps([list(map(str, row)) for table in ("tokens", "web_sessions")
                          for row in _rows(room, f"SELECT * FROM {table}")]).encode()
    assert token_hash(room.teacher).encode() in raw  # what is kept instead: the token's SHA-256
    for token in (room.admin, room.teacher, *room.learners.values()):
        assert len(token) >= 4 + 43  # prefix + 256 random bits in URL-safe base64
        assert token.encode() not in raw
    assert uuid.UUID(meta()["client_attempt_id"])  # helper sanity: fresh UUIDs

"""Assignments, a class's learners and publishing through the API (SQLite): what teachers set, what learners see.

The module's server has "Class 1" (teacher "Teacher"; Ana, Ben, Cleo) and
"Class 2" (teacher "Ms Other"; Dan). A learner sees only the assignments set
for them, each with their own progress; a teacher of one class cannot see or
touch another's assignments or learners.
"""

from __future__ import annotations

import shutil
import socket
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Classroom
from tests.server.helpers import TwoClasses, meta, second_class, upload
from tui.paths import DEMO_PACK

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def two(room: Classroom) -> TwoClasses:
    """Class 2 beside Class 1."""
    return second_class(room, {})


def _assign(client: httpx.Client, **changes: object) -> httpx.Response:
    body: dict[str, object] = {"class": 1, "pack": "en-basics", "phrases": ["good-morning", "thank-you-very-much"],
                               "due": TOMORROW, "target": 80}
    body.update(changes)
    return client.post("/api/v1/assignments", json={k: v for k, v in body.items() if v is not None})


def test_an_assignment_reaches_only_its_learners_with_their_progress(room: Classroom, two: TwoClasses) -> None:
    with two.client(room.teacher) as teacher:
        made = _assign(teacher)
        assert made.status_code == 201, made.text
        whole = made.json()
        assert [p["id"] for p in whole["phrases"]] == ["good-morning", "thank-you-very-much"] and whole["learners"] is None
        learners = {row["name"]: row["id"] for row in teacher.get("/api/v1/classes/1/learners").json()["learners"]}
        only_ben = _assign(teacher, phrases=None, learners=[learners["Ben"]], target=95)
        assert only_ben.status_code == 201 and only_ben.json()["learners"] == ["Ben"]
        assert len(only_ben.json()["phrases"]) > 2, "no phrases: the whole pack"
    now = datetime.now(UTC).isoformat()
    with room.server.client() as client:  # Ana says the first phrase after the work was set; her old take does not count
        assert upload(client, room.learners["Ana"], room.take("Good morning"), meta("Good morning.")).status_code == 201
        fresh = upload(client, room.learners["Ana"], room.take("Good morning"), meta("Good morning.", recorded_at=now))
        assert fresh.status_code == 201 and fresh.json()["score"]["overall"] >= 80, fresh.text
    with two.client(room.learners["Ana"]) as ana:
        mine = ana.get("/api/v1/assignments").json()["assignments"]
        assert [a["id"] for a in mine] == [whole["id"]], "Ana does not see Ben's assignment"
        assert mine[0]["reached"] == 1 and not mine[0]["done"]
        assert mine[0]["best"]["good-morning"] >= 80 and mine[0]["best"]["thank-you-very-much"] is None
        assert ana.get(f"/api/v1/assignments/{only_ben.json()['id']}").status_code == 404
        assert ana.get(f"/api/v1/assignments/{whole['id']}").json()["reached"] == 1
        assert _assign(ana).status_code == 403 and ana.delete(f"/api/v1/assignments/{whole['id']}").status_code == 403
    with two.client(room.learners["Ben"]) as ben:
        assert sorted(a["id"] for a in ben.get("/api/v1/assignments").json()["assignments"]) == sorted([whole["id"], only_ben.json()["id"]])
        assert "completion" not in ben.get(f"/api/v1/assignments/{whole['id']}").json(), "a learner sees no one else's progress"
    with two.client(room.teacher) as teacher:
        completion = {c["learner"]: c for c in teacher.get(f"/api/v1/assignments/{whole['id']}").json()["completion"]}
        assert sorted(completion) == ["Ana", "Ben", "Cleo"] and completion["Ana"]["reached"] == 1
        listed = teacher.get("/api/v1/assignments").json()["assignments"]
        assert {a["id"]: a["learners_assigned"] for a in listed} == {whole["id"]: 3, only_ben.json()["id"]: 1}
    for token in (two.dan, two.other_teacher):
        with two.client(token) as other:
            assert other.get("/api/v1/assignments").json() == {"assignments": []}
            for path in (f"/api/v1/assignments/{whole['id']}",):
                assert other.get(path).status_code == 404
                assert other.delete(path).status_code == (404 if token == two.other_teacher else 403)
    with two.client(two.other_teacher) as other:
        assert _assign(other).status_code == 404, "another class"
    with two.client(room.teacher) as teacher:
        assert teacher.delete(f"/api/v1/assignments/{whole['id']}").status_code == 204
    with two.client(room.learners["Ana"]) as ana:
        assert ana.get("/api/v1/assignments").json() == {"assignments": []}


@pytest.mark.parametrize(("changes", "status", "reason"), [
    ({"due": (date.today() - timedelta(days=3)).isoformat()}, 422, "in the past"),
    ({"due": "next friday"}, 422, "not a day"),
    ({"due": None}, 422, "due must be a day"),
    ({"pack": "no-such-pack"}, 404, "no published pack"),
    ({"phrases": ["good-morning", "../etc/passwd"]}, 422, "not a phrase of the pack"),
    ({"learners": [999]}, 422, "not an active learner"),
    ({"learners": ["Ana"]}, 422, "not an id"),
    ({"target": 0}, 422, "from 1 to 100"),
    ({"target": "80%"}, 422, "from 1 to 100"),
    ({"class": 2}, 404, "no such class"),
    ({"class": "1; DROP TABLE"}, 422, "not an id"),
])
def test_a_bad_assignment_is_refused_with_a_reason(room: Classroom, two: TwoClasses, changes: dict[str, object], status: int, reason: str) -> None:
    with two.client(room.teacher) as teacher:
        before = teacher.get("/api/v1/assignments").json()
        refused = _assign(teacher, **changes)
        assert refused.status_code == status and reason in refused.json()["error"], refused.text
        assert teacher.get("/api/v1/assignments").json() == before


def test_learners_managed_through_the_api_keep_their_history(room: Classroom, two: TwoClasses) -> None:
    with two.client(room.teacher) as teacher:
        added = teacher.post("/api/v1/classes/1/learners", json={"name": "Eve"})
        assert added.status_code == 201
        eve, token = added.json()["learner"], added.json()["token"]
        assert teacher.post("/api/v1/classes/1/learners", json={"name": "Eve"}).status_code == 409
        assert teacher.post("/api/v1/classes/1/learners", json={"name": "Bad\x1bName"}).status_code == 422
        assert teacher.patch(f"/api/v1/learners/{eve['id']}", json={"name": "Eve P"}).json()["name"] == "Eve P"
    with room.server.client() as client:
        assert upload(client, token, room.take("Good morning"), meta("Good morning.")).status_code == 201
    with two.client(token) as old:
        assert old.get("/api/v1/me").json()["name"] == "Eve P"
    with two.client(room.teacher) as teacher:
        renewed = teacher.post(f"/api/v1/learners/{eve['id']}/token").json()["token"]
        assert teacher.delete(f"/api/v1/learners/{eve['id']}").status_code == 204
        assert teacher.post(f"/api/v1/learners/{eve['id']}/token").status_code == 409, "a removed learner is restored instead"
        restored = teacher.post(f"/api/v1/learners/{eve['id']}/restore").json()["token"]
        info = teacher.get(f"/api/v1/learners/{eve['id']}").json()
    assert info["takes"] == 1 and info["tokens_issued"] == 3 and info["removed_at"] is None, "one learner, one history"
    for revoked in (token, renewed):
        with two.client(revoked) as old:
            assert old.get("/api/v1/me").status_code == 401
    with two.client(restored) as new:
        assert new.get("/api/v1/me").json()["name"] == "Eve P"
    for other, expected in ((two.other_teacher, 404), (room.learners["Ana"], 403), (two.dan, 403)):
        with two.client(other) as client:
            assert client.get(f"/api/v1/learners/{eve['id']}").status_code == expected
            assert client.patch(f"/api/v1/learners/{eve['id']}", json={"name": "Mallory"}).status_code == expected
            assert client.post(f"/api/v1/learners/{eve['id']}/token").status_code == expected
            assert client.delete(f"/api/v1/learners/{eve['id']}").status_code == expected
            assert client.get("/api/v1/classes/1/learners").status_code == expected
            assert client.get("/api/v1/classes/1/phrases").status_code == expected
            assert client.post("/api/v1/classes/1/learners", json={"name": "Intruder"}).status_code == expected
    with two.client(restored) as new:
        assert new.get("/api/v1/me").json()["name"] == "Eve P", "nobody else renamed or revoked her"


def _pack_zip(folder: Path, version: str) -> Path:
    pack = shutil.copytree(DEMO_PACK, folder / "en-basics")
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace('version = "1"', f'version = "{version}"', 1))
    archive = folder / "en-basics.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(pack.rglob("*")):
            out.write(path, path.relative_to(folder).as_posix())
    return archive


def _declared_huge(port: int, token: str) -> bytes:
    """The first bytes of the answer to a POST that declares a 300 MB pack and sends none of it."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST /api/v1/packs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                     f"Content-Type: application/zip\r\nContent-Length: {300 * 1024 * 1024}\r\n\r\n".encode())
        return sock.recv(64)


def test_a_teacher_publishes_a_new_version_through_the_api(room: Classroom, two: TwoClasses, tmp_path: Path) -> None:
    archive = _pack_zip(tmp_path, "2")
    with two.client(room.teacher) as teacher:
        published = teacher.post("/api/v1/packs", content=archive.read_bytes(), headers={"content-type": "application/zip"})
        assert published.status_code == 201, published.text
        assert published.json()["version"] == "2"
        assert [p["version"] for p in teacher.get("/api/v1/packs").json()["packs"] if p["id"] == "en-basics"] == ["2"]
        junk = teacher.post("/api/v1/packs", content=b"PK\x03\x04 not really a zip", headers={"content-type": "application/zip"})
        assert junk.status_code == 422 and "the uploaded pack" in junk.json()["error"]
        assert str(room.data_dir) not in junk.text
        assert teacher.post("/api/v1/packs", content=b"{}", headers={"content-type": "application/json"}).status_code == 415
        assert _declared_huge(room.server.port, room.teacher).startswith(b"HTTP/1.1 413"), "refused before the body is read"
    with two.client(room.learners["Ana"]) as ana:
        assert ana.post("/api/v1/packs", content=archive.read_bytes(), headers={"content-type": "application/zip"}).status_code == 403

"""Answers to takes through the API, on SQLite and PostgreSQL: a teacher writes, only the take's learner reads.

The module's server has "Class 1" (teacher "Teacher"; Ana, Ben, Cleo) and
"Class 2" (teacher "Ms Other"; Dan). Every cross-learner and cross-class
attempt on every answer endpoint is refused: 404 for what the token may not
see (as if it did not exist), 403 for a learner trying to write.
"""

from __future__ import annotations

import io
import json
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.server.conftest import BACKENDS, Classroom
from tests.server.helpers import TwoClasses, second_class

pytestmark = pytest.mark.parametrize("room", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def two(room: Classroom) -> TwoClasses:
    """Class 2 beside Class 1, a take of Ana's, Ben's and Dan's."""
    return second_class(room, {"Ana": room.learners["Ana"], "Ben": room.learners["Ben"], "Dan": None})


def _tone(path: Path, seconds: float, *, amplitude: float = 0.3, rate: int = 16000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)
    return path


def _answer(client: httpx.Client, take: int, *, audio: Path | bytes | None = None, **fields: str | list[str]) -> httpx.Response:
    files = None
    if audio is not None:
        files = {"audio": ("clip.wav", audio.read_bytes() if isinstance(audio, Path) else audio, "audio/wav")}
    return client.put(f"/api/v1/attempts/{take}/feedback", data=fields, files=files or {"audio": ("", b"", "audio/wav")})


def test_a_teacher_answers_a_take_and_only_its_learner_reads_it(room: Classroom, two: TwoClasses) -> None:
    ana_take = two.takes["Ana"]
    hostile = 'Nice! <script>alert("x")</script> — now the "r" in\nmorning.'
    with two.client(room.teacher) as teacher:
        written = teacher.put(f"/api/v1/attempts/{ana_take}/feedback", json={"comment": hostile, "words": [1]})
        assert written.status_code == 200, written.text
    answer = written.json()
    assert answer["comment"] == hostile and answer["words"] == [{"index": 1, "text": "morning"}]
    assert answer["author"] == "Teacher" and answer["audio_url"] is None
    with two.client(room.learners["Ana"]) as ana:
        mine = ana.get("/api/v1/feedback").json()["feedback"]
        assert [item["id"] for item in mine] == [answer["id"]] and mine[0]["client_attempt_id"] == answer["client_attempt_id"]
        assert ana.get(f"/api/v1/feedback/{answer['id']}").json()["comment"] == hostile
        assert ana.get(f"/api/v1/attempts/{ana_take}/feedback").json()["id"] == answer["id"]
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert ana.get("/api/v1/feedback", params={"since": later}).json() == {"feedback": []}
        assert ana.get("/api/v1/feedback", params={"since": "yesterday"}).status_code == 422
        for write in (lambda: ana.put(f"/api/v1/attempts/{ana_take}/feedback", json={"comment": "I grade myself"}),
                      lambda: ana.delete(f"/api/v1/attempts/{ana_take}/feedback"),
                      lambda: ana.patch(f"/api/v1/attempts/{ana_take}", json={"hidden": True})):
            refused = write()
            assert refused.status_code == 403 and "learner token cannot" in refused.json()["error"]
    for token in (room.learners["Ben"], two.dan, two.other_teacher):  # another learner, another class's learner and teacher
        with two.client(token) as other:
            assert other.get("/api/v1/feedback").json() == {"feedback": []}
            for path in (f"/api/v1/feedback/{answer['id']}", f"/api/v1/feedback/{answer['id']}/audio",
                         f"/api/v1/attempts/{ana_take}/feedback"):
                refused = other.get(path)
                assert refused.status_code == 404 and "Ana" not in refused.text and "Nice" not in refused.text, path
            expected = 404 if token == two.other_teacher else 403
            assert other.put(f"/api/v1/attempts/{ana_take}/feedback", json={"comment": "mine now"}).status_code == expected
            assert other.delete(f"/api/v1/attempts/{ana_take}/feedback").status_code == expected
            assert other.patch(f"/api/v1/attempts/{ana_take}", json={"flagged": True}).status_code == expected
    with two.client(room.learners["Ana"]) as ana:
        assert ana.get(f"/api/v1/feedback/{answer['id']}").json()["comment"] == hostile, "nobody else changed it"
    with two.client(room.admin) as admin:
        assert [item["learner"] for item in admin.get("/api/v1/feedback").json()["feedback"]] == ["Ana"]
        assert admin.get("/api/v1/feedback", params={"class": "2"}).json() == {"feedback": []}
    with two.client(two.other_teacher) as other:
        assert other.get("/api/v1/feedback", params={"class": "1"}).status_code == 404


def test_the_teachers_recording_reaches_the_learner_as_flac(room: Classroom, two: TwoClasses, tmp_path: Path) -> None:
    take = two.takes["Ben"]
    said = room.take("Good morning", rate=120)
    with two.client(room.teacher) as teacher:
        written = _answer(teacher, take, audio=said, comment="Listen to me", word=["0"])
        assert written.status_code == 200, written.text
        answer = written.json()
        assert answer["words"] == [{"index": 0, "text": "Good"}] and answer["audio_url"] == f"/api/v1/feedback/{answer['id']}/audio"
        assert abs(answer["audio_seconds"] - sf.info(said).duration) < 0.05
        kept = teacher.put(f"/api/v1/attempts/{take}/feedback", json={"comment": "Listen to me again", "words": []})
        assert kept.json()["audio_url"] == answer["audio_url"], "a new comment keeps the recording"
    with two.client(room.learners["Ben"]) as ben:
        clip = ben.get(answer["audio_url"])
    assert clip.status_code == 200 and clip.content[:4] == b"fLaC" and clip.headers["content-type"] == "audio/flac"
    (tmp_path / "clip.flac").write_bytes(clip.content)
    assert sf.info(tmp_path / "clip.flac").channels == 1
    stored = list((room.data_dir / "server" / "feedback").rglob("*.flac"))
    assert len(stored) == 1
    with two.client(room.teacher) as teacher:
        dropped = teacher.put(f"/api/v1/attempts/{take}/feedback", json={"comment": "No recording", "remove_audio": True})
        assert dropped.json()["audio_url"] is None
        assert not stored[0].exists(), "the dropped recording's file is removed"
        assert teacher.get(answer["audio_url"]).status_code == 404


def _wav_header_only() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
        handle.writeframes(b"\x00\x01" * 800)
    return out.getvalue()[:60]  # the header and a few samples of a longer file


HOSTILE_ANSWERS = [
    pytest.param({"json": {"comment": "x" * 2001}}, 422, "2,001 characters", id="comment-2001-chars"),
    pytest.param({"json": {"comment": "é" * 30_000}}, 413, "larger than", id="comment-body-huge"),
    pytest.param({"json": {"comment": "bell \x07 and escape \x1b[31m"}}, 422, "control character", id="control-chars"),
    pytest.param({"json": {"comment": "evil \u202e txet"}}, 422, "U+202E", id="bidi-override"),
    pytest.param({"json": {"comment": "x", "words": [99]}}, 422, "not one of the take's", id="word-out-of-range"),
    pytest.param({"json": {"comment": "x", "words": [True]}}, 422, "not one of the take's", id="word-not-a-number"),
    pytest.param({"json": {"comment": "x", "words": "all"}}, 422, "words a list", id="words-not-a-list"),
    pytest.param({"json": {"comment": "   "}}, 422, "empty", id="empty-answer"),
    pytest.param({"json": ["comment"]}, 422, "JSON object", id="not-an-object"),
    pytest.param({"content": b"comment=x", "headers": {"content-type": "text/plain"}}, 415, "JSON", id="not-json"),
    pytest.param({"audio": b"this is not audio at all, just text" * 10}, 415, "not WAV, FLAC", id="clip-not-audio"),
    pytest.param({"audio": b"RIFF" + bytes(9 * 1024 * 1024)}, 413, "larger than", id="clip-too-big"),
    pytest.param({"audio": "long"}, 422, "lasts", id="clip-too-long"),
    pytest.param({"audio": "silent"}, 422, "silent", id="clip-silent"),
    pytest.param({"audio": _wav_header_only()}, 422, "", id="clip-truncated"),
    pytest.param({"fields": {"script": "x"}}, 422, "unexpected field", id="unexpected-field"),
]


@pytest.mark.parametrize(("sent", "status", "reason"), HOSTILE_ANSWERS)
def test_hostile_answers_are_refused_with_a_reason_and_change_nothing(room: Classroom, two: TwoClasses, tmp_path: Path, sent: dict[str, object],
                                                                       status: int, reason: str) -> None:
    take = two.takes["Dan"]
    with two.client(two.other_teacher) as teacher:
        before = teacher.get(f"/api/v1/attempts/{take}/feedback")
        if "json" in sent:
            body = json.dumps(sent["json"]).encode()
            response = teacher.put(f"/api/v1/attempts/{take}/feedback", content=body, headers={"content-type": "application/json"})
        elif "content" in sent:
            response = teacher.put(f"/api/v1/attempts/{take}/feedback", content=sent["content"], headers=sent["headers"])  # type: ignore[arg-type]
        elif "fields" in sent:
            response = teacher.put(f"/api/v1/attempts/{take}/feedback", data={"comment": "x", **sent["fields"]},  # type: ignore[dict-item]
                                   files={"audio": ("", b"", "audio/wav")})
        else:
            audio = sent["audio"]
            if audio == "long":
                audio = _tone(tmp_path / "long.wav", 35.0)
            elif audio == "silent":
                audio = _tone(tmp_path / "silent.wav", 2.0, amplitude=0.0)
            response = _answer(teacher, take, audio=audio, comment="with a recording")  # type: ignore[arg-type]
        after = teacher.get(f"/api/v1/attempts/{take}/feedback")
    assert response.status_code == status, response.text
    body = response.json()
    assert reason in body["error"] and body["hint"], body
    assert str(room.data_dir) not in response.text and "Traceback" not in response.text
    assert (after.status_code, after.text) == (before.status_code, before.text), "a refused answer changes nothing"
    assert not list((room.data_dir / "server" / "incoming").iterdir()), "nothing of a refused upload stays"


def test_a_hidden_take_leaves_the_summaries_and_comes_back(room: Classroom, two: TwoClasses) -> None:
    take = two.takes["Ana"]
    with two.client(room.teacher) as teacher:
        def learners_at_good_morning() -> int:
            phrases = teacher.get("/api/v1/classes/1/phrases").json()["phrases"]
            return next((p["learners"] for p in phrases if p["phrase_id"] == "good-morning"), 0)

        counted = learners_at_good_morning()
        assert counted >= 2
        assert teacher.patch(f"/api/v1/attempts/{take}", json={"hidden": True, "flagged": True}).json() == \
            {"id": take, "hidden": True, "flagged": True}
        assert learners_at_good_morning() == counted - 1
        listed = {a["id"]: a for a in teacher.get("/api/v1/attempts").json()["attempts"]}
        assert listed[take]["hidden"] and listed[take]["flagged"]
        assert teacher.patch(f"/api/v1/attempts/{take}", json={"hidden": "yes"}).status_code == 422
        assert teacher.patch(f"/api/v1/attempts/{take}", json={"deleted": True}).status_code == 422
        assert teacher.patch(f"/api/v1/attempts/{take}", json={"hidden": False}).json()["flagged"] is True
        assert learners_at_good_morning() == counted
        assert teacher.patch(f"/api/v1/attempts/{2**63}", json={"hidden": True}).status_code == 422
        assert teacher.patch("/api/v1/attempts/999999", json={"hidden": True}).status_code == 404

"""A learner who tries to break the server or another user's view, against a real server: each case is refused or contained.

Every answer is checked for what it must never hold: the server's paths,
exception text, a traceback. The cases are the hostile list of issue 18.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.server.conftest import Classroom
from tests.server.helpers import meta, query, sign_in, upload

BIG = 2**64
NOT_IN_REPLIES = re.compile(r"Traceback|/tmp/|pytest-of|server\.sqlite3|Error opening|LibsndfileError|sqlalchemy|psycopg", re.I)


def _clean(response: httpx.Response) -> httpx.Response:
    """The answer, checked: nosniff, and none of the server's paths or exception text."""
    assert response.headers.get("x-content-type-options") == "nosniff", (response.request.url, response.headers)
    assert not NOT_IN_REPLIES.search(response.text), response.text[:500]
    return response


def _refused(response: httpx.Response, status: int, words: str) -> None:
    _clean(response)
    assert response.status_code == status, response.text
    assert words in response.json()["error"], response.json()
    assert response.json()["hint"]


def _rows(room: Classroom) -> int:
    return int(query(room.data_dir, room.database, "SELECT count(*) FROM attempts")[0][0])


@pytest.mark.parametrize("score", [float("nan"), float("inf"), 1e308, -50.0, 100.5])
def test_a_learner_score_that_is_not_finite_or_not_0_to_100_is_422(room: Classroom, score: float) -> None:
    before = _rows(room)
    fields = meta(score={"overall": 50.0, "accuracy": score, "fluency": 50.0, "intonation": 50.0, "completeness": 50.0})
    with room.server.client() as client:
        _refused(upload(client, room.learners["Ana"], room.take(), fields), 422, "meta.score")
        word = meta(score={"overall": 50.0, "accuracy": 50.0, "fluency": 50.0, "intonation": 50.0, "completeness": 50.0,
                           "words": [{"text": "Good", "score": score, "ref_start": 0.0, "ref_end": 0.2}]})
        _refused(upload(client, room.learners["Ana"], room.take(), word), 422, "words[0].score")
    assert _rows(room) == before


def _wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    sf.write(path, samples, rate, subtype="PCM_16")
    return path


def test_audio_that_cannot_be_scored_is_refused_with_the_reason_and_not_stored(room: Classroom, tmp_path: Path) -> None:
    good = room.take()
    data = good.read_bytes()
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(data[: len(data) // 2])
    one_hertz = tmp_path / "one-hertz.wav"
    header = bytearray(_wav(tmp_path / "x.wav", np.zeros(40, dtype=np.float32), 16000).read_bytes())
    struct.pack_into("<II", header, 24, 1, 2)  # sample rate 1 Hz, byte rate 2
    one_hertz.write_bytes(bytes(header))
    short = _wav(tmp_path / "short.wav", np.random.default_rng(1).uniform(-0.3, 0.3, 800).astype(np.float32), 16000)
    flac = tmp_path / "cut.flac"
    sf.write(tmp_path / "whole.flac", sf.read(good)[0], sf.info(str(good)).samplerate)
    whole = (tmp_path / "whole.flac").read_bytes()
    flac.write_bytes(whole[: len(whole) // 2])
    before = _rows(room)
    with room.server.client() as client:
        _refused(upload(client, room.learners["Ben"], truncated, meta()), 422, "cut short")
        _refused(upload(client, room.learners["Ben"], one_hertz, meta()), 422, "sample rate is 1 Hz")
        _refused(upload(client, room.learners["Ben"], short, meta()), 422, "lasts 0.05 s")
        _refused(upload(client, room.learners["Ben"], flac, meta()), 422, "cut short")
    assert _rows(room) == before  # refused at upload: never stored with a score of 0


def test_dates_that_overflow_and_ids_beyond_64_bits_are_4xx(room: Classroom) -> None:
    teacher = {"authorization": f"Bearer {room.teacher}"}
    with room.server.client() as client:
        for when in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
            _refused(upload(client, room.learners["Cleo"], room.take(), meta(recorded_at=when)), 422, "recorded_at")
            _refused(client.get("/api/v1/attempts", headers=teacher, params={"since": when}), 422, "since")
        for path in (f"/api/v1/attempts/{BIG}", f"/api/v1/attempts/{BIG}/audio", f"/api/v1/attempts/{2**63}"):
            answer = _clean(client.get(path, headers=teacher))
            assert answer.status_code == 404, (path, answer.text)
        _refused(client.get("/api/v1/attempts", headers=teacher, params={"class": str(BIG)}), 422, "class")
        _refused(client.get("/api/v1/attempts", headers=teacher, params={"learner": "a\x00b"}), 422, "learner")
        sign_in(client, room.teacher)
        for path in (f"/classes/{BIG}", f"/attempts/{BIG}", f"/attempts/{BIG}/take", f"/classes/1?page={BIG}"):
            answer = _clean(client.get(path))
            assert answer.status_code in (200, 404), (path, answer.status_code)


def test_ids_are_folded_to_nfkc_and_look_alikes_are_refused(room: Classroom) -> None:
    with room.server.client() as client:
        folded = upload(client, room.learners["Cleo"], room.take(), meta(pack="ｅｎ-basics"))  # fullwidth
        assert folded.status_code == 201, folded.text
        for pack, words in (("еn-basics", "scripts"), ("сое", "look like Latin"), ("en-bаsics", "scripts")):
            _refused(upload(client, room.learners["Cleo"], room.take(), meta(pack=pack)), 422, words)
    (stored,) = query(room.data_dir, room.database, "SELECT pack_id FROM attempts WHERE id = :i", i=folded.json()["id"])
    assert stored[0] == "en-basics"


def test_nothing_a_learner_sends_adds_or_renames_a_column(room: Classroom) -> None:
    with room.server.client() as client:
        for fields in (meta("Class cancelled today, go home"),  # the published phrase good-morning, another text
                       meta("Good morning.", phrase_id="CON"), meta("Good morning.", pack="zz-not-published", phrase_id="x")):
            assert upload(client, room.learners["Ana"], room.take(), fields).status_code == 201
        sign_in(client, room.teacher)
        page = _clean(client.get("/classes/1"))
    headers = re.findall(r'<th scope="col" class="phrase"[^>]*>.*?</th>', page.text, re.S)
    assert headers and all("Class cancelled" not in h and "zz-not-published" not in h and "/CON<" not in h for h in headers)
    assert re.search(r'class="packs"', page.text) is None  # one published pack: no filter of made-up packs
    others = page.text.split('id="others"', 1)[1].split("</table>", 1)[0]
    assert "en-basics/CON" in others and "zz-not-published/x" in others  # listed apart
    assert "Class cancelled today, go home" not in others  # a published phrase's take, shown under its own text


def test_the_when_column_shows_when_the_take_was_recorded(room: Classroom) -> None:
    with room.server.client() as client:
        answer = upload(client, room.learners["Ben"], room.take(), meta(recorded_at="2025-02-03T04:05:00+00:00"))
        assert answer.status_code == 201
        sign_in(client, room.teacher)
        page = client.get("/classes/1").text
    recent = page.split('id="recent"', 1)[1]
    assert ">When</th>" in recent and f'<a href="/attempts/{answer.json()["id"]}">2025-02-03 04:05</a>' in recent


def test_every_answer_says_nosniff_and_no_answer_names_a_server_path(room: Classroom) -> None:
    ana = {"authorization": f"Bearer {room.learners['Ana']}"}
    with room.server.client() as client:
        for method, path, headers in (("GET", "/healthz", {}), ("GET", "/", {}), ("GET", "/static/style.css", {}),
                                      ("GET", "/nowhere", {}), ("DELETE", "/api/v1/attempts", ana),
                                      ("GET", "/api/v1/packs", ana), ("GET", "/api/v1/packs/en-basics.zip", ana),
                                      ("GET", "/api/v1/attempts", ana), ("POST", "/signin", {})):
            _clean(client.request(method, path, headers=headers))
        _clean(client.get("/nowhere", headers={"accept": "text/html"}))
        junk = client.post("/api/v1/attempts", headers=ana, files={"audio": ("a.wav", b"RIFF\x10\x00\x00\x00WAVEjunk", "audio/wav")},
                           data={"meta": '{"pack": 1}'})
        _refused(junk, 422, "meta")

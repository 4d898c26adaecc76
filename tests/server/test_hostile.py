"""Hostile uploads against a real server: each is refused with a JSON error and leaves nothing behind."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Classroom
from tests.server.helpers import meta, open_store, query, rss_kb, upload
from tui.server.db import server_root

FIVE_GB = 5 * 1024**3
CHUNK = b"\0" * (1 << 20)
STREAM_SECONDS = 120.0


def _count(room: Classroom) -> int:
    return int(query(room.data_dir, room.database, "SELECT count(*) FROM attempts")[0][0])


def _assert_refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "hint"} and body["hint"]
    assert words in body["error"], body


def _multipart_head(boundary: str, fields: dict[str, object]) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{json.dumps(fields)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"huge.wav\"\r\n"
            "Content-Type: audio/wav\r\n\r\n").encode()


def _stream(room: Classroom, token: str, *, declared: int | None) -> tuple[int, dict[str, str], int]:
    """Send a 5 GB upload over a raw socket (chunked, or with ``declared`` Content-Length) until the server answers.

    Returns the status, the JSON body and how many bytes were sent. A reader
    thread collects the answer while the sender keeps streaming zeros.
    """
    boundary = uuid.uuid4().hex
    framing = f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    head = (f"POST /api/v1/attempts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n\r\n").encode()
    answer = bytearray()
    done = threading.Event()
    sock = socket.create_connection(("127.0.0.1", room.server.port))

    def read() -> None:
        try:
            while data := sock.recv(65536):
                answer.extend(data)
                if b"\r\n\r\n" in answer:
                    header, _, body = bytes(answer).partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in header.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), None)
                    if length is not None and len(body) >= length:
                        break
        except OSError:
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent = 0
    deadline = time.monotonic() + STREAM_SECONDS
    try:
        sock.sendall(head)
        first = _multipart_head(boundary, meta())
        sock.sendall(first if declared is not None else b"%x\r\n%s\r\n" % (len(first), first))
        while sent < FIVE_GB and not done.is_set() and time.monotonic() < deadline:
            sock.sendall(CHUNK if declared is not None else b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            sent += len(CHUNK)
    except OSError:
        pass  # the server closed the connection after answering
    reader.join(30)
    sock.close()
    header, _, body = bytes(answer).partition(b"\r\n\r\n")
    assert header, f"no answer after {sent} bytes"
    return int(header.split()[1]), json.loads(body), sent


def test_no_token_is_401(room: Classroom) -> None:
    with room.server.client() as client:
        _assert_refused(upload(client, None, room.take(), meta()), 401, "token")
        _assert_refused(upload(client, "prn_forged", room.take(), meta()), 401, "unknown or revoked")


def test_a_revoked_learner_is_401(room: Classroom) -> None:
    from tui.server import classes

    db = open_store(room.data_dir, room.database)
    token = classes.add_learner(db, "Leaver")
    classes.remove_learner(db, "Leaver")
    db.close()
    with room.server.client() as client:
        _assert_refused(upload(client, token, room.take(), meta()), 401, "revoked")


def test_another_learners_client_attempt_id_is_refused_and_their_take_untouched(room: Classroom) -> None:
    fields = meta()
    with room.server.client() as client:
        original = upload(client, room.learners["Ana"], room.take(), fields)
        stolen = upload(client, room.learners["Ben"], room.take("Good evening"), fields)
        teacher = {"authorization": f"Bearer {room.teacher}"}
        listed = client.get("/api/v1/attempts", headers=teacher, params={"learner": "Ana"}).json()["attempts"]
    assert original.status_code == 201
    _assert_refused(stolen, 409, "another take")
    (mine,) = [a for a in listed if a["client_attempt_id"] == fields["client_attempt_id"]]
    assert mine["id"] == original.json()["id"] and mine["text"] == "Good morning"


@pytest.mark.parametrize("field, value", [
    ("phrase_id", "../../etc/passwd"), ("phrase_id", "a/b"), ("pack", "..\\..\\windows"), ("pack", "/abs"),
    ("pack", "c:evil"), ("phrase_id", ".hidden"), ("phrase_id", "x" * 65), ("phrase_id", "nul\x00byte"),
])
def test_path_like_ids_are_422(room: Classroom, field: str, value: str) -> None:
    before = _count(room)
    with room.server.client() as client:
        _assert_refused(upload(client, room.learners["Cleo"], room.take(), meta(**{field: value})), 422, f"meta.{field}")
    assert _count(room) == before


@pytest.mark.parametrize("raw, words", [
    (b"not json at all", "not JSON"), (b"[1, 2]", "JSON object"), (b'{"pack": "p"}', "lacks"),
    (b"\xff\xfe", "not JSON"), (b"[" * 30_000, "not JSON"),
], ids=["text", "list", "incomplete", "not-utf8", "deep-nesting"])
def test_meta_that_is_not_valid_json_is_422(room: Classroom, raw: bytes, words: str) -> None:
    with room.server.client() as client, open(room.take(), "rb") as audio:
        response = client.post("/api/v1/attempts", headers={"authorization": f"Bearer {room.learners['Cleo']}"},
                               files={"audio": ("t.wav", audio, "audio/wav"), "meta": ("meta.json", raw, "application/json")})
    _assert_refused(response, 422, words)


def test_bad_times_ids_and_scores_in_meta_are_422(room: Classroom) -> None:
    cases = [({"recorded_at": "last tuesday"}, "recorded_at"), ({"client_attempt_id": "123"}, "UUID"),
             ({"recorded_at": "9999-12-31T23:59:59-14:00"}, "recorded_at"), ({"recorded_at": "0001-01-01T00:00:00+14:00"}, "recorded_at"),
             ({"recorded_at": "1999-12-31T23:59:59Z"}, "not a time a take can have been recorded"),
             ({"recorded_at": "2999-01-01T00:00:00Z"}, "not a time a take can have been recorded"),
             ({"score": {"overall": "high"}}, "score"), ({"text": ""}, "text"), ({"lang": "english please"}, "lang"),
             ({"text": "a\x1b[2Jb"}, "control")]
    with room.server.client() as client:
        for change, words in cases:
            _assert_refused(upload(client, room.learners["Cleo"], room.take(), meta(**change)), 422, words)


def test_bytes_that_are_not_audio_are_415(room: Classroom, tmp_path: Path) -> None:
    junk, fake = tmp_path / "junk.wav", tmp_path / "fake.wav"
    junk.write_bytes(os.urandom(50_000))
    fake.write_bytes(b"RIFF\x10\x00\x00\x00WAVE" + os.urandom(50_000))  # the right magic, then garbage
    with room.server.client() as client:
        _assert_refused(upload(client, room.learners["Cleo"], junk, meta()), 415, "not FLAC, WAV or OGG")
        _assert_refused(upload(client, room.learners["Cleo"], fake, meta()), 415, "cannot be decoded")


def test_a_body_that_is_not_multipart_is_415(room: Classroom) -> None:
    with room.server.client() as client:
        response = client.post("/api/v1/attempts", headers={"authorization": f"Bearer {room.learners['Cleo']}"},
                               json={"audio": "AAAA", "meta": meta()})
    _assert_refused(response, 415, "multipart")


def test_ten_thousand_fields_are_422(room: Classroom) -> None:
    boundary = uuid.uuid4().hex
    parts = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nx\r\n".encode()
                     for i in range(10_000))
    with room.server.client() as client:
        response = client.post("/api/v1/attempts", content=parts + f"--{boundary}--\r\n".encode(), headers={
            "authorization": f"Bearer {room.learners['Cleo']}", "content-type": f"multipart/form-data; boundary={boundary}"})
    _assert_refused(response, 422, "field")


def test_unexpected_and_repeated_fields_are_422(room: Classroom) -> None:
    with room.server.client() as client, open(room.take(), "rb") as audio:
        data = audio.read()
        token = {"authorization": f"Bearer {room.learners['Cleo']}"}
        extra = client.post("/api/v1/attempts", headers=token, data={"meta": json.dumps(meta()), "evil": "1"},
                            files={"audio": ("t.wav", data, "audio/wav")})
        twice = client.post("/api/v1/attempts", headers=token, data={"meta": json.dumps(meta())},
                            files=[("audio", ("a.wav", data, "audio/wav")), ("audio", ("b.wav", data, "audio/wav"))])
        missing = client.post("/api/v1/attempts", headers=token, data={"meta": json.dumps(meta())})
    _assert_refused(extra, 422, "unexpected field")
    _assert_refused(twice, 422, "twice")
    assert missing.status_code in (415, 422)  # a form without files is url-encoded: not multipart


@pytest.mark.parametrize("declared", [None, FIVE_GB], ids=["chunked", "content-length"])
def test_a_five_gigabyte_upload_is_413_without_reaching_memory(room: Classroom, declared: int | None) -> None:
    before_rows, before_rss = _count(room), rss_kb(room.server.pid)
    status, body, sent = _stream(room, room.learners["Ana"], declared=declared)
    assert status == 413, body
    assert "larger than 20 MB" in body["error"]
    assert sent < 1024**3  # the server answered long before 5 GB
    assert rss_kb(room.server.pid) - before_rss < 100_000  # kB: the body never went to memory
    assert _count(room) == before_rows


def test_nothing_was_written_outside_the_store(room: Classroom) -> None:
    """Runs last in this module: after every hostile upload above."""
    root = server_root(room.data_dir)
    deadline = time.monotonic() + 10
    while any((root / "incoming").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list((root / "incoming").iterdir()) == []
    assert list(room.server.tmp.iterdir()) == []  # the server's TMPDIR: no spooled uploads
    assert sorted(p.name for p in room.data_dir.iterdir()) == ["server"]
    stored = {row[0] for row in query(room.data_dir, room.database, "SELECT audio FROM attempts")}
    learners = {str(row[0]) for row in query(room.data_dir, room.database, "SELECT id FROM learners")}
    files = {p.relative_to(root).as_posix() for p in (root / "recordings").rglob("*") if p.is_file()}
    assert files == stored
    assert {p.name for p in (root / "recordings").iterdir()} <= learners

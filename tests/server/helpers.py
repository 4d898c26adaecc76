"""Helpers for class-server tests: a real ``pronounce server run`` process on 127.0.0.1, spoken takes, uploads."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import soundfile as sf
from sqlalchemy import text

from tui.server import accounts, classes
from tui.server.db import Database, server_root
from tui.speech.tts import synthesize

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spoken(path: Path, text: str, *, rate: int | None = None, lang: str = "en-us") -> Path:
    """``text`` said by espeak-ng, written to ``path`` (WAV, FLAC or OGG by its suffix): a real take."""
    speech = synthesize(text, lang=lang, rate=rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, speech.samples, speech.samplerate)
    return path


@dataclass(frozen=True)
class Tokens:
    """The tokens of a test class server: the admin's, one class's teacher's and its learners'."""

    admin: str
    teacher: str
    learners: dict[str, str]


def open_store(data_dir: Path, database: str | None = None, *, create: bool = False) -> Database:
    """The server store of ``data_dir`` (its tables in ``database`` when given); close it after use."""
    return Database(server_root(data_dir), url=database, create=create)


def classroom(data_dir: Path, learners: list[str], *, database: str | None = None, name: str = "Class 1",
              teacher: str = "Teacher") -> Tokens:
    """A new server store in ``data_dir`` (or ``database``): the admin, class ``name`` with its teacher and ``learners``."""
    db = open_store(data_dir, database, create=True)
    try:
        admin = accounts.init_admin(db)
        _, teacher_token = classes.add_class(db, name, teacher)
        assert teacher_token is not None
        return Tokens(admin, teacher_token, {learner: classes.add_learner(db, learner, name) for learner in learners})
    finally:
        db.close()


def add_class(data_dir: Path, name: str, teacher: str, learners: list[str], *,
              database: str | None = None) -> tuple[str | None, dict[str, str]]:
    """Another class in an existing store: ``(its teacher's token when new, {learner: token})``."""
    db = open_store(data_dir, database)
    try:
        _, token = classes.add_class(db, name, teacher)
        return token, {learner: classes.add_learner(db, learner, name) for learner in learners}
    finally:
        db.close()


@dataclass
class TwoClasses:
    """A test server with a second class: "Class 2" taught by "Ms Other", with learner Dan; one take id per learner."""

    url: str
    other_teacher: str
    dan: str
    takes: dict[str, int]

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client with ``token`` as its bearer."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, timeout=120, headers=headers)


def second_class(room: Any, uploaders: dict[str, str | None]) -> TwoClasses:
    """Add "Class 2" to ``room``'s server and upload a "Good morning" take for each learner named in ``uploaders``
    (their token; None: Dan's)."""
    teacher, learners = add_class(room.data_dir, "Class 2", "Ms Other", ["Dan"], database=room.database)
    assert teacher is not None
    takes = {}
    with room.server.client() as client:
        for name, token in uploaders.items():
            response = upload(client, token or learners["Dan"], room.take("Good morning"), meta("Good morning."))
            assert response.status_code == 201, response.text
            takes[name] = response.json()["id"]
    return TwoClasses(room.server.url, teacher, learners["Dan"], takes)


def query(data_dir: Path, database: str | None, sql: str, **params: Any) -> list[Any]:
    """Rows of ``sql`` run on the server store (SQLite or PostgreSQL alike)."""
    db = open_store(data_dir, database)
    try:
        with db.reading() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        db.close()


def sign_in(client: httpx.Client, token: str) -> httpx.Response:
    """Sign in to the class pages the way the form does (CSRF pair included); the answer to the POST."""
    form = client.get("/")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found is not None, form.text
    return client.post("/signin", data={"csrf": found.group(1), "token": token})


def meta(text: str = "Good morning", **changes: Any) -> dict[str, Any]:
    """A valid ``meta`` field for a take of ``text`` (a new client_attempt_id each time)."""
    values: dict[str, Any] = {
        "pack": "en-basics", "pack_version": "1", "phrase_id": "good-morning", "text": text, "lang": "en-US",
        "recorded_at": "2025-03-01T09:30:00+00:00", "client_attempt_id": str(uuid.uuid4()),
    }
    values.update(changes)
    return values


def upload(client: httpx.Client, token: str | None, audio: Path, fields: dict[str, Any]) -> httpx.Response:
    """POST one take to ``/api/v1/attempts``."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    with open(audio, "rb") as handle:
        return client.post("/api/v1/attempts", headers=headers, data={"meta": json.dumps(fields)},
                           files={"audio": (audio.name, handle, "audio/wav")})


def rss_kb(pid: int) -> int:
    """Resident memory of process ``pid`` in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (a server's scoring workers and multiprocessing's resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def scoring_workers(pid: int) -> list[int]:
    """The scoring worker processes of server ``pid``."""
    return [child for child in children(pid) if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


class LiveServer:
    """``pronounce --data-dir DATA server run`` in a subprocess on a free port of 127.0.0.1.

    Its temp folder is ``tmp`` (empty at start) so tests can check it writes nothing outside its store.
    """

    def __init__(self, data_dir: Path, tmp: Path, *, port: int | None = None, args: tuple[str, ...] = (),
                 database: str | None = None, open_files: int | None = None) -> None:
        self.data_dir, self.tmp, self.database = data_dir, tmp, database
        self.open_files = open_files
        self.port = port or free_port()
        self.args = args
        self.log_path = tmp.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.scheme = "https" if "--tls-cert" in args else "http"

    @property
    def url(self) -> str:
        """Base URL."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """Process id of the running server."""
        assert self.process is not None
        return self.process.pid

    def start(self) -> LiveServer:
        """Start and wait until ``/healthz`` answers."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1"}
        env.pop("PRONOUNCE_DATA_DIR", None)
        env.pop("PRONOUNCE_SERVER_DATABASE", None)
        database = ("--database", self.database) if self.database else ()
        limit = self.open_files

        def limited() -> None:  # in the child, before exec: at most ``open_files`` open files, soft and hard
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tui", "--data-dir", str(self.data_dir), "server", *database, "run",
                 "--port", str(self.port), "--workers", "2", *self.args],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=limited)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2, verify=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer within {START_TIMEOUT} s:\n{self.log()}")

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit; the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(30)

    def log(self) -> str:
        """What the server printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self, **options: Any) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.url, timeout=120, **options)


def learner_with_takes(data_dir: Path, take: Path, count: int, *, url: str, token: str) -> list[int]:
    """A learner's data dir logged in to ``url`` with ``count`` saved attempts (copies of ``take``) in the outbox."""
    import shutil

    from tests.store.helpers import make_score
    from tui.client.login import Login, save_login
    from tui.paths import DEMO_PACK
    from tui.store import AttemptStore
    from tui.store.outbox import Outbox

    save_login(data_dir, Login(url, token))
    ids = []
    with AttemptStore(data_dir) as store, Outbox(data_dir) as outbox:
        outbox.queue_from_now()
        for n in range(count):
            recording = store.incoming_dir / f"take-{n}{take.suffix}"
            recording.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(take, recording)
            attempt = store.save_attempt(recording_path=recording, pack_id="en-basics", pack_version="1",
                                         phrase_id="good-morning", text="Good morning.", recorder="mic",
                                         duration=1.0, score=make_score(70.0),
                                         reference_audio=DEMO_PACK / "audio" / "good-morning.flac")
            outbox.enqueue(attempt.id, lang="en-US")
            ids.append(attempt.id)
    return ids


class PartialUpload:
    """An upload sent over a raw socket in two halves, so a test can act while it is in flight."""

    def __init__(self, port: int, token: str, audio: Path, fields: dict[str, Any]) -> None:
        boundary = uuid.uuid4().hex
        self.body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{json.dumps(fields)}\r\n"
                     f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"{audio.name}\"\r\n"
                     "Content-Type: audio/wav\r\n\r\n").encode() + audio.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        self.head = (f"POST /api/v1/attempts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(self.body)}\r\n\r\n").encode()
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.split = len(self.body) // 2

    def send_first_half(self) -> None:
        """Headers and half the body."""
        self.sock.sendall(self.head + self.body[: self.split])

    def finish(self) -> tuple[int, dict[str, Any]]:
        """The rest of the body, then the answer: ``(status, JSON body)``."""
        self.sock.sendall(self.body[self.split:])
        return self.answer()

    def answer(self) -> tuple[int, dict[str, Any]]:
        """The server's answer, the rest of the body unsent (a stalled upload): ``(status, JSON body)``."""
        answer = b""
        self.sock.settimeout(120)
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < self._length(answer):
            data = self.sock.recv(65536)
            if not data:
                break
            answer += data
        self.sock.close()
        header, _, body = answer.partition(b"\r\n\r\n")
        return int(header.split()[1]), json.loads(body)

    @staticmethod
    def _length(answer: bytes) -> int:
        for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return int(line.split(b":")[1])
        return 1 << 30

    def close(self) -> None:
        """Drop the connection."""
        self.sock.close()


def wait_for(condition: Any, *, timeout: float, what: str) -> None:
    """Poll ``condition()`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


SCORE_JSON = ('{"overall":%(o).1f,"accuracy":%(o).1f,"fluency":70.0,"intonation":65.0,"completeness":100.0,'
              '"words":[{"text":"Good","score":%(o).1f,"ref_start":0.0,"ref_end":0.2},'
              '{"text":"morning","score":%(o).1f,"ref_start":0.2,"ref_end":0.66}],"issues":[],'
              '"path":[[0.0,0.0],[0.33,0.35],[0.66,0.7]],"scorer_version":"seeded","evidence":""}')


def seed_takes(db: Database, class_id: int, learners: int, phrases: list[tuple[str, str]], takes: int, *,
               pack: str = "en-basics", first_learner: int = 0, seed: int = 1, score_json: str = SCORE_JSON) -> int:
    """Bulk-insert ``learners`` × ``phrases`` × ``takes`` scored takes into a class (no files), then rebuild the summaries.

    For tests and benches of reading at scale: rows as the server stores them,
    scores drawn at random (seeded), recorded a minute apart; ``score_json``
    is the stored score with ``%(o).1f`` where the overall score goes.
    Returns the number of takes.
    """
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from tui.server.schema import attempts
    from tui.server.schema import learners as learner_table
    from tui.server.summaries import rebuild

    rng = random.Random(seed)
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    made = 0
    with db.writing() as conn:
        ids = list(conn.execute(insert(learner_table).returning(learner_table.c.id, sort_by_parameter_order=True), [
            {"class_id": class_id, "name": f"learner-{first_learner + n:05d}", "created_at": start} for n in range(learners)]).scalars())
        batch: list[dict[str, Any]] = []
        for learner_id in ids:
            for phrase_id, text in phrases:
                for _ in range(takes):
                    made += 1
                    overall = round(rng.uniform(15, 98), 1)
                    when = start + timedelta(minutes=made)
                    batch.append({
                        "learner_id": learner_id, "class_id": class_id, "client_attempt_id": str(uuid.uuid4()),
                        "pack_id": pack, "pack_version": "1", "phrase_id": phrase_id, "text": text, "lang": "en-US",
                        "recorded_at": when, "created_at": when, "status": "scored", "audio": f"recordings/{learner_id}/x.flac",
                        "audio_bytes": 30_000, "duration": 1.2, "reference": "references/x.wav", "overall": overall,
                        "accuracy": overall, "fluency": 70.0, "intonation": 65.0, "completeness": 100.0,
                        "score_json": score_json % {"o": overall}, "scorer_version": "seeded", "client_overall": None,
                        "client_score_json": None, "scored_at": when,
                    })
                    if len(batch) >= 5000:
                        conn.execute(insert(attempts), batch)
                        batch = []
        if batch:
            conn.execute(insert(attempts), batch)
        rebuild(conn)
    with db.writing() as conn:  # fresh statistics for the planners, as autovacuum (PostgreSQL) would soon make
        conn.exec_driver_sql("ANALYZE")
    return made

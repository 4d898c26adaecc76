"""The background uploader against a real server: uploads, back-off while the server is away, refusals, kills."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from tests.client.conftest import Classroom
from tests.server.helpers import REPO, free_port, learner_with_takes, wait_for
from tui.client.login import Login
from tui.client.uploader import IDLE_LOOK, OutboxStatus, Uploader
from tui.server.db import DB_NAME, server_root
from tui.store import AttemptStore
from tui.store.outbox import Outbox, OutboxState, now_utc


def _server_ids(room: Classroom, client_ids: set[str]) -> list[str]:
    conn = sqlite3.connect(server_root(room.data_dir) / DB_NAME, timeout=30)
    try:
        rows = conn.execute("SELECT client_attempt_id FROM attempts").fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows if row[0] in client_ids]


def _client_ids(learner_dir: Path) -> set[str]:
    with Outbox(learner_dir) as outbox:
        return {item.client_attempt_id for item in outbox.items()}


def test_queued_takes_upload_in_the_background_and_the_status_follows(room: Classroom, learner_dir: Path) -> None:
    ids = learner_with_takes(learner_dir, room.take("Good morning."), 3, url=room.server.url, token=room.learners["Ana"])
    seen: list[OutboxStatus] = []
    uploader = Uploader(learner_dir, Login(room.server.url, room.learners["Ana"]), on_status=seen.append)
    assert uploader.status().waiting == 3
    uploader.start()
    try:
        wait_for(lambda: uploader.status().waiting == 0, timeout=120, what="the first three takes")
        with AttemptStore(learner_dir) as store:
            recording = store.incoming_dir / "late.wav"
            recording.write_bytes(room.take("Good morning.").read_bytes())
            late = store.save_attempt(recording_path=recording, pack_id="en-basics", pack_version="1",
                                      phrase_id="good-morning", text="Good morning.", recorder="mic", duration=1.0,
                                      score=store.get(ids[0]).score)
        uploader.enqueue(late.id)
        wait_for(lambda: uploader.status().waiting == 0 and len(_server_ids(room, _client_ids(learner_dir))) == 4,
                 timeout=120, what="the enqueued take")
    finally:
        uploader.stop()
    assert seen[-1] == OutboxStatus(0, 0, "")
    assert any(status.waiting for status in seen)
    with Outbox(learner_dir) as outbox:
        assert {item.state for item in outbox.items()} == {OutboxState.SENT}


def test_while_the_server_is_away_takes_wait_with_the_reason_and_nothing_is_dropped(room: Classroom, learner_dir: Path) -> None:
    away = f"http://127.0.0.1:{free_port()}"
    learner_with_takes(learner_dir, room.take("Good morning."), 2, url=away, token=room.learners["Ben"])
    uploader = Uploader(learner_dir, Login(away, room.learners["Ben"]))
    uploader.start()
    try:
        wait_for(lambda: "cannot reach" in uploader.status().last_error, timeout=60, what="the first failed try")
    finally:
        uploader.stop()
    status = uploader.status()
    assert status.waiting == 2 and status.label().startswith("↑ 2 waiting · cannot reach")
    with Outbox(learner_dir) as outbox:
        tried = [item for item in outbox.items() if item.tries]
        assert tried and all(item.state is OutboxState.PENDING for item in outbox.items())
        assert all(item.next_try_at > now_utc() - timedelta(seconds=1) for item in tried)  # backing off, not spinning


def test_takes_the_server_refuses_fail_with_the_reason(room: Classroom, learner_dir: Path) -> None:
    ids = learner_with_takes(learner_dir, room.take("Good morning."), 2, url=room.server.url, token="prn_revoked-or-never-given")
    with AttemptStore(learner_dir) as store:
        store.get(ids[1]).audio.unlink()
    uploader = Uploader(learner_dir, Login(room.server.url, "prn_revoked-or-never-given"))
    uploader.start()
    try:
        wait_for(lambda: uploader.status().failed == 2, timeout=60, what="both refusals")
    finally:
        uploader.stop()
    with Outbox(learner_dir) as outbox:
        first, second = outbox.get(ids[0]), outbox.get(ids[1])
    assert first.state is OutboxState.FAILED and "401" in first.last_error and "unknown or revoked" in first.last_error
    assert second.state is OutboxState.FAILED and "missing" in second.last_error


def test_an_app_killed_mid_upload_resumes_at_the_next_start_without_duplicates(room: Classroom, learner_dir: Path) -> None:
    learner_with_takes(learner_dir, room.take("Good morning."), 16, url=room.server.url, token=room.learners["Cleo"])
    client_ids = _client_ids(learner_dir)

    def child() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "tests.client.uploader_child", str(learner_dir)], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    first = child()
    wait_for(lambda: len(_server_ids(room, client_ids)) >= 3, timeout=120, what="a few uploads")
    first.kill()  # SIGKILL: in the middle of the stream of uploads
    first.wait(30)
    stored_at_kill = len(_server_ids(room, client_ids))
    second = child()
    try:
        wait_for(lambda: len(_server_ids(room, client_ids)) == 16, timeout=180, what="the rest after the restart")
        with Outbox(learner_dir) as outbox:
            wait_for(lambda: outbox.counts().pending == 0, timeout=60, what="the outbox to record every upload")
    finally:
        second.kill()
        second.wait(30)
    stored = _server_ids(room, client_ids)
    assert stored_at_kill < 16
    assert len(stored) == len(set(stored)) == 16
    with Outbox(learner_dir) as outbox:
        assert outbox.counts().sent == 16


def test_status_and_enqueue_are_safe_from_many_threads(room: Classroom, learner_dir: Path) -> None:
    ids = learner_with_takes(learner_dir, room.take("Good morning."), 6, url=room.server.url, token=room.learners["Ana"])
    with Outbox(learner_dir) as outbox:
        outbox.stop_queuing()
    uploader = Uploader(learner_dir, Login(room.server.url, room.learners["Ana"]))
    errors: list[BaseException] = []

    def hammer(attempt_id: int) -> None:
        try:
            for _ in range(20):
                uploader.enqueue(attempt_id)
                uploader.status()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(attempt_id,)) for attempt_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    uploader.stop()
    assert errors == []
    assert uploader.status().waiting == 6


def test_a_take_saved_without_enqueue_still_goes_up(room: Classroom, learner_dir: Path) -> None:
    learner_with_takes(learner_dir, room.take("Good morning."), 1, url=room.server.url, token=room.learners["Ben"])
    uploader = Uploader(learner_dir, Login(room.server.url, room.learners["Ben"]))
    uploader.start()
    try:
        wait_for(lambda: uploader.status().waiting == 0, timeout=120, what="the queued take")
        with AttemptStore(learner_dir) as store:
            recording = store.incoming_dir / "unannounced.wav"
            recording.write_bytes(room.take("Good morning.").read_bytes())
            store.save_attempt(recording_path=recording, pack_id="en-basics", pack_version="1", phrase_id="good-morning",
                               text="Good morning.", recorder="mic", duration=1.0, score=store.attempts()[0].score)
        wait_for(lambda: len(_server_ids(room, _client_ids(learner_dir))) == 2, timeout=IDLE_LOOK * 3,
                 what="the unannounced take")
    finally:
        uploader.stop()

"""A server pushed to its limits, each with a real process: stalled bodies, too many uploads, a full disk, no file handles,
a database that went away, a SIGKILL. The answer is a 4xx/503/507 with a reason (and ``Retry-After`` where waiting helps),
never a 500, and the store stays whole: no recording without its row, no row without its recording.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from tests.conftest import mounted_tmpfs
from tests.server.helpers import (
    LiveServer,
    PartialUpload,
    classroom,
    meta,
    open_store,
    query,
    scoring_workers,
    sign_in,
    spoken,
    upload,
    wait_for,
)
from tests.server.postgres import PostgresCluster
from tui.paths import DEMO_PACK
from tui.server.db import server_root
from tui.server.packs import publish
from tui.server.upload import IDLE_SECONDS

MB = 1024 * 1024


@pytest.fixture
def take(tmp_path: Path) -> Path:
    return spoken(tmp_path / "take.wav", "Good morning")


def _store_is_whole(data_dir: Path, database: str | None = None) -> None:
    """Every recording has its row and every row its recording; nothing is left in incoming/."""
    root = server_root(data_dir)
    rows = {row[0] for row in query(data_dir, database, "SELECT audio FROM attempts")}
    files = {p.relative_to(root).as_posix() for p in (root / "recordings").rglob("*") if p.is_file()}
    assert files == rows
    assert list((root / "incoming").iterdir()) == []


def test_stalled_bodies_are_cut_and_concurrent_uploads_are_capped_with_retry_after(tmp_path: Path, take: Path) -> None:
    data_dir = tmp_path / "data"
    tokens = classroom(data_dir, ["Ana", "Ben", "Cleo"]).learners
    server = LiveServer(data_dir, tmp_path / "tmp", args=("--max-uploads", "6")).start()
    stalled = []
    try:
        started = time.monotonic()
        for name in ("Ana",) * 4 + ("Ben",) * 2:  # a learner holds at most 4 slots; the node 6
            partial = PartialUpload(server.port, tokens[name], take, meta("Good morning."))
            partial.send_first_half()
            stalled.append(partial)
        incoming = server_root(data_dir) / "incoming"
        wait_for(lambda: len(list(incoming.iterdir())) == 6, timeout=30, what="six uploads to be received at once")
        with server.client() as client:
            for name in ("Ana", "Cleo"):  # Ana's fifth upload, then anybody's seventh
                busy = upload(client, tokens[name], take, meta("Good morning."))
                assert busy.status_code == 503 and busy.headers["retry-after"] == "2", busy.text
                assert busy.json()["hint"] and busy.headers["x-content-type-options"] == "nosniff"
        answers = [partial.answer() for partial in stalled]
        cut_after = time.monotonic() - started
        assert [status for status, _ in answers] == [408] * 6, answers
        assert all("stalled" in body["error"] for _, body in answers)
        assert IDLE_SECONDS <= cut_after < 30  # cut within 30 s of stalling
        with server.client() as client:
            assert upload(client, tokens["Cleo"], take, meta("Good morning.")).status_code == 201  # room again
    finally:
        for partial in stalled:
            partial.close()
        server.stop()
    _store_is_whole(data_dir)
    assert "Traceback" not in server.log()


def test_scoring_workers_end_with_a_server_killed_by_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    classroom(data_dir, ["Ana"])
    server = LiveServer(data_dir, tmp_path / "tmp").start()
    wait_for(lambda: len(scoring_workers(server.pid)) == 2, timeout=60, what="the two scoring workers to start")
    workers = scoring_workers(server.pid)
    server.kill()
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10,
             what="the scoring workers to exit after the server's SIGKILL")


def _leave_free(folder: Path, free_bytes: int) -> None:
    """Fill the disk of ``folder`` with a ballast file until about ``free_bytes`` are free.

    The server may still be writing (a take scored after its 201): when the disk
    fills before the ballast is whole, it is as full as asked or fuller.
    """
    ballast = folder / "ballast"
    ballast.unlink(missing_ok=True)
    excess = shutil.disk_usage(folder).free - free_bytes
    if excess > 0:
        with open(ballast, "wb", buffering=0) as handle:
            try:
                handle.write(b"\0" * excess)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


def test_a_full_disk_is_507_the_class_page_warns_and_no_recording_is_left_without_its_row(tmp_path: Path, take: Path) -> None:
    with mounted_tmpfs(tmp_path / "disk", size_mib=48) as disk:
        data_dir = disk / "data"
        tokens = classroom(data_dir, ["Ana"])
        server = LiveServer(data_dir, tmp_path / "tmp", args=("--min-free-mb", "8", "--score-wait", "0")).start()
        try:
            with server.client() as client, server.client() as teacher:
                assert sign_in(teacher, tokens.teacher).status_code == 303
                assert "disk-warning" not in teacher.get("/classes/1").text
                _leave_free(disk, 20 * MB)  # below 4 × 8 MB: the page warns, uploads go on
                assert upload(client, tokens.learners["Ana"], take, meta("Good morning.")).status_code == 201
                low = teacher.get("/classes/1").text
                assert "make room soon" in low and 'class="disk-warning"' in low
                _leave_free(disk, 6 * MB)  # below the 8 MB reserve: refused before the body is read
                full = upload(client, tokens.learners["Ana"], take, meta("Good morning."))
                assert full.status_code == 507 and full.headers["retry-after"] == "60", full.text
                assert "disk is full" in full.json()["error"] and str(disk) not in full.text
                page = teacher.get("/classes/1")
                assert page.status_code == 200 and "Uploads are refused" in page.text
                assert 'class="disk-warning refusing"' in page.text  # shown as the more urgent warning
                with server.client() as browser:  # the reserve keeps room for a teacher to sign in and see why
                    assert sign_in(browser, tokens.teacher).status_code == 303
                    assert "Uploads are refused" in browser.get("/classes/1").text
                (disk / "ballast").unlink()
                assert upload(client, tokens.learners["Ana"], take, meta("Good morning.")).status_code == 201
        finally:
            server.stop()
        server = LiveServer(data_dir, tmp_path / "tmp0", args=("--min-free-mb", "0", "--score-wait", "0")).start()  # no reserve
        statuses = []
        try:
            with server.client() as client:
                for free in range(0, take.stat().st_size + 200_000, 25_000):
                    _leave_free(disk, free)
                    answer = upload(client, tokens.learners["Ana"], take, meta("Good morning."))
                    statuses.append(answer.status_code)
                    assert answer.status_code in (201, 503, 507), answer.text
                    assert str(disk) not in answer.text and "Traceback" not in answer.text
            _leave_free(disk, 0)  # nothing left at all: signing in is refused with the reason, never a 500
            with server.client() as browser:
                form = browser.get("/", headers={"accept": "text/html"})
                assert form.status_code == 200, form.text
                answer = sign_in(browser, tokens.teacher)
                assert answer.status_code in (303, 507), answer.text
                assert str(disk) not in answer.text and "Traceback" not in answer.text
                if answer.status_code == 507:
                    assert "disk is full" in answer.text
        finally:
            (disk / "ballast").unlink(missing_ok=True)
            server.stop()
        assert 507 in statuses and 201 in statuses
        _store_is_whole(data_dir)


def test_running_out_of_file_handles_is_503_not_500(tmp_path: Path, take: Path) -> None:
    data_dir = tmp_path / "data"
    tokens = classroom(data_dir, ["Ana"])
    server = LiveServer(data_dir, tmp_path / "tmp", open_files=160).start()
    flood: list[socket.socket] = []
    try:
        with server.client() as client:
            headers = {"authorization": f"Bearer {tokens.learners['Ana']}"}
            assert client.get("/api/v1/me", headers=headers).status_code == 200  # this connection is accepted now
            for _ in range(400):
                if len(os.listdir(f"/proc/{server.pid}/fd")) >= 160:
                    break
                flood.append(socket.create_connection(("127.0.0.1", server.port)))
                time.sleep(0.005)
            wait_for(lambda: len(os.listdir(f"/proc/{server.pid}/fd")) >= 159, timeout=20, what="the server to run out of files")
            busy = upload(client, tokens.learners["Ana"], take, meta("Good morning."))
            assert busy.status_code == 503 and busy.headers["retry-after"], busy.text
            assert busy.json()["error"] == "the server is too busy right now"
            for sock in flood:
                sock.close()
            flood.clear()
            wait_for(lambda: len(os.listdir(f"/proc/{server.pid}/fd")) < 120, timeout=30, what="the connections to close")
        with server.client() as client:
            assert upload(client, tokens.learners["Ana"], take, meta("Good morning.")).status_code == 201
    finally:
        for sock in flood:
            sock.close()
        server.stop()
    assert " 500 " not in server.log()
    _store_is_whole(data_dir)


def test_a_database_that_went_away_is_a_503_that_names_nothing_of_the_server(tmp_path: Path, postgres: PostgresCluster,
                                                                             take: Path) -> None:
    import psycopg

    database = postgres.create_database()
    data_dir = tmp_path / "data"
    tokens = classroom(data_dir, ["Ana"], database=database)
    db = open_store(data_dir, database)
    publish(db, DEMO_PACK)
    db.close()
    name = database.rsplit("/", 1)[1]
    server = LiveServer(data_dir, tmp_path / "tmp", database=database).start()
    try:
        with psycopg.connect(postgres.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            with server.client() as client:
                client.cookies.set("pronounce_session", "x" * 40)
                for answer in (upload(client, tokens.learners["Ana"], take, meta("Good morning.")),
                               client.get("/api/v1/attempts", headers={"authorization": f"Bearer {tokens.teacher}"}),
                               client.get("/", headers={"accept": "text/html"})):
                    assert answer.status_code == 503 and answer.headers["retry-after"], answer.text
                    assert "database is unavailable" in answer.text
                    for secret in (name, f":{postgres.port}", "postgresql", "psycopg", str(data_dir)):
                        assert secret not in answer.text
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        with server.client() as client:
            assert upload(client, tokens.learners["Ana"], take, meta("Good morning.")).status_code == 201
    finally:
        server.stop()
    assert "database" in server.log()  # the reason is in the server's log instead

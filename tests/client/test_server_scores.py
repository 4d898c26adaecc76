"""The learner's side of a server that scores later and is sometimes busy: a real server, a real outbox, ``pronounce sync``."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from tests.server.helpers import LiveServer, PartialUpload, classroom, learner_with_takes, meta, spoken, wait_for
from tui.cli import cli
from tui.client.login import Login
from tui.client.uploader import sync_now
from tui.store.outbox import Outbox


def test_sync_waits_out_a_busy_server_then_fetches_the_scores_it_gave_later(tmp_path: Path) -> None:
    data_dir, learner = tmp_path / "teacher", tmp_path / "learner"
    tokens = classroom(data_dir, ["Ana", "Ben"]).learners
    take = spoken(tmp_path / "take.wav", "Good morning")
    server = LiveServer(data_dir, tmp_path / "tmp", args=("--score-wait", "0", "--max-uploads", "1", "--workers", "1")).start()
    try:
        learner_with_takes(learner, take, 2, url=server.url, token=tokens["Ana"])
        blocker = PartialUpload(server.port, tokens["Ben"], take, meta("Good morning."))
        blocker.send_first_half()  # Ben's upload holds the node's only slot
        wait_for(lambda: any((data_dir / "server" / "incoming").iterdir()), timeout=30, what="Ben's upload to arrive")
        threading.Timer(1.0, blocker.close).start()  # ...for a second, then his connection drops
        started = time.monotonic()
        report = sync_now(learner, Login(server.url, tokens["Ana"]))
        assert report.sent == 2 and report.waiting == 0, report
        with Outbox(learner) as outbox:
            items = outbox.items()
        assert items[0].tries == 2 and time.monotonic() - started >= 1.0  # told 503 + Retry-After, waited, sent
        assert {item.server_status for item in items} <= {"pending", "scored"}

        def all_scored() -> bool:
            with Outbox(learner) as outbox:
                return not outbox.awaiting_score() and all(i.server_status == "scored" for i in outbox.items())

        deadline = time.monotonic() + 90
        while not all_scored() and time.monotonic() < deadline:
            synced = CliRunner().invoke(cli, ["--data-dir", str(learner), "sync"])
            assert synced.exit_code == 0, synced.output
            time.sleep(0.5)
        assert all_scored()
        status = CliRunner().invoke(cli, ["--data-dir", str(learner), "sync", "--status"])
        assert status.output.count("server score ") == 2, status.output
        with Outbox(learner) as outbox:
            assert all(json.loads(i.server_score_json or "{}")["overall"] > 50 for i in outbox.items())
    finally:
        server.stop()

"""``pronounce login``, ``logout``, ``sync`` and ``pack pull`` against a real server."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.client.conftest import Classroom
from tests.server.helpers import LiveServer, classroom, free_port, learner_with_takes, spoken
from tui.cli import cli
from tui.client.login import load_login, token_path
from tui.config import config_path, load_config
from tui.packs.loader import load_pack
from tui.store.outbox import Outbox, OutboxState


def _run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def _one_line_error(result: Result, words: str) -> None:
    """Exit 2 and the error as the one last line of stderr (a progress bar may have drawn above it)."""
    assert result.exit_code == 2, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("pronounce: error: ") and words in last, result.stderr
    assert "Traceback" not in result.output


def test_login_keeps_the_url_in_the_settings_and_the_token_in_a_private_file(room: Classroom, learner_dir: Path) -> None:
    result = _run(learner_dir, "login", room.server.url + "/", room.learners["Ana"])
    assert result.exit_code == 0, result.output
    assert f"Logged in to {room.server.url} as Ana" in result.stdout
    assert load_config(config_path(learner_dir)).server_url == room.server.url
    assert stat.S_IMODE(token_path(learner_dir).stat().st_mode) == 0o600
    assert token_path(learner_dir).read_text() == room.learners["Ana"]
    assert room.learners["Ana"] not in config_path(learner_dir).read_text()
    out = _run(learner_dir, "logout")
    assert out.exit_code == 0 and "Logged out" in out.stdout
    assert not token_path(learner_dir).exists() and load_login(learner_dir) is None
    assert "not logged in" in _run(learner_dir, "logout").stdout.lower()


@pytest.mark.parametrize("url, token, words", [
    ("ftp://example.org", "prn_x", "not a server address"), ("http://", "prn_x", "not a server address"),
    ("http://h?x=1", "prn_x", "query"), ("http://127.0.0.1:1", "has spaces", "does not look like a token"),
])
def test_login_refuses_bad_addresses_and_tokens(learner_dir: Path, url: str, token: str, words: str) -> None:
    _one_line_error(_run(learner_dir, "login", url, token), words)
    assert load_login(learner_dir) is None


def test_login_refuses_unknown_and_teacher_tokens_and_saves_nothing(room: Classroom, learner_dir: Path) -> None:
    _one_line_error(_run(learner_dir, "login", room.server.url, "prn_made-up"), "401")
    _one_line_error(_run(learner_dir, "login", room.server.url, room.teacher), "teacher's token")
    assert load_login(learner_dir) is None


def test_login_to_a_server_that_is_down_is_kept_with_a_warning(learner_dir: Path) -> None:
    result = _run(learner_dir, "login", f"http://127.0.0.1:{free_port()}", "prn_some-token")
    assert result.exit_code == 0 and "warning: cannot reach" in result.stderr
    assert load_login(learner_dir) is not None


def test_insecure_exists_only_by_its_full_name(learner_dir: Path) -> None:
    assert _run(learner_dir, "login", "-k", "http://127.0.0.1:1", "prn_x").exit_code == 2
    assert _run(learner_dir, "login", "--insec", "http://127.0.0.1:1", "prn_x").exit_code == 2


def test_sync_uploads_and_status_lists_each_take(room: Classroom, learner_dir: Path) -> None:
    learner_with_takes(learner_dir, room.take("Good morning."), 3, url=room.server.url, token=room.learners["Ben"])
    status = _run(learner_dir, "sync", "--status")
    assert status.stdout.splitlines()[0] == "3 pending, 0 sent, 0 failed"
    result = _run(learner_dir, "sync")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3 sent, 0 waiting, 0 refused"
    assert "Uploading takes" not in result.stderr, "progress is drawn on a terminal only, never into a log"
    listed = _run(learner_dir, "sync", "--status").stdout.splitlines()
    assert listed[0] == "0 pending, 3 sent, 0 failed"
    assert all("sent" in line and "server id" in line for line in listed[1:]) and len(listed) == 4
    assert _run(learner_dir, "sync").stdout.strip() == "0 sent, 0 waiting, 0 refused"


def test_sync_with_the_server_down_keeps_everything_and_says_so(room: Classroom, learner_dir: Path) -> None:
    learner_with_takes(learner_dir, room.take("Good morning."), 2, url=f"http://127.0.0.1:{free_port()}", token="prn_x")
    _one_line_error(_run(learner_dir, "sync"), "2 takes still wait to upload: cannot reach")
    with Outbox(learner_dir) as outbox:
        assert [item.state for item in outbox.items()] == [OutboxState.PENDING] * 2
    assert "cannot reach" in _run(learner_dir, "sync", "--status").stdout


def test_sync_reports_refusals_and_retries_them_on_request(room: Classroom, learner_dir: Path) -> None:
    learner_with_takes(learner_dir, room.take("Good morning."), 1, url=room.server.url, token="prn_wrong")
    _one_line_error(_run(learner_dir, "sync"), "refused 1 takes")
    assert "unknown or revoked" in _run(learner_dir, "sync", "--status").stdout
    assert _run(learner_dir, "login", room.server.url, room.learners["Cleo"]).exit_code == 0  # requeues refusals
    result = _run(learner_dir, "sync", "--retry-failed")
    assert result.stdout.strip() == "1 sent, 0 waiting, 0 refused"


def test_sync_and_pull_need_a_login(learner_dir: Path) -> None:
    _one_line_error(_run(learner_dir, "sync"), "not logged in")
    _one_line_error(_run(learner_dir, "pack", "pull", "en-basics"), "not logged in")


def test_pack_pull_downloads_a_valid_pack(room: Classroom, learner_dir: Path, tmp_path: Path) -> None:
    assert _run(learner_dir, "login", room.server.url, room.learners["Ana"]).exit_code == 0
    target = tmp_path / "packs" / "en"
    result = _run(learner_dir, "pack", "pull", "en-basics", "--to", str(target))
    assert result.exit_code == 0, result.output
    pack = load_pack(target)
    assert pack.id == "en-basics" and len(pack.phrases) > 10
    _one_line_error(_run(learner_dir, "pack", "pull", "en-basics", "--to", str(target)), "already exists")
    _one_line_error(_run(learner_dir, "pack", "pull", "no-such-pack", "--to", str(tmp_path / "x")), "404")
    assert sorted(p.name for p in target.parent.iterdir()) == ["en"]  # nothing left behind


def test_tls_is_verified_unless_insecure_is_asked_for(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    data_dir, learner = tmp_path / "teacher", tmp_path / "learner"
    tokens = classroom(data_dir, ["Ana"]).learners
    server = LiveServer(data_dir, tmp_path / "server-tmp", args=("--tls-cert", str(cert), "--tls-key", str(key))).start()
    try:
        _one_line_error(_run(learner, "login", server.url, tokens["Ana"]), "certificate")
        assert load_login(learner) is None
        learner_with_takes(learner, spoken(tmp_path / "take.wav", "Good morning"), 1, url=server.url, token=tokens["Ana"])
        _one_line_error(_run(learner, "sync"), "certificate of")  # a take never goes to an unverified server
        trusted = _run(learner, "login", "--insecure", server.url, tokens["Ana"])
        assert trusted.exit_code == 0 and "TLS certificate checks are off" in trusted.stderr
        synced = _run(learner, "sync")
        assert synced.stdout.strip() == "1 sent, 0 waiting, 0 refused", synced.output
    finally:
        server.stop()

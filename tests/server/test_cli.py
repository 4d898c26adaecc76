"""``pronounce server ...``: tokens as the last line of stdout, every user error one line with exit 2."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.server.helpers import query
from tui.cli import cli
from tui.paths import DEMO_PACK
from tui.server import accounts
from tui.server.accounts import Role
from tui.server.db import Database, server_root


def _run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "server", *args], env=env)


def _one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("pronounce: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.output


def _identify(data_dir: Path, token: str) -> accounts.Identity | None:
    db = Database(server_root(data_dir))
    try:
        return accounts.identify(db, token)
    finally:
        db.close()


def test_init_prints_the_admin_token_last_and_only_once(tmp_path: Path) -> None:
    first = _run(tmp_path, "init")
    assert first.exit_code == 0, first.output
    token = first.stdout.splitlines()[-1]
    assert first.stdout == token + "\n"  # stdout holds only the token; the words go to stderr
    assert _identify(tmp_path, token) == accounts.Identity(Role.ADMIN)
    _one_line_error(_run(tmp_path, "init"), "already initialised")
    _one_line_error(_run(tmp_path, "token"), "--rotate")


def test_rotating_a_token_revokes_the_old_one(tmp_path: Path) -> None:
    old = _run(tmp_path, "init").stdout.splitlines()[-1]
    new = _run(tmp_path, "token", "--rotate").stdout.splitlines()[-1]
    assert new != old
    assert _identify(tmp_path, old) is None
    assert _identify(tmp_path, new) == accounts.Identity(Role.ADMIN)
    teacher = _run(tmp_path, "class", "add", "Year 9", "--teacher", "Ms Lee").stdout.splitlines()[-1]
    again = _run(tmp_path, "token", "--rotate", "--teacher", "Ms Lee").stdout.splitlines()[-1]
    assert _identify(tmp_path, teacher) is None
    assert _identify(tmp_path, again) == accounts.Identity(Role.TEACHER, "Ms Lee", teacher_id=1, class_ids=frozenset({1}))
    assert _identify(tmp_path, new) == accounts.Identity(Role.ADMIN)  # the admin's token is untouched
    _one_line_error(_run(tmp_path, "token", "--rotate", "--teacher", "Nobody"), "no teacher named")


def test_classes_get_teachers_and_a_teacher_may_teach_several(tmp_path: Path) -> None:
    _run(tmp_path, "init")
    first = _run(tmp_path, "class", "add", "Year 9", "--teacher", "Ms Lee")
    assert first.exit_code == 0, first.output
    token = first.stdout.splitlines()[-1]
    second = _run(tmp_path, "class", "add", "Year 10", "--teacher", "Ms Lee")
    assert second.exit_code == 0 and second.stdout == ""  # no new token: Ms Lee keeps hers
    assert "teaches it too" in second.stderr
    third = _run(tmp_path, "class", "add", "Year 11", "--teacher", "Mr Roy")
    assert third.stdout.splitlines()[-1] != token
    who = _identify(tmp_path, token)
    assert who is not None and who.role is Role.TEACHER and who.class_ids == frozenset({1, 2})
    _one_line_error(_run(tmp_path, "class", "add", "Year 9", "--teacher", "Mr Roy"), "already a class named")
    _one_line_error(_run(tmp_path, "class", "add", "Year 12"), "--teacher")
    _one_line_error(_run(tmp_path, "class", "add", "x\x1b[2J", "--teacher", "Mr Roy"), "control characters")
    listed = [json.loads(line) for line in _run(tmp_path, "class", "list", "--json").stdout.splitlines()]
    assert [(c["name"], c["teachers"]) for c in listed] == [("Year 10", ["Ms Lee"]), ("Year 11", ["Mr Roy"]),
                                                            ("Year 9", ["Ms Lee"])]
    assert "taught by Ms Lee" in _run(tmp_path, "class", "list").stdout


def test_learners_are_added_listed_and_removed(tmp_path: Path) -> None:
    _run(tmp_path, "init")
    _one_line_error(_run(tmp_path, "add-learner", "Ana Pérez"), "no class yet")
    _run(tmp_path, "class", "add", "Year 9", "--teacher", "Ms Lee")
    added = _run(tmp_path, "add-learner", "Ana Pérez")  # the only class: no --class needed
    token = added.stdout.splitlines()[-1]
    assert added.exit_code == 0
    assert _identify(tmp_path, token) == accounts.Identity(Role.LEARNER, "Ana Pérez", learner_id=1, class_ids=frozenset({1}))
    _one_line_error(_run(tmp_path, "add-learner", "Ana Pérez"), "already a learner")
    _one_line_error(_run(tmp_path, "add-learner", "  "), "1 to 64")
    _one_line_error(_run(tmp_path, "add-learner", "evil\x1b[2J"), "control characters")
    listed = [json.loads(line) for line in _run(tmp_path, "learners", "--json").stdout.splitlines()]
    assert [(r["name"], r["class"], r["removed"], r["attempts"]) for r in listed] == [("Ana Pérez", "Year 9", None, 0)]
    assert "Ana Pérez" in _run(tmp_path, "learners").stdout
    assert _run(tmp_path, "remove-learner", "Ana Pérez").exit_code == 0
    assert _identify(tmp_path, token) is None
    _one_line_error(_run(tmp_path, "remove-learner", "Ana Pérez"), "no learner named")
    assert "removed" in _run(tmp_path, "learners").stdout
    again = _run(tmp_path, "add-learner", "Ana Pérez")  # the name is free again; a new token
    assert again.exit_code == 0 and again.stdout.splitlines()[-1] != token
    _run(tmp_path, "class", "add", "Year 10", "--teacher", "Mr Roy")
    _one_line_error(_run(tmp_path, "add-learner", "Ben"), "several classes")
    _one_line_error(_run(tmp_path, "add-learner", "Ben", "--class", "Year 99"), "no class named")
    other = _run(tmp_path, "add-learner", "Ana Pérez", "--class", "Year 10")  # names are unique per class
    assert other.exit_code == 0, other.output
    assert [r["class"] for r in map(json.loads, _run(tmp_path, "learners", "--json", "--class", "Year 10").stdout.splitlines())] == ["Year 10"]
    _one_line_error(_run(tmp_path, "remove-learner", "Ana Pérez"), "several classes")
    assert _run(tmp_path, "remove-learner", "Ana Pérez", "--class", "Year 10").exit_code == 0


def test_commands_before_init_say_to_run_init(tmp_path: Path) -> None:
    for args in (("learners",), ("add-learner", "Ana"), ("run",), ("token", "--rotate"), ("publish", str(DEMO_PACK))):
        _one_line_error(_run(tmp_path, *args), "server init")


def test_publish_accepts_a_folder_or_a_zip_and_refuses_an_invalid_pack(tmp_path: Path) -> None:
    _run(tmp_path, "init")
    assert "Published en-basics version 1" in _run(tmp_path, "publish", str(DEMO_PACK)).stdout
    archive = tmp_path / "en.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in DEMO_PACK.rglob("*"):
            if path.is_file():
                out.write(path, f"en-basics/{path.relative_to(DEMO_PACK).as_posix()}")
    assert _run(tmp_path, "publish", str(archive)).exit_code == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pack.toml").write_text('[pack]\nid = "x"\n')
    _one_line_error(_run(tmp_path, "publish", str(broken)), "not a valid pack")
    assert [tuple(row) for row in query(tmp_path, None, "SELECT id FROM packs")] == [("en-basics",)]
    phrases = query(tmp_path, None, "SELECT phrase_id FROM pack_phrases WHERE pack_id = 'en-basics' ORDER BY position")
    assert phrases[0][0] == "hello-how-are-you" and len(phrases) > 10  # the class page's columns, in lesson order
    folders = [p.name for p in (server_root(tmp_path) / "packs").iterdir()]
    assert sorted(folders) == ["1", "2"]  # two publications kept, no staging left behind
    for folder in folders:  # each publication holds the pack and its zip, nothing else
        assert sorted(p.name for p in (server_root(tmp_path) / "packs" / folder).iterdir()) == ["pack", "pack.zip"]


def test_run_refuses_a_port_in_use_in_one_line(tmp_path: Path) -> None:
    import socket

    _run(tmp_path, "init")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        _one_line_error(_run(tmp_path, "run", "--port", str(busy.getsockname()[1])), "already in use")


@pytest.mark.parametrize("args, words", [
    (("run", "--port", "99999"), "99999"), (("run", "--tls-cert", "/nonexistent"), "/nonexistent"),
    (("frobnicate",), "frobnicate"),
])
def test_usage_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    _run(tmp_path, "init")
    result = _run(tmp_path, *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("address", ["tcp://a b:1", "http://host:8786", "tcp://host:99999", "host:port"])
def test_a_scheduler_address_that_is_not_one_is_one_line(tmp_path: Path, address: str) -> None:
    assert _run(tmp_path, "init").exit_code == 0
    _one_line_error(_run(tmp_path, "run", "--scheduler", address), "is not a scheduler address")


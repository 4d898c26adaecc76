"""Settings, server addresses and tokens that cannot be used: one line, exit 2, nothing saved, nothing hangs.

``login`` parses an address strictly (a port of ASCII digits from 1 to 65535, no
spaces, control, bidirectional or invisible characters, not even a trailing
newline) and saves nothing it refused; ``config.toml`` is checked the same way
when read; the token file is read without ever blocking on a pipe. No server
runs here: 127.0.0.1:9 refuses every connection.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, assert_refused, assert_worked
from tests.hostile.world import World
from tui.client.login import TOKEN_FILE
from tui.config import CONFIG_NAME

NOBODY = "http://127.0.0.1:9"
"""The discard port: nothing listens, a connection is refused at once."""

ADDRESSES = {
    "unclosed-ipv6": "http://[::1",
    "port-too-big": "http://example.org:99999",
    "port-zero": "http://example.org:0",
    "port-arabic-digits": "http://example.org:٨٠",
    "port-underscore": "http://example.org:80_80",
    "port-plus": "http://example.org:+80",
    "port-letters": "http://example.org:http",
    "trailing-newline": "http://example.org\n",
    "leading-space": " http://example.org",
    "space-inside": "http://exa mple.org",
    "tab": "http://example.org\t",
    "escape": "http://example.org/\x1b]0;owned\x07",
    "c1-control": "http://example.org/\x9b31m",
    "bidi-override": "http://example.org/\u202egro.live",
    "zero-width": "http://exa\u200bmple.org",
    "ftp": "ftp://example.org",
    "no-scheme": "example.org:8080",
    "no-host": "http://",
    "user-name": "http://me@example.org",
    "query": "http://example.org/?x=1",
    "fragment": "http://example.org/#top",
    "empty-query": "http://example.org/?",
    "very-long": "http://example.org/" + "a" * 5000,
    "empty": "",
}
"""Addresses ``login`` refuses before it contacts anything."""

TOKENS = {
    "empty": "", "space": "prn_a b", "padded": " prn_abc ", "newline": "prn_abc\n", "escape": "prn_\x1b[2J",
    "non-ascii": "prn_é", "bidi": "prn_\u202eabc", "too-long": "prn_" + "a" * 300,
}


def _data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("name", sorted(ADDRESSES))
def test_login_refuses_an_address_that_does_not_parse_strictly(harness: Harness, world: World, tmp_path: Path,
                                                               name: str) -> None:
    data = _data(tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--data-dir", str(data), "login", ADDRESSES[name], "prn_token"])
    assert_refused(ran, "is not a server address")
    before.check()


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_login_refuses_a_token_that_is_not_one(harness: Harness, world: World, tmp_path: Path, name: str) -> None:
    data = _data(tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--data-dir", str(data), "login", NOBODY, TOKENS[name]])
    assert_refused(ran, "does not look like a token")
    before.check()


CONFIGS: dict[str, tuple[Callable[[Path], None], str]] = {
    # name: (how config.toml is made, what the one line says)
    "url-escape": (lambda p: p.write_text('server_url = "http://h/\\u001b]0;owned\\u0007"\n'), "server_url"),
    "url-bidi": (lambda p: p.write_text('server_url = "http://h/\\u202eabc"\n'), "server_url"),
    "url-c1": (lambda p: p.write_text('server_url = "http://h/\\u009b31m"\n'), "server_url"),
    "url-100k": (lambda p: p.write_text('server_url = "http://h/' + "a" * 100_000 + '"\n'), "is longer than 2000"),
    "url-port-99999": (lambda p: p.write_text('server_url = "http://h:99999"\n'), "Port out of range"),
    "url-unclosed-ipv6": (lambda p: p.write_text('server_url = "http://[::1"\n'), "Invalid IPv6 URL"),
    "url-newline": (lambda p: p.write_text('server_url = "http://h\\n"\n'), "server_url"),
    "url-number": (lambda p: p.write_text("server_url = 3\n"), "must be a str"),
    "url-ftp": (lambda p: p.write_text('server_url = "ftp://h"\n'), "is not an http://"),
    "auto-stop-nan": (lambda p: p.write_text("auto_stop_seconds = nan\n"), "auto_stop_seconds"),
    "not-toml": (lambda p: p.write_text("server_url = \n[[["), "cannot read settings"),
    "not-utf8": (lambda p: p.write_bytes(b'server_url = "caf\xe9"\n'), "cannot read settings"),
    "deep": (lambda p: p.write_text("x = " + "[" * 5000), "cannot read settings"),
    "fifo": (lambda p: os.mkfifo(p), "is a named pipe (FIFO), not a regular file"),
    "folder": (lambda p: p.mkdir(), "is a folder, not a regular file"),
    "link-to-zero": (lambda p: p.symlink_to("/dev/zero"), "is a device, not a regular file"),
    "huge": (lambda p: p.write_bytes(b"# " + b"x" * (2 << 20)), "more than"),
}
"""Settings files no command may run with (the app runs on the defaults and says so)."""


def _logged_in(data: Path, config: Callable[[Path], None] | None = None) -> None:
    (data / TOKEN_FILE).write_text("prn_token")
    if config is None:
        (data / CONFIG_NAME).write_text(f'server_url = "{NOBODY}"\n')
    else:
        config(data / CONFIG_NAME)


@pytest.mark.parametrize("command", [["login", NOBODY, "prn_token"], ["logout"], ["sync"], ["pack", "pull", "p"]],
                         ids=["login", "logout", "sync", "pull"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_settings_file_that_cannot_be_used_is_one_line(harness: Harness, world: World, tmp_path: Path, name: str,
                                                         command: list[str]) -> None:
    data = _data(tmp_path)
    make, says = CONFIGS[name]
    _logged_in(data, make)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--data-dir", str(data), *command])
    line = assert_refused(ran, says)
    assert CONFIG_NAME in line
    before.check()


TOKEN_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (lambda p: os.mkfifo(p), "is a named pipe (FIFO), not a file"),
    "folder": (lambda p: p.mkdir(), "is a folder, not a file"),
    "link-to-zero": (lambda p: p.symlink_to("/dev/zero"), "is a device, not a file"),
    "huge": (lambda p: p.write_bytes(b"a" * (1 << 20)), "cannot read the server token"),
    "not-ascii": (lambda p: p.write_bytes(b"prn_\xff\xfe"), "cannot read the server token"),
    "empty": (lambda p: p.write_bytes(b""), "cannot read the server token"),
    "escape": (lambda p: p.write_bytes(b"prn_\x1b[2J"), "cannot read the server token"),
}
"""Token files that hold no token: a pipe is never opened for a blocking read."""


@pytest.mark.parametrize("command", [["sync"], ["pack", "pull", "p"]], ids=["sync", "pull"])
@pytest.mark.parametrize("name", sorted(TOKEN_FILES))
def test_a_token_file_that_holds_no_token_is_one_line(harness: Harness, world: World, tmp_path: Path, name: str,
                                                      command: list[str]) -> None:
    data = _data(tmp_path)
    _logged_in(data)
    (data / TOKEN_FILE).unlink()
    make, says = TOKEN_FILES[name]
    make(data / TOKEN_FILE)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--data-dir", str(data), *command])
    assert_refused(ran, says)
    before.check()


def test_a_refused_port_is_never_saved(harness: Harness, tmp_path: Path) -> None:
    data = _data(tmp_path)
    assert_refused(harness.run(["--data-dir", str(data), "login", "http://127.0.0.1:99999", "prn_token"]), "Port out of range")
    assert list(data.iterdir()) == []


def test_sync_with_no_server_prints_no_progress_on_a_non_terminal(harness: Harness, world: World, tmp_path: Path) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    _logged_in(data)
    from tui.store.outbox import Outbox

    with Outbox(data) as outbox:
        outbox.enqueue(1, lang="en-US")
    ran = harness.run(["--data-dir", str(data), "sync"])
    assert_refused(ran, "takes still wait to upload")
    assert "Uploading" not in ran.stdout + ran.stderr and "\r" not in ran.stderr


def test_sync_status_shows_a_logged_in_learner_without_a_server(harness: Harness, world: World, tmp_path: Path) -> None:
    data = _data(tmp_path)
    _logged_in(data)
    assert_worked(harness.run(["--data-dir", str(data), "sync", "--status"]))

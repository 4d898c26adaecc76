"""The real ``pronounce`` command in a real terminal (tmux): what headless tests can miss."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None and os.environ.get("CI", "").lower() != "true", reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True).stdout


def press(session: str, key: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)
    # A lone Escape followed at once by a key reads as alt+key: leave a gap like a person.
    time.sleep(0.3)


def wait_for(session: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared; the terminal shows:\n{screen}")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[str]:
    name = f"pronounce-test-{os.getpid()}"
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_pronounce_runs_in_a_terminal(session: str, pack_dir: Path, data_dir: Path) -> None:
    command = f"{Path(sys.executable).parent / 'pronounce'} --data-dir {data_dir} practice {pack_dir}; echo EXITED $?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    # The translation shows in the main pane once the first phrase is current.
    screen = wait_for(session, "Buenos días")
    assert "Record/stop" in screen and "Good morning, how are you today?" in screen
    press(session, "j")
    wait_for(session, "Setecientos doce")
    press(session, "?")
    assert "Record/stop" in wait_for(session, "keys")
    press(session, "Escape")
    press(session, "d")
    wait_for(session, "Inputs (recorders)")
    press(session, "Escape")
    wait_for(session, "Setecientos doce")
    press(session, "q")
    assert "EXITED 0" in wait_for(session, "EXITED")

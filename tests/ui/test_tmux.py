"""The real ``pronounce`` command in a real terminal (tmux): what headless tests can miss."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
TMUX_SERVER = ("tmux", "-L", f"pronounce-test-{os.getpid()}")
"""A tmux server of this test run's own: nothing another run or a user's tmux does reaches its windows."""
pytestmark = pytest.mark.skipif(TMUX is None and os.environ.get("CI", "").lower() != "true", reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run([*TMUX_SERVER, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True).stdout


def press(session: str, key: str) -> None:
    subprocess.run([*TMUX_SERVER, "send-keys", "-t", session, key], check=True)
    # A lone Escape followed at once by a key reads as alt+key: leave a gap like a person.
    time.sleep(0.3)


def wait_for(session: str, needle: str, timeout: float = 40.0) -> str:
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
    subprocess.run([*TMUX_SERVER, "kill-server"], capture_output=True)


def test_pronounce_runs_in_a_terminal(session: str, pack_dir: Path, data_dir: Path) -> None:
    command = f"{Path(sys.executable).parent / 'pronounce'} --data-dir {data_dir} practice {pack_dir}; echo EXITED $?; sleep 30"
    subprocess.run([*TMUX_SERVER, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    # The translation shows in the main pane once the first phrase is current.
    screen = wait_for(session, "Buenos días")
    assert "Record" in screen and "Good morning, how are you today?" in screen
    press(session, "j")
    wait_for(session, "Setecientos doce")
    press(session, "?")
    assert "Start recording" in wait_for(session, "keys")
    press(session, "Escape")
    press(session, "d")
    wait_for(session, "Inputs (recorders)")
    press(session, "Escape")
    wait_for(session, "Setecientos doce")
    press(session, "q")
    assert "EXITED 0" in wait_for(session, "EXITED")


def pane(session: str, fmt: str) -> str:
    return subprocess.run([*TMUX_SERVER, "display", "-p", "-t", session, fmt], capture_output=True, text=True, check=True).stdout.strip()


def start(session: str, pack_dir: Path, data_dir: Path, *args: str) -> None:
    command = f"{Path(sys.executable).parent / 'pronounce'} --data-dir {data_dir} {' '.join(args)} practice {pack_dir}; echo EXITED $?; sleep 30"
    subprocess.run([*TMUX_SERVER, "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True)


def app_pid(session: str) -> int:
    """The pid of ``pronounce`` (the child of the pane's shell)."""
    shell = pane(session, "#{pane_pid}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    raise AssertionError("pronounce is not running")


@pytest.mark.parametrize("how", ["q", "SIGTERM"])
def test_ending_mid_take_restores_the_terminal_and_says_where_the_take_is(session: str, pack_dir: Path, data_dir: Path, how: str) -> None:
    start(session, pack_dir, data_dir, "--input-file", str(pack_dir / "hello.wav"))
    wait_for(session, "Buenos días")
    assert pane(session, "#{alternate_on}") == "1"
    press(session, "Space")
    wait_for(session, "REC")
    if how == "q":
        press(session, "q")
    else:
        os.kill(app_pid(session), signal.SIGTERM)
    screen = wait_for(session, "EXITED")
    assert ("EXITED 0" if how == "q" else "EXITED 143") in screen
    assert pane(session, "#{alternate_on}") == "0", "the app left the alternate screen"
    assert pane(session, "#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}") == "0000", "mouse reporting is off"
    kept = list((data_dir / "recordings" / "incoming").glob("*.flac"))
    assert len(kept) == 1 and kept[0].with_name(kept[0].name.replace(".flac", ".take.json")).is_file()
    assert "kept, not scored" in screen and kept[0].name in screen.replace("\n", "")


def test_practice_refuses_a_missing_or_broken_pack_before_the_app_starts(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pack.toml").write_text('[pack]\nid = "x"\n', encoding="utf-8")
    for pack in (tmp_path / "nonexistent", broken):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "pronounce"), "--data-dir", str(tmp_path / "data"), "practice", str(pack)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
        )
        assert result.returncode == 2, result
        # One line and nothing else: the app (which draws on stderr) never started.
        assert result.stderr.startswith("pronounce: error: ") and result.stderr.count("\n") == 1, result.stderr


def test_after_each_restart_the_first_screen_shows_the_scores_and_due_marker(session: str, pack_dir: Path, data_dir: Path) -> None:
    from tests.ui.conftest import save_attempts

    save_attempts(data_dir, pack_dir)  # "hello": best 88, due again since March
    for run in range(3):  # before tui/terminal.py, 4 of 6 restarts here showed "new" and no marker
        window = f"restart{run}-{session}"  # a session of its own each time (the last one's server may still be ending)
        start(window, pack_dir, data_dir)
        screen = wait_for(window, "Buenos días")
        lines = [line.split("│")[1] for line in screen.splitlines()[2:] if line.count("│") >= 2]
        first_row = " ".join(lines[: next(i for i, line in enumerate(lines) if line.strip() == "hello")])  # up to its id
        assert "●" in first_row and "88" in first_row and "new" not in first_row, screen
        press(window, "q")
        wait_for(window, "EXITED 0")


def test_what_the_sound_libraries_print_goes_to_the_log_not_over_the_screen(session: str, pack_dir: Path, data_dir: Path) -> None:
    start(session, pack_dir, data_dir)
    wait_for(session, "Buenos días")
    pid = app_pid(session)
    deadline = time.monotonic() + 30
    while os.readlink(f"/proc/{pid}/fd/2") != str(data_dir / "pronounce.log"):  # /dev/null while PortAudio starts
        assert time.monotonic() < deadline, os.readlink(f"/proc/{pid}/fd/2")
        time.sleep(0.1)
    with open(f"/proc/{pid}/fd/2", "a") as stderr:  # where ALSA writes "underrun occurred"
        stderr.write("ALSA lib pcm.c:8740:(snd_pcm_recover) underrun occurred\n")
    press(session, "j")
    screen = wait_for(session, "Setecientos doce")
    assert "underrun" not in screen
    assert "underrun occurred" in (data_dir / "pronounce.log").read_text(encoding="utf-8")
    press(session, "q")
    assert "EXITED 0" in wait_for(session, "EXITED")

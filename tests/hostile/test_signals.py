"""One signal policy for every long command: SIGTERM and SIGHUP end it as Ctrl+C does.

Each command runs as ``python -m tui`` in a session of its own and gets the
signal once its temporary output exists: it must stop its workers, remove its
temporaries, keep the old output, print one line and exit 128 + n, with no
traceback from it or from its worker processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.harness import user_env
from tests.hostile.world import World

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]
WAIT_S = 60


@dataclass(frozen=True)
class Long:
    """A long command: its arguments, the folder it writes in, and how its temporaries are named."""

    args: list[str]
    folder: Path
    temporary: str
    kept: Path


def _started(folder: Path, prefix: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until a temporary named ``prefix…`` exists in ``folder`` (the command is under way)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if any(p.name.startswith(prefix) for p in folder.iterdir()):
            time.sleep(0.3)  # well inside the work, workers running
            return
        if process.poll() is not None:
            raise AssertionError(f"finished before it could be interrupted: {process.communicate()}")
        time.sleep(0.05)
    raise AssertionError(f"no {prefix}* appeared in {folder}")


@pytest.fixture(scope="module")
def long_commands(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Callable[[Path], Long]]:
    base = tmp_path_factory.mktemp("long")
    manifest = base / "many.csv"
    manifest.write_text("id,reference,attempt\n" + "".join(f"r{n},{world.paths['ref']},{world.paths['ref']}\n"
                                                            for n in range(20_000)), encoding="utf-8")
    big = base / "big-pack"
    big.mkdir()
    for path in Path(world.paths["pack"]).rglob("*"):
        if path.is_file():
            (big / path.relative_to(world.paths["pack"])).parent.mkdir(parents=True, exist_ok=True)
            (big / path.relative_to(world.paths["pack"])).write_bytes(path.read_bytes())
    (big / "extra").mkdir()
    for n in range(9000):
        (big / "extra" / f"{n}.txt").write_bytes(os.urandom(64))
    archive = base / "big.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(big.rglob("*")):
            if path.is_file():
                out.write(path, f"world-pack/{path.relative_to(big).as_posix()}")

    def batch(out: Path) -> Long:
        (out / "scores.jsonl").write_text('{"old": true}\n')
        return Long(["score", "--batch", str(manifest), "--out", str(out / "scores.jsonl"), "--jobs", "2"], out,
                    ".scores.jsonl.", out / "scores.jsonl")

    def export(out: Path) -> Long:
        (out / "x.zip").write_bytes(b"old zip")
        return Long(["pack", "export", str(big), str(out / "x.zip")], out, ".x.zip.", out / "x.zip")

    def import_zip(out: Path) -> Long:
        (out / "kept.txt").write_text("kept")
        return Long(["pack", "import", str(archive), "--to", str(out / "imported")], out, ".pronounce-import.",
                    out / "kept.txt")

    return {"score-batch": batch, "pack-export": export, "pack-import": import_zip}


def _run(world: World, long: Long) -> subprocess.Popen[bytes]:
    env = {**os.environ, **user_env(world.root / "home", Path(world.paths["data"]))}
    return subprocess.Popen([sys.executable, "-m", "tui", *long.args], cwd=long.folder, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _gone(group: int) -> bool:
    """Whether no process of the session ``group`` is left (its workers stopped with it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _check_stopped(process: subprocess.Popen[bytes], long: Long, signum: int, kept: bytes) -> None:
    out, err = process.communicate(timeout=WAIT_S)
    text = err.decode()
    assert process.returncode == 128 + signum, (process.returncode, text)
    assert text.splitlines() == [f"pronounce: error: stopped by {signal.Signals(signum).name} — what was finished is kept "
                                 "and nothing is left half-written; run the command again to do the rest"], text
    assert "Traceback" not in text + out.decode()
    assert _gone(process.pid), "a worker process outlived the command"
    assert [p.name for p in long.folder.iterdir() if p.name.startswith(long.temporary)] == []
    assert long.kept.read_bytes() == kept
    assert not (long.folder / "imported").exists()


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("command", ["score-batch", "pack-export", "pack-import"])
def test_a_stop_signal_removes_temporaries_and_keeps_the_old_output(world: World, long_commands: dict[str, Callable[[Path], Long]],
                                                                    tmp_path: Path, command: str, signum: int) -> None:
    long = long_commands[command](tmp_path)
    kept = long.kept.read_bytes()
    process = _run(world, long)
    try:
        _started(long.folder, long.temporary, process)
        process.send_signal(signum)
        _check_stopped(process, long, signum, kept)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_ctrl_c_reaches_the_batch_and_its_workers_and_only_the_batch_speaks(
        world: World, long_commands: dict[str, Callable[[Path], Long]], tmp_path: Path) -> None:
    """A terminal sends Ctrl+C's SIGINT to every process of the foreground group: the workers must stay quiet."""
    long = long_commands["score-batch"](tmp_path)
    kept = long.kept.read_bytes()
    process = _run(world, long)
    try:
        _started(long.folder, long.temporary, process)
        os.killpg(process.pid, signal.SIGINT)
        _check_stopped(process, long, signal.SIGINT, kept)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

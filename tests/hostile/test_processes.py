"""What a command's process does beyond its output: no sound server for commands that play nothing, no warnings.

espeak-ng 1.51 sets up an audio output whenever it starts, even to synthesize into
memory: every scoring command connected to the user's PulseAudio (or created its
runtime folders and tried to spawn it). Re-scoring printed numpy's "divide by
zero encountered in log". Both are checked in processes of their own: the
first is about what a process loads and creates, the second about what Python
prints once per process.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.harness import user_env
from tests.hostile.world import World
from tests.store.helpers import make_score
from tui.packs.loader import load_pack
from tui.store import AttemptStore

REPORTER = """
import atexit, json, os, sys
def report():
    maps = open("/proc/self/maps").read()
    with open(os.environ["REPORT_TO"], "w") as out:
        json.dump({"sounddevice": "sounddevice" in sys.modules, "portaudio": "libportaudio" in maps}, out)
atexit.register(report)
sys.argv = ["pronounce", *sys.argv[1:]]
from tui.cli import main
main()
"""
"""Runs ``pronounce`` and, at exit, says whether PortAudio was loaded."""


def _quiet_env(world: World, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE")}
    return {**env, **user_env(home, tmp_path / "data"), "REPORT_TO": str(tmp_path / "report.json")}


@pytest.mark.parametrize("command", ["score", "score-batch", "pack-add-tts", "pack-validate"])
def test_a_command_that_plays_nothing_loads_no_portaudio_and_reaches_no_sound_server(world: World, tmp_path: Path,
                                                                                     command: str) -> None:
    pack = shutil.copytree(world.paths["pack"], tmp_path / "pack")
    args = {
        "score": ["score", world.paths["ref"], world.paths["ref"]],
        "score-batch": ["score", "--batch", world.paths["manifest"], "--out", str(tmp_path / "o.jsonl")],
        "pack-add-tts": ["pack", "add", str(pack), "a brand new phrase"],
        "pack-validate": ["pack", "validate", str(pack)],
    }[command]
    env = _quiet_env(world, tmp_path)
    done = subprocess.run([sys.executable, "-c", REPORTER, *args], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads((tmp_path / "report.json").read_text()) == {"sounddevice": False, "portaudio": False}
    home = tmp_path / "home"
    assert list((home / "run").iterdir()) == [], "PulseAudio's runtime folder was made"
    assert not (home / ".config" / "pulse").exists() and not (home / "config" / "pulse").exists()


@pytest.fixture(scope="module")
def shared_audio_data(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A pack of four spoken phrases and takes that are exact copies of one phrase's reference, scored by an old scorer.

    Re-scoring such a take against its own phrase finds another phrase of its
    cohort at a cost of exactly 0, and numpy warned "divide by zero" for it.
    """
    base = tmp_path_factory.mktemp("shared")
    pack_dir = base / "pack"
    from click.testing import CliRunner

    from tui.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["pack", "new", str(pack_dir), "--lang", "en-US", "--title", "Shared"]).exit_code == 0
    for text in ("good morning", "thank you very much", "where is the station", "see you later"):
        assert runner.invoke(cli, ["pack", "add", str(pack_dir), text]).exit_code == 0
    pack = load_pack(pack_dir)
    data = base / "data"
    with AttemptStore(data) as store:
        for phrase in pack.phrases:
            for source in (phrase.audio, pack.phrases[0].audio):
                store.incoming_dir.mkdir(parents=True, exist_ok=True)
                take = store.incoming_dir / f"{phrase.id}-{source.stem}.flac"
                shutil.copy(source, take)
                store.save_attempt(recording_path=take, pack_id=pack.id, pack_version="1", phrase_id=phrase.id,
                                   text=phrase.text, recorder="mic", duration=1.0, score=make_score(50, version="old"),
                                   reference_audio=phrase.audio, words=phrase.words, lang="en-US")
    return pack_dir, data


def test_rescoring_prints_no_numpy_warning(world: World, shared_audio_data: tuple[Path, Path], tmp_path: Path) -> None:
    _, template = shared_audio_data
    data = Path(shutil.copytree(template, tmp_path / "data"))
    env = {**os.environ, **user_env(tmp_path / "home", data)}
    env.pop("PYTHONWARNINGS", None)
    done = subprocess.run([sys.executable, "-m", "tui", "review", "--rescore"], env=env, capture_output=True, timeout=300)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert err.splitlines()[-1] == "Re-scored 8 of 8 attempts.", err
    assert "Warning" not in err and "divide by zero" not in err, err
    conn = sqlite3.connect(data / "attempts.sqlite3")
    try:
        assert conn.execute("SELECT count(*) FROM attempts WHERE scorer_version != 'old'").fetchone()[0] == 8
    finally:
        conn.close()


def test_warnings_still_show_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -W default`` (or PYTHONWARNINGS) is the user asking for warnings: they are not hidden then."""
    import warnings

    from tui.cli.root import _library_warnings_hidden

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _library_warnings_hidden():
            warnings.warn("hidden", RuntimeWarning, stacklevel=1)
        monkeypatch.setattr(sys, "warnoptions", ["default"])
        with _library_warnings_hidden():
            warnings.warn("asked for", RuntimeWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["asked for"]

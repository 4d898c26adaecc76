"""No ALSA configuration at all: PortAudio 19.6 would abort; pronounce says "No microphone" instead."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import ON_CI

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], alsa_config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALSA_CONFIG_PATH": str(alsa_config)}
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


@pytest.fixture(params=["empty", "missing"])
def no_alsa_config(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An ALSA configuration that is an empty file, or no file at all."""
    config = tmp_path / "alsa.conf"
    if request.param == "empty":
        config.write_text("")
    return config


def test_without_the_check_portaudio_aborts_the_process(no_alsa_config: Path) -> None:
    """The upstream bug this guards against, so the tests below can tell the guard works."""
    result = _run([sys.executable, "-c", "import sounddevice"], no_alsa_config)
    assert result.returncode == -signal.SIGABRT


def test_devices_says_no_microphone_and_why(no_alsa_config: Path) -> None:
    result = _run([sys.executable, "-m", "tui", "devices"], no_alsa_config)
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("Inputs (recorders)\n  (none)")
    (line,) = result.stderr.splitlines()
    assert line.startswith("pronounce: error: No microphone found — ALSA has no configuration")
    assert str(no_alsa_config) in line and "libasound2-data" in line and "--input-file" in line

    listed = _run([sys.executable, "-m", "tui", "devices", "--json"], no_alsa_config)
    assert listed.returncode == 3
    assert json.loads(listed.stdout) == {"inputs": [], "outputs": []}


RECORD_FROM_FILE = textwrap.dedent(
    """
    import sys, time
    from tui.audio import recorder
    from tui.errors import NoMicrophoneError

    try:
        recorder.start("mic", directory=sys.argv[2])
    except NoMicrophoneError as exc:
        print("refused:", exc.message)
    recorder.start("file", directory=sys.argv[2], input_file=sys.argv[1])
    time.sleep(0.5)
    print(recorder.stop("file").path)
    """
)


def test_recording_from_a_file_still_works(no_alsa_config: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.wav"
    sf.write(source, np.full(8000, 0.25, dtype=np.float32), 16000)
    result = _run([sys.executable, "-c", RECORD_FROM_FILE, str(source), str(tmp_path / "out")], no_alsa_config)
    assert result.returncode == 0, result.stderr
    refused, path = result.stdout.splitlines()
    assert refused == "refused: No microphone found"
    assert sf.info(path).frames > 0


def test_a_system_without_alsa_files_says_no_microphone(tmp_path: Path) -> None:
    """/usr/share/alsa hidden by an empty tmpfs in a private mount namespace, as in a minimal container."""
    hide = "mount --make-rprivate / && mount -t tmpfs tmpfs /usr/share/alsa"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", hide], capture_output=True, text=True)
    if probe.returncode != 0:
        if ON_CI:
            pytest.fail(f"cannot hide /usr/share/alsa on CI: {probe.stderr.strip()}")
        pytest.skip(f"cannot hide /usr/share/alsa here (needs root): {probe.stderr.strip()}")
    env = {key: value for key, value in os.environ.items() if key != "ALSA_CONFIG_PATH"}
    script = f'{hide} && {sys.executable} -c "import sounddevice"; echo "$?"; {sys.executable} -m tui devices'
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    aborted, *_ = result.stdout.splitlines()
    assert aborted == str(128 + signal.SIGABRT), "without the check PortAudio aborts"
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1].startswith(
        "pronounce: error: No microphone found — ALSA has no configuration (/usr/share/alsa/alsa.conf is missing"
    )

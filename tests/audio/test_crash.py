"""Recordings survive the process: SIGKILL leaves a journal that recovery turns into a FLAC; SIGTERM finalises."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio.conftest import Events
from tui.audio import journal, recorder
from tui.audio.files import load_audio
from tui.audio.soundserver import SoundServer

RATE = 48000
CHILD = textwrap.dedent(
    """
    import sys, threading
    from tui.audio import journal, recorder

    recorder.install_signal_handlers()
    seen = 0
    def listener(event):
        global seen
        seen += event.data_len
        print(seen, flush=True)
    recorder.subscribe(listener)
    recorder.start("child", samplerate=48000, directory=sys.argv[1])
    threading.Event().wait()
    """
)


def _record_in_child(directory: Path, seconds: float) -> tuple[subprocess.Popen[str], int]:
    """Start a child that records to ``directory``; return it once it reports ``seconds`` of audio."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 20
    seen = 0
    while seen < seconds * RATE:
        line = child.stdout.readline()
        assert line and time.monotonic() < deadline, f"child stopped reporting (exit {child.poll()})"
        seen = int(line)
    return child, seen


def test_sigkill_leaves_a_journal_that_recovery_makes_readable(sound_server: SoundServer, tmp_path: Path) -> None:
    child, seen = _record_in_child(tmp_path, 1.5)
    child.kill()
    child.wait()
    assert not list(tmp_path.glob("*.flac"))
    assert len(list(tmp_path.glob("*.journal"))) == 1

    recovered = recorder.recover(tmp_path)

    assert len(recovered) == 1 and recovered[0].name.endswith("-child.flac")
    assert sorted(tmp_path.iterdir()) == recovered, "journal and unfinished FLAC are cleaned up"
    samples, rate = load_audio(recovered[0])
    assert rate == RATE
    assert samples.size >= seen - RATE // 2, "at most the last half second may be lost"
    assert recorder.recover(tmp_path) == []


def test_the_journal_is_flushed_to_the_disk_every_half_second_of_audio(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    """What the README promises for a power loss: at most the last half second is not on the disk."""
    recorder.start("synced", samplerate=RATE, directory=tmp_path)
    events.wait_for(lambda: sum(chunk.data_len for chunk in events.chunks("synced")) >= 3 * RATE)
    recording = recorder.stop("synced")
    longest_gap = journal.SYNC_SECONDS + recorder.BLOCKSIZE / RATE
    assert recording.duration >= 3.0
    assert recording.duration / longest_gap - 1 <= recording.journal_syncs <= recording.duration / journal.SYNC_SECONDS


def test_sigterm_finalises_the_file(sound_server: SoundServer, tmp_path: Path) -> None:
    child, seen = _record_in_child(tmp_path, 0.5)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == -signal.SIGTERM
    files = list(tmp_path.iterdir())
    assert [path.suffix for path in files] == [".flac"]
    assert sf.info(str(files[0])).frames >= seen


def test_recovery_leaves_running_recorders_alone(sound_server: SoundServer, events: Events, tmp_path: Path) -> None:
    recorder.start("live", samplerate=RATE, directory=tmp_path)
    events.wait_for_audio("live")
    assert recorder.recover(tmp_path) == []
    assert len(list(tmp_path.glob("*.journal"))) == 1
    recording = recorder.stop("live")
    assert [p.name for p in tmp_path.iterdir()] == [recording.path.name]


@pytest.mark.parametrize("content", [b"", b"PRONJNL1garbage!", b"XXXXXXXX" + bytes(8) + bytes(100)])
def test_journals_without_audio_are_removed_without_a_file(content: bytes, tmp_path: Path) -> None:
    (tmp_path / "20260101T000000.000Z-x.journal").write_bytes(content)
    assert recorder.recover(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_recover_of_a_missing_folder_finds_nothing(tmp_path: Path) -> None:
    assert recorder.recover(tmp_path / "absent") == []


WRITE_FAILURE_CHILD = textwrap.dedent(
    """
    import json, resource, signal, sys, threading
    from tui.audio import journal, recorder
    from tui.audio.files import load_audio

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))
    failed = threading.Event()
    errors = []
    def listener(event):
        if isinstance(event, recorder.RecorderFailed):
            errors.append(str(event.error))
            failed.set()
    recorder.subscribe(listener)
    recorder.start("full", samplerate=48000, directory=sys.argv[1])
    assert failed.wait(20), "no failure event"
    recording = recorder.stop("full")
    print(json.dumps({"error": errors[0], "failed": recording.failed, "duration": recording.duration,
                      "readable": load_audio(recording.path)[0].size / 48000}))
    """
)


def test_a_write_failure_keeps_what_was_written_and_tells_listeners(sound_server: SoundServer, tmp_path: Path) -> None:
    """A file-size limit makes the disk refuse writes, as a full disk would."""
    result = subprocess.run(
        [sys.executable, "-c", WRITE_FAILURE_CHILD, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert "cannot write to" in outcome["error"] and "File too large" in outcome["error"]
    assert outcome["failed"] and outcome["duration"] > 1.0
    assert outcome["readable"] == pytest.approx(outcome["duration"], abs=0.05)
    assert [path.suffix for path in tmp_path.iterdir()] == [".flac"]


def _journal_with_a_tone(folder: Path) -> np.ndarray:
    tone = (10000 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.int16)
    written = journal.Journal(folder / "20260101T000000.000Z-x.journal", 16000)
    written.append(tone)
    written.close(delete=False)
    return tone


def test_recovery_rebuilds_a_damaged_flac_from_its_journal(tmp_path: Path) -> None:
    """A FLAC cut by a full disk (its header claims 2^63 frames) must not make recovery drop the journal."""
    tone = _journal_with_a_tone(tmp_path)
    damaged = tmp_path / "20260101T000000.000Z-x.flac"
    with sf.SoundFile(damaged, "w", samplerate=16000, channels=1, format="FLAC", subtype="PCM_16") as flac:
        flac.write(tone)
    damaged.write_bytes(damaged.read_bytes()[:-3000])
    assert not journal.flac_holds(damaged, tone.size)

    assert recorder.recover(tmp_path) == [damaged]
    assert list(tmp_path.iterdir()) == [damaged]
    assert np.array_equal(sf.read(damaged, dtype="int16")[0], tone)


def test_recovery_keeps_a_whole_flac_and_removes_its_journal(tmp_path: Path) -> None:
    tone = _journal_with_a_tone(tmp_path)
    whole = tmp_path / "20260101T000000.000Z-x.flac"
    sf.write(whole, tone, 16000, format="FLAC", subtype="PCM_16")
    content = whole.read_bytes()

    assert recorder.recover(tmp_path) == []
    assert list(tmp_path.iterdir()) == [whole] and whole.read_bytes() == content

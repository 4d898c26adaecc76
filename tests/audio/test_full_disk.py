"""A real full disk (a small tmpfs) before and during a recording: a clear error, and no take is lost."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd
import soundfile as sf

from tests.audio.conftest import Events, dominant_hz, write_tone
from tests.conftest import fill_disk
from tui.audio import journal, recorder
from tui.audio.files import load_audio
from tui.audio.soundserver import SoundServer
from tui.errors import AudioError

RATE = 48000


def _record_until_the_disk_fills(small_disk: Path, events: Events) -> tuple[Path, int]:
    """Record a played tone, then fill the disk; return the recording folder and the frames heard before."""
    folder = small_disk / "incoming"
    recorder.start("full", samplerate=RATE, directory=folder)
    events.wait_for_audio("full")
    sd.play(write_tone(small_disk / "tone.wav", 0.6), RATE, blocking=True)
    (small_disk / "tone.wav").unlink()
    heard = sum(chunk.data_len for chunk in events.chunks("full"))
    (running,) = folder.glob("*.journal")
    events.wait_for(lambda: journal.journal_frames(running)[1] >= heard)
    fill_disk(small_disk / "filler")
    events.wait_for(lambda: any(isinstance(e, recorder.RecorderFailed) for e in events.of("full")))
    failure = next(e for e in events.of("full") if isinstance(e, recorder.RecorderFailed))
    assert str(failure.error).startswith(f"recorder 'full' stopped writing: the disk holding {folder} is full — free")
    assert [p.suffix for p in folder.iterdir()] == [".journal"], "the unfinished FLAC is dropped at once"
    return folder, heard


@pytest.mark.parametrize("stopper", ["stop", "stop_all"])
def test_a_disk_that_stays_full_keeps_the_journal_and_recovery_reads_it(
    stopper: str, sound_server: SoundServer, events: Events, small_disk: Path
) -> None:
    folder, heard = _record_until_the_disk_fills(small_disk, events)
    fill_disk(small_disk / "filler-2")  # the space the dropped FLAC freed
    (kept,) = folder.glob("*.journal")
    _, frames = journal.journal_frames(kept)
    assert frames >= heard

    if stopper == "stop":
        with pytest.raises(AudioError) as caught:
            recorder.stop("full")
        error = caught.value
    else:
        errors: list[AudioError] = []
        assert recorder.stop_all(errors=errors) == []
        (error,) = errors
    assert error.message == f"recorder 'full' could not finish its file: the disk holding {folder} is full"
    assert f"is kept at {kept} and recovered the next time pronounce starts" in error.hint
    assert recorder.active() == []
    assert list(folder.iterdir()) == [kept]
    with pytest.raises(AudioError, match=rf"could not recover 1 interrupted recording\(s\): the disk holding {folder} is full"):
        recorder.recover(folder)
    assert list(folder.iterdir()) == [kept]

    (small_disk / "filler").unlink()
    (small_disk / "filler-2").unlink()
    (recovered,) = recorder.recover(folder)
    assert list(folder.iterdir()) == [recovered]
    samples, rate = load_audio(recovered)
    assert rate == RATE and samples.size == frames
    assert dominant_hz(samples, RATE) == pytest.approx(440, abs=5)


def test_space_freed_before_stop_gives_the_take_at_once(
    sound_server: SoundServer, events: Events, small_disk: Path
) -> None:
    folder, heard = _record_until_the_disk_fills(small_disk, events)
    (small_disk / "filler").unlink()
    recording = recorder.stop("full")
    assert recording.failed and recording.error is not None and "is full" in recording.error.message
    assert list(folder.iterdir()) == [recording.path]
    assert sf.info(str(recording.path)).frames == round(recording.duration * RATE) >= heard
    assert dominant_hz(recording.samples, RATE) == pytest.approx(440, abs=5)


def test_starting_on_a_full_disk_is_a_clear_error_and_leaves_nothing(
    sound_server: SoundServer, events: Events, small_disk: Path
) -> None:
    folder = small_disk / "incoming"
    folder.mkdir()
    fill_disk(small_disk / "filler")
    with pytest.raises(AudioError, match=rf"^cannot start recording: the disk holding {folder} is full") as caught:
        recorder.start("late", samplerate=RATE, directory=folder)
    assert caught.value.hint == "free some space, or choose another data folder with --data-dir"
    assert recorder.active() == []
    assert list(folder.iterdir()) == []
    (small_disk / "filler").unlink()
    recorder.start("late", samplerate=RATE, directory=folder)
    events.wait_for_audio("late")
    time.sleep(0.2)
    assert np.all(np.isfinite(recorder.stop("late").samples))

"""Named recorders against the private sound server: what is played comes back in the file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd
import soundfile as sf
import soxr

from tests.audio.conftest import Events, segment_correlation, write_tone
from tui.audio import recorder
from tui.audio.devices import rescan
from tui.audio.pcm import on_int16_grid
from tui.audio.registry import Recorders
from tui.audio.soundserver import SoundServer, start_sound_server
from tui.errors import AudioFormatError, NoMicrophoneError, RecorderError

RATE = 48000


def test_phrase_played_during_named_recording_correlates_with_source(
    sound_server: SoundServer, events: Events, phrase: tuple[np.ndarray, int], tmp_path: Path
) -> None:
    samples, rate = phrase
    handle = recorder.start("phrase", samplerate=RATE, directory=tmp_path)
    assert (handle.name, handle.channel, handle.samplerate) == ("phrase", 0, RATE)
    assert handle.path.parent == tmp_path and handle.path.name.endswith("-phrase.flac") and not handle.path.exists()
    assert recorder.active() == ["phrase"]
    events.wait_for_audio("phrase")
    sd.play(samples, rate, blocking=True)
    time.sleep(0.3)
    recording = recorder.stop("phrase")

    assert recorder.active() == []
    assert recording.path == handle.path, "the handle names the file the recording ends up in"
    assert sorted(p.name for p in tmp_path.iterdir()) == [recording.path.name]
    assert sf.info(str(recording.path)).format == "FLAC"
    assert recording.samplerate == RATE and recording.overflows == 0
    assert recording.duration == pytest.approx(recording.samples.size / RATE)
    assert recording.duration > samples.size / rate
    assert recording.bytes[:4] == b"fLaC"
    source = soxr.resample(samples, rate, RATE)
    assert segment_correlation(source, recording.samples, RATE) > 0.9

    chunks = events.chunks("phrase")
    streamed = np.concatenate([chunk.samples for chunk in chunks])
    assert streamed.size == recording.samples.size
    assert np.array_equal(on_int16_grid(streamed), recording.samples), "the file holds the blocks on the one int16 grid"
    assert all(chunk.channel == 0 and chunk.data_len == chunk.samples.size for chunk in chunks)
    loudest = max(chunks, key=lambda chunk: chunk.rms_dbfs)
    assert -40 < loudest.rms_dbfs <= loudest.peak_dbfs <= 0 and not loudest.clipped


def test_two_named_recorders_at_once_keep_their_names_apart(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    first = recorder.start("left", samplerate=RATE, directory=tmp_path)
    second = recorder.start(samplerate=RATE, directory=tmp_path)
    assert (first.channel, second.channel) == (0, 1)
    assert second.name != "left" and "-" in second.name
    assert recorder.active() == ["left", second.name]
    events.wait_for_audio("left")
    events.wait_for_audio(second.name)
    tone = write_tone(tmp_path / "tone.wav", 0.8)
    sd.play(tone, RATE, blocking=True)
    time.sleep(0.2)
    later = recorder.stop(second.name)
    earlier = recorder.stop("left")

    assert (earlier.name, later.name) == ("left", second.name)
    assert (earlier.path, later.path) == (first.path, second.path) and earlier.path != later.path
    assert earlier.path.exists() and later.path.exists()
    for recording in (earlier, later):  # by four pieces: an underrun on a loaded machine spoils one at most
        assert segment_correlation(tone, recording.samples, RATE, segment_s=0.2) > 0.9
    assert {event.channel for event in events.of("left")} == {0}
    assert {event.channel for event in events.of(second.name)} == {1}


def test_a_name_in_use_or_unknown_is_a_recorder_error(sound_server: SoundServer, events: Events, tmp_path: Path) -> None:
    recorder.start("twice", samplerate=RATE, directory=tmp_path)
    with pytest.raises(RecorderError, match="'twice' is already recording"):
        recorder.start("twice", samplerate=RATE, directory=tmp_path)
    recorder.stop("twice")
    with pytest.raises(RecorderError, match="no recorder named 'twice'"):
        recorder.stop("twice")


def test_no_input_device_fails_with_no_microphone(no_devices: None, tmp_path: Path) -> None:
    with pytest.raises(NoMicrophoneError, match="No microphone found") as caught:
        recorder.start("mute", directory=tmp_path)
    assert "PULSE_SERVER" in caught.value.hint and caught.value.exit_code == 3
    assert recorder.active() == []
    assert list(tmp_path.iterdir()) == []


def test_input_file_is_fed_in_real_time_through_the_same_machinery(
    no_devices: None, events: Events, tmp_path: Path
) -> None:
    tone = write_tone(tmp_path / "in.wav", 0.5, rate=16000)
    handle = recorder.start("file", directory=tmp_path / "out", input_file=tmp_path / "in.wav")
    began = time.monotonic()
    events.wait_for(lambda: sum(c.data_len for c in events.chunks("file")) >= tone.size)
    assert time.monotonic() - began > 0.4, "the file must play in real time, not all at once"
    recording = recorder.stop(handle.name)
    assert recording.samplerate == 16000
    assert np.allclose(recording.samples[: tone.size], tone, atol=1e-3)
    assert np.all(recording.samples[tone.size :] == 0)


def test_a_data_folder_whose_name_is_not_utf8_records_and_reads_back(
    no_devices: None, events: Events, tmp_path: Path
) -> None:
    tone = write_tone(tmp_path / "in.wav", 0.3, rate=16000)
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))  # Latin-1 'café': not valid UTF-8
    handle = recorder.start("latin", directory=folder, input_file=tmp_path / "in.wav")
    events.wait_for(lambda: sum(c.data_len for c in events.chunks("latin")) >= tone.size)
    recording = recorder.stop(handle.name)
    assert recording.path.parent == folder and np.allclose(recording.samples[: tone.size], tone, atol=1e-3)


@pytest.mark.parametrize(("content", "says"), [(b"", " is empty \\(0 bytes\\)"), (b"not audio at all", ": it is not audio")])
def test_unreadable_input_file_is_an_audio_format_error(content: bytes, says: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    with pytest.raises(AudioFormatError, match=f"input file .*bad.wav{says}"):
        recorder.start("bad", directory=tmp_path / "out", input_file=bad)
    with pytest.raises(AudioFormatError, match="input file .*missing.wav not found"):
        recorder.start("missing", directory=tmp_path / "out", input_file=tmp_path / "missing.wav")
    assert recorder.active() == []


def test_device_failure_keeps_the_recording_and_tells_listeners(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    doomed = start_sound_server()
    doomed.activate()
    rescan()
    try:
        recorder.start("doomed", samplerate=RATE, directory=tmp_path)
        events.wait_for_audio("doomed")
        time.sleep(0.5)
        doomed.process.kill()
        events.wait_for(lambda: any(isinstance(e, recorder.RecorderFailed) for e in events.of("doomed")))
        failure = next(e for e in events.of("doomed") if isinstance(e, recorder.RecorderFailed))
        assert failure.channel == 0 and "input device" in str(failure.error)
        assert recorder.active() == ["doomed"]
        recording = recorder.stop("doomed")
    finally:
        doomed.stop()
        rescan()
    assert recording.failed
    assert recording.duration > 0.5
    assert recording.samples.size == pytest.approx(recording.duration * RATE)
    assert [p.suffix for p in tmp_path.iterdir()] == [".flac"]


def test_a_failing_listener_does_not_stop_the_others(sound_server: SoundServer, events: Events, tmp_path: Path) -> None:
    def broken(event: recorder.Event) -> None:
        raise ValueError("listener bug")

    unsubscribe = recorder.subscribe(broken)
    try:
        recorder.start("sturdy", samplerate=RATE, directory=tmp_path)
        events.wait_for_audio("sturdy")
    finally:
        unsubscribe()
    assert recorder.stop("sturdy").duration > 0


def test_a_registry_of_its_own_keeps_its_recorders_and_listeners_apart(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    own, seen = Recorders(), Events()
    own.subscribe(seen)
    handle = own.start("own", None, RATE, directory=tmp_path, input_file=None)
    try:
        seen.wait_for_audio("own")
        assert (handle.name, handle.channel, handle.samplerate) == ("own", 0, RATE)
        assert own.active() == ["own"] and recorder.active() == []
        assert events.of("own") == []
    finally:
        recording = own.stop("own")
    assert own.active() == [] and recording.path.exists() and recording.duration > 0

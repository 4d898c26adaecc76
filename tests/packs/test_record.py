"""Recording a pack reference with a named recorder: from the real sound server and from a file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd
import soundfile as sf

from tui.audio import recorder
from tui.audio.soundserver import SoundServer
from tui.errors import PackError
from tui.packs.record import RECORDER_NAME, record_reference
from tui.speech.tts import synthesize


def test_records_what_the_sound_card_hears_until_wait_returns(sound_server: SoundServer) -> None:
    speech = synthesize("Good morning, how are you?")

    def speak() -> None:
        assert RECORDER_NAME in recorder.active()
        sd.play(speech.samples, speech.samplerate, blocking=True)
        sd.sleep(300)

    samples, rate = record_reference(speak)
    assert RECORDER_NAME not in recorder.active()
    assert len(samples) / rate >= speech.duration
    loud = np.abs(samples) > 0.05
    heard = (np.flatnonzero(loud)[-1] - np.flatnonzero(loud)[0]) / rate
    assert abs(heard - speech.duration) < 0.5


def test_records_an_input_file_in_real_time(tmp_path: Path) -> None:
    speech = synthesize("See you tomorrow")
    sf.write(tmp_path / "ref.wav", speech.samples, speech.samplerate)
    samples, rate = record_reference(lambda: time.sleep(speech.duration + 0.3), input_file=tmp_path / "ref.wav")
    assert rate == speech.samplerate
    assert np.max(np.abs(samples)) == pytest.approx(np.max(np.abs(speech.samples)), rel=0.05)


def test_a_silent_recording_is_refused(tmp_path: Path) -> None:
    sf.write(tmp_path / "quiet.wav", np.zeros(8000, np.float32), 16000)
    with pytest.raises(PackError, match="empty or silent"):
        record_reference(lambda: time.sleep(0.3), input_file=tmp_path / "quiet.wav")
    assert RECORDER_NAME not in recorder.active()

"""derive_word_timings: espeak-ng's word events mapped onto another rendering."""

from __future__ import annotations

import numpy as np
import pytest

from tui.errors import AudioFormatError
from tui.scoring.words import derive_word_timings
from tui.speech.tts import synthesize

PAD_S = 0.4


@pytest.mark.parametrize(
    ("text", "voice", "rate"),
    [
        ("the quick brown fox jumps over the lazy dog", "en-gb", 200),
        ("she sells sea shells by the sea shore", "en-us+f3", 130),
        ("good morning, how are you today", None, 110),
    ],
)
def test_boundaries_land_within_80_ms_of_the_truth(text: str, voice: str | None, rate: int) -> None:
    truth = synthesize(text, lang="en-us", voice=voice, rate=rate)
    pad = np.zeros(int(PAD_S * truth.samplerate), dtype=np.float32)
    recording = np.concatenate([pad, truth.samples, pad])
    derived = derive_word_timings(recording, truth.samplerate, text, lang="en-us")
    assert [w.text for w in derived] == [w.text for w in truth.words]
    errors = np.array(
        [[d.start - t.start - PAD_S, d.end - t.end - PAD_S] for d, t in zip(derived, truth.words)]
    )
    assert np.median(np.abs(errors)) <= 0.04
    assert np.mean(np.abs(errors) <= 0.08) >= 0.9
    assert all(d.start < d.end for d in derived)


def test_silent_recording_is_an_error() -> None:
    with pytest.raises(AudioFormatError, match="reference is silent"):
        derive_word_timings(np.zeros(16000, dtype=np.float32), 16000, "hello there")

"""Whisper encodes a take in the shortest window that holds it (a 3 s take costs a third of a 30 s window's work)."""

from __future__ import annotations

import numpy as np

from tui.scoring import level, models, whisper
from tui.speech.tts import Synthesis


def test_the_window_is_the_shortest_that_holds_the_take_and_half_a_second_more() -> None:
    seconds = (0.5, 9.4, 9.6, 19.5, 25.0, 90.0)
    assert [whisper.window_frames(int(s * 16000)) for s in seconds] == [1000, 1000, 2000, 2000, 3000, 3000]
    assert whisper.log_mel(np.zeros(16000, np.float32), 1000).shape == (whisper.N_MELS, 1000)


def test_the_phrase_is_found_in_a_short_window_and_not_in_another_take(reference_speech: Synthesis) -> None:
    import soxr

    model = models.whisper()
    y = level.normalised(soxr.resample(reference_speech.samples, reference_speech.samplerate, 16000).astype(np.float32))
    words = [w.text for w in reference_speech.words]
    assert whisper.window_frames(y.size) == 1000
    heard = whisper.listen(model, y, words)
    other = whisper.listen(model, y, ["zebras", "quietly", "juggle", "purple", "violins"])
    said = np.mean([w.logprob for w in heard.words if w is not None])
    unsaid = np.mean([w.logprob for w in other.words if w is not None])
    assert said > -2.0 and said > unsaid + 5
    assert "quick brown fox" in heard.heard.lower()

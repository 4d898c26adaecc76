"""Bad input gets specific errors that say what happened."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from tui.errors import AudioFormatError
from tui.scoring import LiveScorer, PreparedReference, compare, prepare_reference
from tui.speech.tts import Synthesis


def test_nan_samples_are_rejected(reference: PreparedReference) -> None:
    y = np.full(16000, 0.1, dtype=np.float32)
    y[100] = np.nan
    with pytest.raises(AudioFormatError, match="NaN or infinite"):
        compare(reference, (y, 16000))


def test_infinite_samples_are_rejected(reference: PreparedReference) -> None:
    y = np.zeros(16000, dtype=np.float32)
    y[5] = np.inf
    with pytest.raises(AudioFormatError, match="NaN or infinite"):
        compare(reference, (y, 16000))


def test_empty_array_is_rejected(reference: PreparedReference) -> None:
    with pytest.raises(AudioFormatError, match="attempt is empty"):
        compare(reference, (np.zeros(0, dtype=np.float32), 16000))


def test_empty_file_is_rejected(reference: PreparedReference, tmp_path) -> None:
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioFormatError, match="empty"):
        compare(reference, str(path))


def test_unreadable_file_is_rejected(reference: PreparedReference, tmp_path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("not audio")
    with pytest.raises(AudioFormatError, match="cannot read audio file"):
        compare(reference, str(path))


def test_transposed_channels_are_rejected(reference: PreparedReference) -> None:
    with pytest.raises(AudioFormatError, match="16000 channels"):
        compare(reference, (np.zeros((2, 16000), dtype=np.float32), 16000))


def test_three_dimensional_samples_are_rejected(reference: PreparedReference) -> None:
    with pytest.raises(AudioFormatError, match="3 dimensions"):
        compare(reference, (np.zeros((10, 2, 2), dtype=np.float32), 16000))


def test_bad_samplerate_is_rejected(reference: PreparedReference) -> None:
    with pytest.raises(AudioFormatError, match="sample rate"):
        compare(reference, (np.zeros(100, dtype=np.float32), 0))


def test_stereo_attempt_is_downmixed(reference: PreparedReference, reference_speech: Synthesis) -> None:
    y = reference_speech.samples
    result = compare(reference, (np.stack([y, y], axis=1), reference_speech.samplerate))
    assert result.overall >= 97


def test_speech_under_a_fifth_of_a_second_is_an_error(reference: PreparedReference) -> None:
    t = np.arange(int(0.1 * 16000)) / 16000
    blip = np.concatenate([np.zeros(8000), 0.3 * np.sin(2 * np.pi * 220 * t), np.zeros(8000)]).astype(np.float32)
    with pytest.raises(AudioFormatError, match="only 0.1. s of speech"):
        compare(reference, (blip, 16000))


def test_silent_reference_is_an_error() -> None:
    with pytest.raises(AudioFormatError, match="reference is silent"):
        prepare_reference((np.zeros(16000, dtype=np.float32), 16000))


def test_an_attempt_over_two_minutes_is_refused_before_any_work(reference: PreparedReference) -> None:
    with pytest.raises(AudioFormatError, match="attempt lasts 121 s, more than the 120 s limit"):
        compare(reference, (np.zeros(121 * 8000, dtype=np.float32), 8000))


def test_an_attempt_file_over_two_minutes_is_refused_from_its_header(reference: PreparedReference, tmp_path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(125 * 8000, dtype=np.int16), 8000)
    with pytest.raises(AudioFormatError, match="more than the 120 s limit"):
        compare(reference, path)


def test_a_reference_over_30_seconds_is_refused() -> None:
    with pytest.raises(AudioFormatError, match="reference lasts 31 s, more than the 30 s limit"):
        prepare_reference((np.zeros(31 * 8000, dtype=np.float32), 8000))


def test_absurdly_large_samples_are_rejected(reference: PreparedReference) -> None:
    y = np.full(16000, 0.1, dtype=np.float32)
    y[10] = 3e7
    with pytest.raises(AudioFormatError, match="absurdly large samples"):
        compare(reference, (y, 16000))


def test_bad_live_blocks_fail_at_finish_not_on_the_recorder_thread(reference: PreparedReference) -> None:
    scorer = LiveScorer(reference)
    scorer.feed(np.full(1600, 0.1, dtype=np.float32), 16000)
    scorer.feed(np.array([np.nan] * 10, dtype=np.float32), 16000)  # no exception here
    with pytest.raises(AudioFormatError, match="NaN or infinite"):
        scorer.finish()


def test_a_live_take_that_changes_rate_or_runs_too_long_is_refused(reference: PreparedReference) -> None:
    scorer = LiveScorer(reference)
    scorer.feed(np.zeros(1600, dtype=np.float32), 16000)
    scorer.feed(np.zeros(1600, dtype=np.float32), 48000)
    with pytest.raises(AudioFormatError, match="changed sample rate"):
        scorer.finish()
    long = LiveScorer(reference)
    for _ in range(121):
        long.feed(np.zeros(8000, dtype=np.float32), 8000)
    with pytest.raises(AudioFormatError, match="more than the 120 s limit"):
        long.finish()


def test_an_empty_live_take_is_an_error_and_a_take_scores_once(reference: PreparedReference, reference_speech: Synthesis) -> None:
    with pytest.raises(AudioFormatError, match="attempt is empty"):
        LiveScorer(reference).finish()
    scorer = LiveScorer(reference)
    scorer.feed(reference_speech.samples, reference_speech.samplerate)
    assert scorer.finish().overall >= 90
    with pytest.raises(AudioFormatError, match="already scored"):
        scorer.finish()


@pytest.mark.parametrize("text", ["", "!!! ???", "12 45"])
def test_text_without_alignable_words_falls_back_to_template_matching(reference_speech: Synthesis, text: str) -> None:
    prepared = prepare_reference((reference_speech.samples, reference_speech.samplerate), text=text or None, lang="en-us")
    score = compare(prepared, (reference_speech.samples, reference_speech.samplerate))
    assert prepared.english is None
    assert score.evidence.startswith("template match")
    assert all(np.isfinite([score.overall, score.accuracy, score.fluency, score.intonation, score.completeness]))


def test_scores_are_finite_and_valid_json_for_odd_takes(english: PreparedReference) -> None:
    rng = np.random.default_rng(1)
    takes = [
        rng.standard_normal(16000 * 2).astype(np.float32) * 0.3,  # noise only
        np.concatenate([np.zeros(16000), np.sin(np.arange(8000) * 0.2).astype(np.float32) * 0.5]),  # a tone
        np.full(16000 * 2, 0.9, dtype=np.float32),  # DC offset
    ]
    for take in takes:
        score = compare(english, (take, 16000))
        data = json.loads(score.to_json(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
        assert all(np.isfinite(v) for v in (data["overall"], data["accuracy"], data["fluency"], data["intonation"]))
        assert all(np.isfinite(w["score"]) for w in data["words"])

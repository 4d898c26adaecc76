"""Bad input gets specific errors that say what happened."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tui.errors import AudioFormatError
from tui.scoring import PreparedReference, compare, prepare_reference
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

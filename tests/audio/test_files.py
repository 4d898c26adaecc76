"""read_audio / load_audio: float32 at the asked rate, clear errors for files that cannot be used."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tui.audio.files import load_audio, read_audio
from tui.errors import AudioFormatError


def test_stereo_file_is_mixed_to_mono_and_resampled(tmp_path: Path) -> None:
    stereo = np.stack([np.full(44100, 0.2), np.full(44100, 0.4)], axis=1)
    sf.write(tmp_path / "s.flac", stereo, 44100)
    samples, rate = load_audio(tmp_path / "s.flac", samplerate=16000)
    assert rate == 16000 and samples.dtype == np.float32
    assert samples.size == pytest.approx(16000, abs=2)
    assert np.median(samples) == pytest.approx(0.3, abs=1e-3)
    kept, _ = load_audio(tmp_path / "s.flac", mono=False)
    assert kept.shape == (44100, 2)


def test_missing_or_garbage_file_is_an_audio_format_error(tmp_path: Path) -> None:
    with pytest.raises(AudioFormatError, match="audio file .*absent.wav not found"):
        load_audio(tmp_path / "absent.wav")
    (tmp_path / "junk.wav").write_text("RIFF? no")
    with pytest.raises(AudioFormatError, match="cannot read audio file .*junk.wav: it is not audio"):
        load_audio(tmp_path / "junk.wav")


def test_empty_file_is_an_audio_format_error(tmp_path: Path) -> None:
    sf.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioFormatError, match="is empty"):
        load_audio(tmp_path / "empty.wav")


def test_nan_samples_are_an_audio_format_error(tmp_path: Path) -> None:
    sf.write(tmp_path / "nan.wav", np.array([0.1, np.nan, 0.2], np.float32), 16000, subtype="FLOAT")
    with pytest.raises(AudioFormatError, match="NaN or infinite"):
        load_audio(tmp_path / "nan.wav")


def test_huge_float_samples_are_an_audio_format_error(tmp_path: Path) -> None:
    sf.write(tmp_path / "huge.wav", np.array([0.1, 1e30, 0.2], np.float32), 16000, subtype="FLOAT")
    with pytest.raises(AudioFormatError, match="absurdly large samples"):
        load_audio(tmp_path / "huge.wav")


def test_a_file_over_the_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    sf.write(tmp_path / "long.flac", np.zeros(16000 * 5, np.float32), 16000)
    with pytest.raises(AudioFormatError, match="lasts 5 s, more than the 2 s limit"):
        load_audio(tmp_path / "long.flac", max_seconds=2.0)
    assert load_audio(tmp_path / "long.flac", max_seconds=6.0)[0].size == 16000 * 5


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_only_regular_files_are_opened(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "take.wav"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)  # opening it for reading would block forever
    with pytest.raises(AudioFormatError, match="is a folder, not a file" if kind == "folder" else "is a named pipe"):
        read_audio(target)

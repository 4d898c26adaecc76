"""Frame analysis and alignment on signals whose answer is known."""

from __future__ import annotations

import numpy as np

from tui.scoring.align import cost_matrix, dtw
from tui.scoring.comparison import pitch_track
from tui.scoring.features import FRAME_S, analyse, yin


def _tone(freq: float, seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_yin_finds_the_pitch_of_a_tone() -> None:
    f0, aperiodicity = yin(_tone(200.0, 0.5))
    middle = slice(5, -5)
    assert np.allclose(f0[middle], 200.0, rtol=0.01)
    assert np.all(aperiodicity[middle] < 0.1)


def test_pitch_track_is_nan_in_silence() -> None:
    y = np.concatenate([np.zeros(8000, dtype=np.float32), _tone(150.0, 0.5)])
    times, f0 = pitch_track(y, 16000)
    assert times.shape == f0.shape
    assert np.all(np.isnan(f0[times < 0.4]))
    assert abs(np.nanmedian(f0[times > 0.6]) - 150.0) < 2.0


def test_analysis_trims_leading_and_trailing_silence() -> None:
    y = np.concatenate([np.zeros(16000), _tone(180.0, 0.6), np.zeros(8000)]).astype(np.float32)
    analysis = analyse(y)
    assert analysis is not None
    assert abs(analysis.offset - 1.0) <= 0.05
    assert abs(analysis.speech_seconds - 0.6) <= 0.05
    assert analysis.n_frames * FRAME_S < 0.8


def test_dtw_of_a_sequence_with_itself_is_the_diagonal() -> None:
    x = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    path = dtw(cost_matrix(x, x))
    assert np.array_equal(path, np.stack([np.arange(50), np.arange(50)], axis=1))


def test_dtw_absorbs_a_repeated_stretch() -> None:
    x = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    y = np.concatenate([x[:20], np.repeat(x[20:30], 3, axis=0), x[30:]])
    path = dtw(cost_matrix(x, y))
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (39, len(y) - 1)
    assert np.all(np.diff(path, axis=0) >= 0)
    assert np.allclose(cost_matrix(x, y)[path[:, 0], path[:, 1]], 0.0, atol=1e-3)


def test_mel_filters_match_librosa() -> None:
    import librosa

    from tui.scoring.features import N_FFT, N_MELS, mel_basis

    expected = librosa.filters.mel(sr=16000, n_fft=N_FFT, n_mels=N_MELS, fmin=60.0, fmax=7600.0)
    assert np.allclose(mel_basis(), expected, atol=1e-7)

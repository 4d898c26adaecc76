"""Audio input for scoring: read, validate, downmix and resample to the analysis rate."""

from __future__ import annotations

import os
from typing import Union

import numpy as np

from tui.audio.files import read_audio
from tui.errors import AudioFormatError

ANALYSIS_SR = 16000
"""Every signal is analysed at this rate (Hz)."""

MAX_CHANNELS = 8

AudioInput = Union[str, "os.PathLike[str]", tuple[np.ndarray, int]]
"""A file path, or ``(samples, samplerate)`` with samples shaped ``(n,)`` or ``(n, channels)``."""


def to_mono(samples: np.ndarray, *, what: str = "audio") -> np.ndarray:
    """Validate ``samples`` (``(n,)`` or ``(n, channels)``) and average the channels.

    Raises
    ------
    AudioFormatError
        On empty input, more than two dimensions, a channel layout that looks
        transposed, or NaN/infinite samples.
    """
    samples = np.asarray(samples)
    if samples.ndim == 2:
        if samples.shape[1] > MAX_CHANNELS or samples.shape[1] == 0:
            raise AudioFormatError(
                f"{what} has {samples.shape[1]} channels in shape {samples.shape}",
                hint="pass samples shaped (frames, channels), at most 8 channels",
            )
        samples = samples.mean(axis=1)
    elif samples.ndim != 1:
        raise AudioFormatError(
            f"{what} has {samples.ndim} dimensions; expected (frames,) or (frames, channels)",
            hint="pass a 1-D mono or 2-D (frames, channels) array",
        )
    if samples.size == 0:
        raise AudioFormatError(f"{what} is empty (0 samples)", hint="record or choose a file with sound in it")
    if not np.issubdtype(samples.dtype, np.number):
        raise AudioFormatError(f"{what} samples are not numbers ({samples.dtype})", hint="pass float samples")
    samples = samples.astype(np.float32, copy=False)
    if not np.all(np.isfinite(samples)):
        raise AudioFormatError(
            f"{what} contains NaN or infinite samples", hint="the recording is corrupt; record it again"
        )
    return samples


def load(audio: AudioInput, *, what: str = "audio") -> np.ndarray:
    """Any :data:`AudioInput` as float32 mono at :data:`ANALYSIS_SR`.

    Parameters
    ----------
    audio : path or (np.ndarray [shape=(n,) or (n, channels)], int)
        The audio to load.
    what : str
        Name used in error messages ("reference", "attempt").

    Returns
    -------
    np.ndarray [shape=(m,)], float32
    """
    if isinstance(audio, tuple):
        if len(audio) != 2:
            raise AudioFormatError(f"{what} must be (samples, samplerate)", hint="pass a 2-tuple or a path")
        samples, sr = audio
    else:
        samples, sr = read_audio(audio)
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioFormatError(f"{what} sample rate {sr!r} is not a positive integer", hint="pass e.g. 16000")
    mono = to_mono(samples, what=what)
    if sr != ANALYSIS_SR:
        import soxr

        mono = soxr.resample(mono, int(sr), ANALYSIS_SR, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)

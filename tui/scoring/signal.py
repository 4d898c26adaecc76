"""Audio input for scoring: read, validate, downmix and resample to the analysis rate."""

from __future__ import annotations

import os
from typing import Union

import numpy as np

from tui.audio.files import MAX_SAMPLE, RATE_RANGE, format_seconds, read_audio
from tui.errors import AudioFormatError

ANALYSIS_SR = 16000
"""Every signal is analysed at this rate (Hz)."""
MAX_SECONDS = {"attempt": 120.0, "reference": 30.0}
"""Longest audio scored, by role: refused before any heavy work."""

MAX_CHANNELS = 8

AudioInput = Union[str, "os.PathLike[str]", tuple[np.ndarray, int]]
"""A file path, or ``(samples, samplerate)`` with samples shaped ``(n,)`` or ``(n, channels)``."""


def to_mono(samples: np.ndarray, *, what: str = "audio") -> np.ndarray:
    """Validate ``samples`` (``(n,)`` or ``(n, channels)``) and average the channels.

    Raises
    ------
    AudioFormatError
        On empty input, more than two dimensions, a channel layout that looks
        transposed, NaN/infinite or absurdly large samples.
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
    if float(np.max(np.abs(samples))) > MAX_SAMPLE:
        raise AudioFormatError(
            f"{what} holds absurdly large samples (beyond ±{MAX_SAMPLE:.0e})",
            hint="pass float samples in [-1, 1]; the recording is corrupt",
        )
    return samples


def check_length(frames: int, sr: int, *, what: str = "attempt") -> None:
    """Refuse audio longer than :data:`MAX_SECONDS` for its role, before it is analysed.

    Raises
    ------
    AudioFormatError
        If ``frames`` at ``sr`` lasts too long.
    """
    limit = MAX_SECONDS.get(what)
    if limit is not None and frames > limit * sr:
        raise AudioFormatError(
            f"{what} lasts {format_seconds(frames / sr, limit)} s, more than the {limit:g} s limit",
            hint="cut it to the phrase you practise",
        )


def samplerate_of(sr: object, *, what: str = "audio") -> int:
    """``sr`` as a positive int.

    Raises
    ------
    AudioFormatError
        If it is not a positive integer.
    """
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioFormatError(f"{what} sample rate {sr!r} is not a positive integer", hint="pass e.g. 16000")
    low, high = RATE_RANGE
    if not low <= sr <= high:
        raise AudioFormatError(f"{what} sample rate {int(sr)} Hz is outside {low}–{high} Hz", hint="pass e.g. 16000")
    return int(sr)


def read(audio: AudioInput, *, what: str = "audio") -> tuple[np.ndarray, int]:
    """Any :data:`AudioInput` as validated float32 mono at its own rate, length checked first.

    Raises
    ------
    AudioFormatError
        Unreadable file, bad array, bad rate, too long (see :data:`MAX_SECONDS`).
    """
    if isinstance(audio, tuple):
        if len(audio) != 2:
            raise AudioFormatError(f"{what} must be (samples, samplerate)", hint="pass a 2-tuple or a path")
        samples, sr = audio
        rate = samplerate_of(sr, what=what)
        frames = np.shape(samples)[0] if np.ndim(samples) else 0
        check_length(frames, rate, what=what)
    else:
        samples, rate = read_audio(audio, max_seconds=MAX_SECONDS.get(what))
    return to_mono(samples, what=what), rate


def load(audio: AudioInput, *, what: str = "audio") -> np.ndarray:
    """Any :data:`AudioInput` as float32 mono at :data:`ANALYSIS_SR`.

    Parameters
    ----------
    audio : path or (np.ndarray [shape=(n,) or (n, channels)], int)
        The audio to load.
    what : str
        Role used in error messages and length limits ("reference", "attempt").

    Returns
    -------
    np.ndarray [shape=(m,)], float32
    """
    mono, sr = read(audio, what=what)
    if sr != ANALYSIS_SR:
        import soxr

        mono = soxr.resample(mono, sr, ANALYSIS_SR, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)

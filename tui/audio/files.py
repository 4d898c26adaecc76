"""Reading audio files into float32 arrays, with clear errors for files that cannot be used."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from tui.errors import AudioFormatError


def load_audio(
    path: str | os.PathLike[str], *, samplerate: int | None = None, mono: bool = True
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples.

    Parameters
    ----------
    path : path-like
        Any file libsndfile reads (WAV, FLAC, OGG, MP3...).
    samplerate : int, optional
        Resample to this rate in Hz; the file's own rate by default.
    mono : bool
        Average the channels into one.

    Returns
    -------
    samples : np.ndarray [shape=(n,) if mono else (n, channels)], float32
    samplerate : int

    Raises
    ------
    AudioFormatError
        When the file is missing, unreadable, empty or holds NaN/inf samples.
    """
    source = Path(path)
    try:
        samples, rate = sf.read(source, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioFormatError(
            f"cannot read audio file {source}: {exc}",
            hint="use a WAV, FLAC, OGG or MP3 file that plays in other programs",
        ) from exc
    if samples.shape[0] == 0:
        raise AudioFormatError(f"audio file {source} holds no samples", hint="record or choose another file")
    if not np.isfinite(samples).all():
        raise AudioFormatError(f"audio file {source} holds NaN or infinite samples", hint="re-export the file")
    if mono:
        samples = samples.mean(axis=1, dtype=np.float32)
    if samplerate is not None and samplerate != rate:
        samples = soxr.resample(samples, rate, samplerate).astype(np.float32, copy=False)
        rate = samplerate
    return samples, int(rate)

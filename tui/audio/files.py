"""Reading audio files: the one reader every part of pronounce uses, with one set of errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from tui.errors import AudioFormatError

READ_HINT = "use a WAV, FLAC, OGG or MP3 file that plays in other programs"
MAX_SAMPLE = 1e6
"""Float files may exceed full scale (±1) a little; magnitudes beyond this are corrupt data, not sound."""


def read_audio(
    path: str | os.PathLike[str], *, what: str | None = None, max_seconds: float | None = None
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 frames × channels, as stored.

    Only regular files are opened (a FIFO or device would block or never end),
    and with ``max_seconds`` the length is checked from the header before
    anything is decoded, so an hour-long file costs nothing.

    Parameters
    ----------
    path : path-like
        Any file libsndfile reads (WAV, FLAC, OGG, MP3...).
    what : str, optional
        How error messages name the file [default: ``audio file <path>``].
    max_seconds : float, optional
        Refuse longer files.

    Returns
    -------
    samples : np.ndarray [shape=(n, channels)], float32
    samplerate : int

    Raises
    ------
    AudioFormatError
        When the file is missing, not a regular file, unreadable, too long,
        empty, or holds NaN, infinite or absurdly large samples.
    """
    source = Path(path)
    name = what or f"audio file {source}"
    if not source.exists():
        raise AudioFormatError(f"{name} not found", hint="check the path")
    if not source.is_file():
        raise AudioFormatError(f"{name} is not a regular file", hint="pass an audio file, not a folder, pipe or device")
    try:
        if max_seconds is not None:
            info = sf.info(os.fsencode(source))
            if info.duration > max_seconds:
                raise AudioFormatError(
                    f"{name} lasts {info.duration:.0f} s, more than the {max_seconds:.0f} s limit",
                    hint="cut it to the phrase you practise",
                )
        # Bytes, not str: libsndfile gets file names that are not UTF-8 as they are on disk.
        samples, rate = sf.read(os.fsencode(source), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioFormatError(f"cannot read {name}: {exc}", hint=READ_HINT) from exc
    if samples.shape[0] == 0:
        raise AudioFormatError(f"{name} is empty (0 samples)", hint="record or choose another file")
    if not np.isfinite(samples).all():
        raise AudioFormatError(f"{name} contains NaN or infinite samples", hint="re-export the file")
    if float(np.max(np.abs(samples))) > MAX_SAMPLE:
        raise AudioFormatError(f"{name} holds absurdly large samples (corrupt float data)", hint="re-export the file")
    return samples, int(rate)


def load_audio(
    path: str | os.PathLike[str],
    *,
    samplerate: int | None = None,
    mono: bool = True,
    what: str | None = None,
    max_seconds: float | None = None,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples, optionally downmixed and resampled.

    Parameters
    ----------
    path : path-like
        Any file :func:`read_audio` reads.
    samplerate : int, optional
        Resample to this rate in Hz; the file's own rate by default.
    mono : bool
        Average the channels into one.
    what : str, optional
        How error messages name the file.
    max_seconds : float, optional
        Refuse longer files, before decoding them.

    Returns
    -------
    samples : np.ndarray [shape=(n,) if mono else (n, channels)], float32
    samplerate : int

    Raises
    ------
    AudioFormatError
        See :func:`read_audio`.
    """
    samples, rate = read_audio(path, what=what, max_seconds=max_seconds)
    if mono:
        samples = samples.mean(axis=1, dtype=np.float32)
    if samplerate is not None and samplerate != rate:
        samples = soxr.resample(samples, rate, samplerate).astype(np.float32, copy=False)
        rate = samplerate
    return samples, rate

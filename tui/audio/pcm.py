"""16-bit PCM: the one quantiser between float samples and the int16 of recordings, journals and the phone aligner.

A float sample ``x`` in [-1, 1) is the integer ``round(x · 32768)``, clipped to
int16; an integer ``k`` reads back as ``k / 32768`` (as libsndfile reads a
16-bit file). So a float that came from a 16-bit file goes back to the same
integer, and :func:`on_int16_grid` gives exactly what a recording's FLAC holds.
"""

from __future__ import annotations

import numpy as np

FULL_SCALE = 32768.0
"""The int16 value of a float sample of 1.0 (before clipping)."""


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples as int16, rounded half to even and clipped.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)], floating
        Nominally in [-1, 1]; louder samples are clipped.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=int16]
    """
    return np.clip(np.rint(samples * FULL_SCALE), -32768, 32767).astype(np.int16)


def from_int16(pcm: np.ndarray) -> np.ndarray:
    """int16 samples as float32 in [-1, 1), the way libsndfile reads a 16-bit file."""
    return (pcm.astype(np.float32) / np.float32(FULL_SCALE)).astype(np.float32)


def on_int16_grid(samples: np.ndarray) -> np.ndarray:
    """``samples`` as they read back from a 16-bit recording (float32)."""
    return from_int16(to_int16(samples))

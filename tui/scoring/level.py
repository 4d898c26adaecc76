"""The take's level: normalised before any evidence is measured, and clipping found.

Every kind of evidence sees the take at one fixed speech level, so how loud the
learner spoke (or how far the microphone was) never moves a score. The level is
that of the loudest speech: the 95th percentile of 20 ms frame RMS, brought to
:data:`TARGET_RMS`. Clipping cannot be undone by scaling: it is reported as a
finding and never raises a score.
"""

from __future__ import annotations

import numpy as np

TARGET_RMS = 0.1
"""Frame RMS of the loudest speech after normalisation (−20 dBFS)."""
FRAME = 320
CLIP_LEVEL = 0.99
"""A sample at or beyond this magnitude (full scale 1) is at the limit."""
CLIPPED_SHARE = 0.001
"""A take with at least this share of its samples at the limit was clipped."""
MIN_CLIPPED = 30
"""... and at least this many of them (a lone full-scale click is not clipping)."""
QUIET_RMS = 0.003
"""Speech below this frame RMS (−50 dBFS) was too quiet to judge well."""


def speech_level(y: np.ndarray) -> float:
    """RMS of the loudest speech: the 95th percentile of 20 ms frame RMS (0 for silence)."""
    n = y.size // FRAME
    if n == 0:
        return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if y.size else 0.0
    frames = y[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    return float(np.percentile(np.sqrt(np.mean(frames * frames, axis=1)), 95))


def normalised(y: np.ndarray) -> np.ndarray:
    """``y`` scaled so its loudest speech has RMS :data:`TARGET_RMS` (silence is returned as it is)."""
    level = speech_level(y)
    if level <= 1e-6:
        return y.astype(np.float32, copy=False)
    return (y * np.float32(TARGET_RMS / level)).astype(np.float32)


def clipped(y: np.ndarray) -> bool:
    """Whether the take was clipped (enough samples at the limit of the recording's range)."""
    at_limit = int(np.count_nonzero(np.abs(y) >= CLIP_LEVEL))
    return at_limit >= MIN_CLIPPED and at_limit >= CLIPPED_SHARE * y.size

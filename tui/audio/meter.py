"""Level metering for the record meter: pure numpy, one call per audio block.

The one meter of pronounce: the recorder computes each block's levels with
:func:`block_levels`, a :class:`LevelMeter` turns a stream of them into what a
meter shows (peak hold, clip and silence warnings), and the app's meter widget
only draws a :class:`Level`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOOR_DBFS = -120.0
"""The lowest level computed: an empty or digitally silent block reads as this."""
DISPLAY_FLOOR_DBFS = -60.0
"""The bottom of a meter bar: quieter levels draw as an empty bar."""
CLIP_LEVEL = 0.999
"""A sample at or above this magnitude counts as clipped."""
SILENCE_DBFS = -50.0
"""A block whose RMS is below this counts as silence (a quiet room, a muted microphone)."""
SILENCE_SECONDS = 2.0
"""Uninterrupted silence after which the meter reports that nothing is heard."""
SPEECH_DBFS = -40.0
"""A block whose RMS is above this counts as speech (auto-stop waits for speech, then for silence)."""


def block_levels(samples: np.ndarray) -> tuple[float, float, bool]:
    """Peak and RMS of one block in dBFS, and whether it clipped.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)], float
        Samples in [-1, 1].

    Returns
    -------
    peak_dbfs, rms_dbfs : float
        Levels relative to full scale, never below ``FLOOR_DBFS`` (an empty or
        silent block reads as the floor).
    clipped : bool
        Whether any sample reached full scale.
    """
    if samples.size == 0:
        return FLOOR_DBFS, FLOOR_DBFS, False
    block = samples.astype(np.float64, copy=False)
    peak = float(np.max(np.abs(block)))
    rms = float(np.sqrt(np.mean(block * block)))
    return _dbfs(peak), _dbfs(rms), peak >= CLIP_LEVEL


def _dbfs(value: float) -> float:
    return max(FLOOR_DBFS, float(20.0 * np.log10(value))) if value > 0 else FLOOR_DBFS


def bar_fraction(dbfs: float) -> float:
    """Where ``dbfs`` sits on a meter bar: ``DISPLAY_FLOOR_DBFS`` (or NaN) → 0, 0 dBFS → 1."""
    if dbfs != dbfs:  # NaN
        return 0.0
    return min(max((dbfs - DISPLAY_FLOOR_DBFS) / -DISPLAY_FLOOR_DBFS, 0.0), 1.0)


@dataclass(frozen=True, kw_only=True)
class Level:
    """What the meter shows after one block.

    ``peak_hold_dbfs`` is the held peak (the mark on the bar and the "peak"
    figure); ``clipped`` and ``silent`` are the two warnings.
    """

    rms_dbfs: float
    peak_dbfs: float
    peak_hold_dbfs: float
    clipped: bool
    silent: bool


class LevelMeter:
    """RMS and peak per block, a decaying peak hold, clip and silence detection.

    Parameters
    ----------
    samplerate : int
        Rate of the blocks fed to :meth:`update`, in Hz (:meth:`feed` takes durations).
    hold_s : float
        How long the peak hold stays before it starts to fall.
    decay_db_per_s : float
        How fast the held peak falls afterwards.
    silence_dbfs : float
        RMS below this counts as silence.
    silence_s : float
        ``silent`` turns true after this much uninterrupted silence ("we hear
        nothing — is the right microphone selected?").
    clip_hold_s : float
        ``clipped`` stays true this long after the last clipped block, so a UI
        can show it.
    """

    def __init__(
        self,
        samplerate: int,
        *,
        hold_s: float = 1.0,
        decay_db_per_s: float = 20.0,
        silence_dbfs: float = SILENCE_DBFS,
        silence_s: float = SILENCE_SECONDS,
        clip_hold_s: float = 1.5,
    ) -> None:
        self.samplerate = samplerate
        self.hold_s = hold_s
        self.decay_db_per_s = decay_db_per_s
        self.silence_dbfs = silence_dbfs
        self.silence_s = silence_s
        self.clip_hold_s = clip_hold_s
        self.reset()

    def reset(self) -> None:
        """Forget the held peak, the clip flag and the silence timer."""
        self._held = FLOOR_DBFS
        self._since_peak = 0.0
        self._since_clip = float("inf")
        self._silent_for = 0.0

    def update(self, samples: np.ndarray) -> Level:
        """Meter one block of samples and return the levels to show.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)], float
            The next block, in [-1, 1].
        """
        peak, rms, clipped = block_levels(samples)
        return self.feed(peak, rms, clipped, samples.size / self.samplerate)

    def feed(self, peak_dbfs: float, rms_dbfs: float, clipped: bool, seconds: float) -> Level:
        """Meter one block whose levels are known (the recorder computes them) and lasts ``seconds``."""
        self._since_peak += seconds
        if self._since_peak > self.hold_s:
            fall = self.decay_db_per_s * min(seconds, self._since_peak - self.hold_s)
            self._held = max(FLOOR_DBFS, self._held - fall)
        if peak_dbfs >= self._held:
            self._held = peak_dbfs
            self._since_peak = 0.0
        self._since_clip = 0.0 if clipped else self._since_clip + seconds
        self._silent_for = self._silent_for + seconds if rms_dbfs < self.silence_dbfs else 0.0
        return Level(
            rms_dbfs=rms_dbfs,
            peak_dbfs=peak_dbfs,
            peak_hold_dbfs=self._held,
            clipped=self._since_clip <= self.clip_hold_s,
            silent=self._silent_for >= self.silence_s,
        )

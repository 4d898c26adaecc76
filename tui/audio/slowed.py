"""Slowed references kept in the user cache, keyed by what they are made from, so slow playback never waits.

A slowed copy is named by a hash of the samples, their rate, the speed and the
stretcher's version, so a changed reference gets a new copy and an unchanged
one is found again by every later run. Copies are FLAC (16-bit), written
atomically; a copy that cannot be read is made again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.audio.stretch import time_stretch
from tui.fsio import atomic_output

VERSION = "pv1"
"""Changes when :func:`tui.audio.stretch.time_stretch` changes what it makes (old copies are then never read)."""
SPEEDS = (0.75, 0.5)
"""The speeds of the slow-playback keys (``s``, ``S``): made ahead for every reference."""


class SlowedCache:
    """Slowed copies of sounds in ``folder`` (created on first write).

    Safe to use from several threads and processes: a copy is written under a
    temporary name and renamed into place.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, samples: np.ndarray, samplerate: int, speed: float) -> Path:
        """Where the copy of ``samples`` at ``speed`` is kept."""
        digest = hashlib.blake2b(np.ascontiguousarray(samples, dtype=np.float32).tobytes(), digest_size=16)
        digest.update(f"{samplerate}:{speed:g}:{VERSION}".encode())
        return self.folder / f"{digest.hexdigest()}.flac"

    def get(self, samples: np.ndarray, samplerate: int, speed: float) -> np.ndarray | None:
        """The kept copy, or None when there is none (or it cannot be read)."""
        try:
            found, rate = sf.read(self.path(samples, samplerate, speed), dtype="float32")
        except (OSError, RuntimeError, sf.LibsndfileError):
            return None
        return found if rate == samplerate and found.ndim == 1 else None

    def slowed(self, samples: np.ndarray, samplerate: int, speed: float) -> np.ndarray:
        """``samples`` at ``speed`` (same pitch): the kept copy, else made now and kept (a full disk only skips keeping it)."""
        found = self.get(samples, samplerate, speed)
        if found is not None:
            return found
        made = time_stretch(samples, rate=speed)
        self.keep(samples, samplerate, speed, made)
        return made

    def keep(self, samples: np.ndarray, samplerate: int, speed: float, made: np.ndarray) -> None:
        """Keep ``made`` as the copy of ``samples`` at ``speed`` (best effort)."""
        target = self.path(samples, samplerate, speed)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_output(target) as staged:
                sf.write(staged, np.clip(made, -1.0, 1.0), samplerate, format="FLAC", subtype="PCM_16")
        except (OSError, RuntimeError, sf.LibsndfileError):
            pass  # a cache: playing never fails because it cannot be written

    def prepare(self, sounds: list[tuple[np.ndarray, int]], *, speeds: tuple[float, ...] = SPEEDS) -> int:
        """Make the missing copies of ``sounds`` at ``speeds``; how many were made (blocking)."""
        made = 0
        for samples, samplerate in sounds:
            for speed in speeds:
                if not self.path(samples, samplerate, speed).is_file():
                    self.slowed(samples, samplerate, speed)
                    made += 1
        return made

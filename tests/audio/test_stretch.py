"""Slow playback: the numpy phase vocoder gives librosa's samples, and slowed references are kept by content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui.audio.files import load_audio
from tui.audio.slowed import SlowedCache
from tui.audio.stretch import time_stretch

REFERENCE = Path(__file__).resolve().parents[2] / "lessons" / "en-basics" / "audio" / "good-morning.flac"


@pytest.mark.parametrize("rate", [0.75, 0.5])
def test_time_stretch_gives_the_samples_of_librosa(rate: float) -> None:
    import librosa  # the reference implementation (its numba compile is why the app no longer uses it)

    samples, _ = load_audio(REFERENCE)
    ours = time_stretch(samples, rate=rate)
    theirs = librosa.effects.time_stretch(samples, rate=rate)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (round(samples.size / rate),)
    assert np.max(np.abs(ours - theirs)) < 1e-3 * np.max(np.abs(theirs))


def test_a_slowed_copy_is_made_once_and_found_by_content(tmp_path: Path) -> None:
    samples, rate = load_audio(REFERENCE)
    cache = SlowedCache(tmp_path / "slowed")
    assert cache.get(samples, rate, 0.75) is None
    made = cache.slowed(samples, rate, 0.75)
    kept = SlowedCache(tmp_path / "slowed").get(samples, rate, 0.75)  # a later run
    assert kept is not None and kept.shape == made.shape and np.max(np.abs(kept - made)) < 1e-4
    assert cache.get(samples, rate, 0.5) is None, "another speed is another copy"
    assert cache.get(samples * 0.5, rate, 0.75) is None, "a changed reference is another copy"
    assert cache.prepare([(samples, rate)]) == 1, "only the missing speed is made"
    assert cache.prepare([(samples, rate)]) == 0


def test_a_damaged_copy_is_made_again_and_an_unwritable_cache_still_plays(tmp_path: Path) -> None:
    samples, rate = load_audio(REFERENCE)
    cache = SlowedCache(tmp_path / "slowed")
    cache.slowed(samples, rate, 0.5)
    cache.path(samples, rate, 0.5).write_bytes(b"not flac")
    assert cache.get(samples, rate, 0.5) is None
    assert cache.slowed(samples, rate, 0.5).size == round(samples.size / 0.5)
    assert cache.get(samples, rate, 0.5) is not None
    (tmp_path / "file").write_text("not a folder")
    blocked = SlowedCache(tmp_path / "file" / "slowed")
    assert blocked.slowed(samples, rate, 0.75).size == round(samples.size / 0.75)

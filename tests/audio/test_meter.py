"""Level meter: dBFS levels, peak hold with decay, clip and silence detection."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tui.audio.meter import DISPLAY_FLOOR_DBFS, FLOOR_DBFS, LevelMeter, bar_fraction, block_levels

RATE = 48000
BLOCK = 4800  # 0.1 s


def sine(amplitude: float, n: int = BLOCK) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * 1000 * np.arange(n) / RATE)).astype(np.float32)


def test_block_levels_of_a_sine_are_its_peak_and_rms() -> None:
    peak, rms, clipped = block_levels(sine(0.5))
    assert peak == pytest.approx(20 * np.log10(0.5), abs=0.01)
    assert rms == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.01)
    assert not clipped


@pytest.mark.parametrize("block", [np.zeros(0, np.float32), np.zeros(256, np.float32)])
def test_empty_and_silent_blocks_read_as_the_floor(block: np.ndarray) -> None:
    assert block_levels(block) == (FLOOR_DBFS, FLOOR_DBFS, False)


def test_full_scale_counts_as_clipping_and_stays_flagged_for_the_hold_time() -> None:
    meter = LevelMeter(RATE, clip_hold_s=0.5)
    assert meter.update(np.clip(sine(2.0), -1, 1)).clipped
    flags = [meter.update(sine(0.1)).clipped for _ in range(8)]
    assert flags == [True] * 5 + [False] * 3


def test_peak_hold_stays_then_falls_at_the_decay_rate() -> None:
    meter = LevelMeter(RATE, hold_s=0.35, decay_db_per_s=20.0)
    loud = meter.update(sine(1.0 / 2)).peak_hold_dbfs
    held = [meter.update(sine(0.01)).peak_hold_dbfs for _ in range(13)]
    assert held[:3] == [loud] * 3
    assert held[-1] == pytest.approx(loud - 20.0 * (1.3 - 0.35), abs=0.01)
    assert all(a >= b for a, b in itertools.pairwise(held))
    assert meter.update(sine(0.9)).peak_hold_dbfs == pytest.approx(20 * np.log10(0.9), abs=0.01)


def test_silence_is_reported_after_the_silence_time_and_cleared_by_sound() -> None:
    meter = LevelMeter(RATE, silence_s=0.95)
    quiet = [meter.update(sine(1e-4)).silent for _ in range(12)]
    assert quiet.index(True) == 9
    assert not meter.update(sine(0.2)).silent
    meter.reset()
    assert meter.update(sine(1e-4)).peak_hold_dbfs < -70


def test_feeding_known_levels_matches_metering_the_samples() -> None:
    by_samples, by_levels = LevelMeter(RATE), LevelMeter(RATE)
    for amplitude in (0.5, 0.01, 1e-5, 0.9):
        block = sine(amplitude)
        peak, rms, clipped = block_levels(block)
        assert by_samples.update(block) == by_levels.feed(peak, rms, clipped, block.size / RATE)


def test_bar_fraction_maps_the_display_range() -> None:
    assert bar_fraction(DISPLAY_FLOOR_DBFS - 20) == 0.0
    assert bar_fraction(DISPLAY_FLOOR_DBFS / 2) == pytest.approx(0.5)
    assert bar_fraction(6.0) == 1.0
    assert bar_fraction(float("nan")) == 0.0

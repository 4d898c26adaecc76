"""The one int16 quantiser: what a 16-bit file holds, read back the way libsndfile reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tui.audio.pcm import from_int16, on_int16_grid, to_int16


def test_floats_round_to_the_nearest_step_and_clip() -> None:
    steps = np.array([-2.0, -1.0, -0.5 / 32768, 0.4 / 32768, 0.6 / 32768, 0.5, 32767.4 / 32768, 1.0, 3.0], dtype=np.float32)
    assert to_int16(steps).tolist() == [-32768, -32768, 0, 0, 1, 16384, 32767, 32767, 32767]


def test_a_16_bit_file_reads_back_on_the_grid_and_goes_back_to_its_integers(tmp_path: Path) -> None:
    pcm = np.random.default_rng(7).integers(-32768, 32768, 4000).astype(np.int16)
    sf.write(tmp_path / "take.flac", pcm, 16000, subtype="PCM_16")
    read, _ = sf.read(tmp_path / "take.flac", dtype="float32")
    assert np.array_equal(from_int16(pcm), read)
    assert np.array_equal(to_int16(read), pcm) and np.array_equal(on_int16_grid(read), read)

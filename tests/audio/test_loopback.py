"""The private sound server is a working sound card: what we play, we record."""

from __future__ import annotations

import numpy as np
import sounddevice as sd

from tui.audio.soundserver import SoundServer

RATE = 48000


def test_tone_played_to_default_output_is_recorded_from_default_input(sound_server: SoundServer) -> None:
    seconds, freq, amplitude = 1.5, 440.0, 0.5
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)

    blocks: list[np.ndarray] = []
    with sd.InputStream(
        samplerate=RATE, channels=1, dtype="float32", callback=lambda data, *_: blocks.append(data[:, 0].copy())
    ):
        sd.play(tone, RATE, blocking=True)
        sd.sleep(300)
    recorded = np.concatenate(blocks)
    assert np.isfinite(recorded).all()

    # Look only at the part where the tone is present (the server adds some latency).
    active = recorded[np.abs(recorded) > amplitude / 4]
    assert active.size > RATE // 2, "less than half a second of the tone came back"
    spectrum = np.abs(np.fft.rfft(recorded * np.hanning(recorded.size)))
    peak_hz = np.fft.rfftfreq(recorded.size, 1 / RATE)[spectrum.argmax()]
    assert abs(peak_hz - freq) < 2.0
    level_dbfs = 20 * np.log10(np.sqrt(np.mean(active**2)))
    expected_dbfs = 20 * np.log10(amplitude / np.sqrt(2))
    assert abs(level_dbfs - expected_dbfs) < 1.0

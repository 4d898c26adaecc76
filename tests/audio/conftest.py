"""Helpers for audio tests: a collected event stream, a machine with no sound devices, a small disk, espeak-ng phrases."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import mounted_tmpfs
from tui.audio import recorder
from tui.audio.devices import rescan
from tui.audio.files import load_audio


class Events:
    """Every recorder event seen since the fixture started, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[recorder.Event] = []

    def __call__(self, event: recorder.Event) -> None:
        with self._lock:
            self._seen.append(event)

    def of(self, name: str) -> list[recorder.Event]:
        with self._lock:
            return [event for event in self._seen if event.name == name]

    def chunks(self, name: str) -> list[recorder.ChunkEvent]:
        return [event for event in self.of(name) if isinstance(event, recorder.ChunkEvent)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for recorder events")
            time.sleep(0.01)

    def wait_for_audio(self, name: str) -> None:
        """Wait until the recorder delivers blocks (the sound server can take a moment to start)."""
        self.wait_for(lambda: len(self.chunks(name)) >= 3)


@pytest.fixture
def events() -> Iterator[Events]:
    collected = Events()
    unsubscribe = recorder.subscribe(collected)
    yield collected
    unsubscribe()
    recorder.stop_all()


@pytest.fixture
def no_devices() -> Iterator[None]:
    """PortAudio pointed at a sound server that does not exist: it lists no devices at all."""
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = "unix:/nonexistent/pronounce-no-server"
    rescan()
    yield
    if previous is None:
        del os.environ["PULSE_SERVER"]
    else:
        os.environ["PULSE_SERVER"] = previous
    rescan()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs; every recorder is stopped before it is unmounted."""
    with mounted_tmpfs(tmp_path / "small", size_mib=2) as mount:
        try:
            yield mount
        finally:
            recorder.stop_all()


@pytest.fixture(scope="session")
def phrase(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, int]:
    """A spoken phrase made by espeak-ng, as (samples, rate)."""
    path = tmp_path_factory.mktemp("phrase") / "phrase.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "the quick brown fox jumps over the lazy dog"], check=True)
    return load_audio(path)


def best_correlation(reference: np.ndarray, recorded: np.ndarray) -> float:
    """Peak normalised cross-correlation of ``reference`` anywhere inside ``recorded`` (same rate)."""
    n = reference.size + recorded.size
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(reference, size)), size)
    lag = int(np.argmax(np.abs(corr)))
    segment = np.roll(np.pad(recorded, (0, size - recorded.size)), -lag)[: reference.size]
    denominator = np.linalg.norm(reference) * np.linalg.norm(segment)
    return float(abs(corr[lag]) / denominator) if denominator else 0.0


def segment_correlation(reference: np.ndarray, recorded: np.ndarray, rate: int, *, segment_s: float = 0.5) -> float:
    """Median over ``segment_s`` pieces of ``reference`` of their best correlation inside ``recorded``.

    Robust to the short gaps an overloaded machine's playback underruns leave,
    which shift everything after them.
    """
    size = int(segment_s * rate)
    pieces = [reference[i : i + size] for i in range(0, reference.size - size + 1, size)]
    return float(np.median([best_correlation(piece, recorded) for piece in pieces if np.any(piece)]))


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    """Frequency of the strongest spectral peak."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])


def active_seconds(samples: np.ndarray, rate: int, threshold: float) -> float:
    """Seconds from the first to the last sample louder than ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return float((loud[-1] - loud[0]) / rate) if loud.size else 0.0


def write_tone(path: Path, seconds: float, rate: int = 48000, freq: float = 440.0) -> np.ndarray:
    """Write a 0.5-amplitude sine to ``path`` and return it."""
    tone = (0.5 * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
    sf.write(path, tone, rate)
    return tone

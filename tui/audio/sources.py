"""Where a recorder's blocks come from: a PortAudio input stream, or a file paced in real time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tui.audio.devices import PORTAUDIO_LOCK, close_stream, open_stream
from tui.audio.files import load_audio
from tui.audio.portaudio import sd
from tui.errors import DeviceError

BlockSink = Callable[[np.ndarray, bool], None]
"""Receives each block (float32 frames × 1, owned by the caller) and whether input overflowed."""


class Source(Protocol):
    """A running input a recorder drains."""

    samplerate: int

    def start(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def ended(self) -> bool:
        """True once the source stopped delivering on its own (device failure)."""
        ...


class DeviceSource:
    """A PortAudio input stream whose callback hands each block to ``sink``.

    The callback only notes the overflow flag and calls ``sink``, which must copy
    and enqueue without blocking.
    """

    def __init__(self, device: int, samplerate: int, blocksize: int, sink: BlockSink) -> None:
        self.samplerate = samplerate
        self._finished = threading.Event()
        self._stopping = False

        def callback(indata: np.ndarray, frames: int, time_info: Any, status: sd.CallbackFlags) -> None:
            sink(indata, bool(status.input_overflow))

        try:
            self._stream = open_stream(
                lambda: sd.InputStream(
                    device=device,
                    samplerate=samplerate,
                    channels=1,
                    dtype="float32",
                    blocksize=blocksize,
                    latency="high",
                    callback=callback,
                    finished_callback=self._finished.set,
                )
            )
        except sd.PortAudioError as exc:
            raise DeviceError(
                f"cannot open input device {device} at {samplerate} Hz: {exc}",
                hint="choose another device or sample rate (see `pronounce devices`)",
            ) from exc

    def start(self) -> None:
        with PORTAUDIO_LOCK:
            try:
                self._stream.start()
            except sd.PortAudioError as exc:
                close_stream(self._stream, abort=True)
                raise DeviceError(f"cannot start recording: {exc}", hint="check the microphone is not in use") from exc

    def stop(self) -> None:
        self._stopping = True
        close_stream(self._stream)

    @property
    def ended(self) -> bool:
        return self._finished.is_set() and not self._stopping


class FileSource:
    """A file fed block by block at its own sample rate, in real time, then silence.

    Raises
    ------
    AudioFormatError
        When the file cannot be read, is empty or holds invalid samples.
    """

    def __init__(self, path: Path, blocksize: int, sink: BlockSink) -> None:
        self._samples, self.samplerate = load_audio(path, what=f"input file {path}")
        self._blocksize = blocksize
        self._sink = sink
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"pronounce-file-{path.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def ended(self) -> bool:
        return False

    def _pump(self) -> None:
        block = np.zeros((self._blocksize, 1), dtype=np.float32)
        began = time.monotonic()
        sent = 0
        while not self._halt.is_set():
            delay = began + (sent + self._blocksize) / self.samplerate - time.monotonic()
            if delay > 0 and self._halt.wait(delay):
                return
            piece = self._samples[sent : sent + self._blocksize]
            block[:, 0] = 0.0
            block[: piece.size, 0] = piece
            self._sink(block, False)
            sent += self._blocksize

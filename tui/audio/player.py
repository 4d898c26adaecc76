"""Playback of a file or array: a time range, slower at the same pitch, with position and completion."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tui.audio.devices import PORTAUDIO_LOCK, close_stream, open_stream
from tui.audio.files import load_audio
from tui.audio.portaudio import sd
from tui.audio.stretch import time_stretch
from tui.errors import AudioError, DeviceError

MIN_SPEED, MAX_SPEED = 0.5, 1.0
BLOCKSIZE = 1024
TAIL_SECONDS = 0.15
"""Silence played after the sound: PortAudio's ALSA path drops the last buffers on stop."""


Slower = Callable[[np.ndarray, int, float], np.ndarray]
"""``(samples, samplerate, speed) -> slowed samples``: a cache of slowed copies (:class:`tui.audio.slowed.SlowedCache`)."""


def prepare(
    samples: np.ndarray, samplerate: int, *, speed: float = 1.0, start: float | None = None, end: float | None = None,
    slower: Slower | None = None,
) -> np.ndarray:
    """Cut ``[start, end)`` seconds out of ``samples`` and slow it to ``speed`` keeping the pitch.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)], float32
    samplerate : int
    speed : float
        0.5 (twice as long) to 1.0 (as recorded). Uses a phase vocoder
        (:func:`tui.audio.stretch.time_stretch`), so pitch is unchanged.
    start, end : float, optional
        Range in seconds; the whole signal by default.
    slower : callable, optional
        Makes (or finds) the slowed copy instead of the phase vocoder.

    Returns
    -------
    np.ndarray [shape=(m,)], float32
        About ``(end - start) / speed`` seconds of audio.

    Raises
    ------
    AudioError
        When ``speed`` is outside 0.5–1.0 or the range is empty or outside the audio.
    """
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise AudioError(f"playback speed {speed} is out of range", hint="use a speed from 0.5 to 1.0")
    length = samples.size / samplerate
    first = 0.0 if start is None else start
    last = length if end is None else min(end, length)
    if first < 0 or first >= last:
        raise AudioError(
            f"cannot play {first:.2f}–{last:.2f} s of {length:.2f} s of audio",
            hint="choose a start before the end, inside the audio",
        )
    piece = samples[round(first * samplerate) : round(last * samplerate)].astype(np.float32)
    if speed != 1.0:
        piece = slower(piece, samplerate, speed) if slower is not None else time_stretch(piece, rate=speed)
    return piece


class Player:
    """Plays one sound at a time on an output device.

    The sound is prepared whole before the stream opens (phrases are short), and
    PortAudio primes its buffers from the callback before starting. The callback
    copies the next block, then plays ``TAIL_SECONDS`` of silence and raises
    :class:`sounddevice.CallbackStop`; PortAudio's ``finished_callback`` then marks
    the end and calls ``on_done`` on a separate
    thread (so ``on_done`` may call :meth:`play` or :meth:`stop`). ``slower``
    makes or finds slowed copies (a cache); without one they are made each time.
    """

    def __init__(self, slower: Slower | None = None) -> None:
        self._slower = slower
        self._stream: sd.OutputStream | None = None
        self._lock = threading.Lock()
        self._audio = np.zeros(0, dtype=np.float32)
        self._cursor = 0
        self._start = 0.0
        self._speed = 1.0
        self._samplerate = 1
        self._latency_frames = 0
        self._tail = 0
        self._finished = threading.Event()
        self._finished.set()

    def play(
        self,
        source: str | os.PathLike[str] | np.ndarray,
        samplerate: int | None = None,
        *,
        speed: float = 1.0,
        start: float | None = None,
        end: float | None = None,
        device: int | str | None = None,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        """Start playing ``source`` (a path, or float samples with ``samplerate``), stopping what played before.

        Parameters
        ----------
        source : path-like or np.ndarray [shape=(n,)]
        samplerate : int, optional
            Required for arrays; a file's own rate is used otherwise.
        speed : float
            0.5–1.0, same pitch.
        start, end : float, optional
            Play only this range, in seconds of the source.
        device : int or str, optional
            Output device index or name fragment; the default output otherwise.
        on_done : callable, optional
            Called with no arguments when playback ends by itself or is stopped.

        Raises
        ------
        AudioError
            For a bad speed or range, or an array without ``samplerate``.
        AudioFormatError
            When a file cannot be read.
        DeviceError
            When the output cannot be opened.
        """
        if isinstance(source, np.ndarray):
            if samplerate is None:
                raise AudioError("playing an array needs its sample rate", hint="pass samplerate=")
            samples, rate = np.asarray(source, dtype=np.float32).reshape(-1), samplerate
        else:
            samples, rate = load_audio(Path(source))
        audio = prepare(samples, rate, speed=speed, start=start, end=end, slower=self._slower)
        self.stop()
        finished = threading.Event()

        def finished_callback() -> None:
            finished.set()
            if on_done is not None:
                threading.Thread(target=on_done, name="pronounce-player-done", daemon=True).start()

        with self._lock, PORTAUDIO_LOCK:
            self._audio, self._cursor, self._samplerate = audio, 0, rate
            self._start, self._speed, self._finished = start or 0.0, speed, finished
            self._tail = int(TAIL_SECONDS * rate)
            try:
                self._stream = open_stream(
                    lambda: sd.OutputStream(
                        samplerate=rate,
                        blocksize=BLOCKSIZE,
                        device=device,
                        channels=1,
                        dtype="float32",
                        callback=self._callback,
                        finished_callback=finished_callback,
                        prime_output_buffers_using_stream_callback=True,
                    )
                )
                self._stream.start()
                self._latency_frames = int(self._stream.latency * rate)
            except (sd.PortAudioError, ValueError) as exc:
                finished.set()
                if self._stream is not None:
                    close_stream(self._stream, abort=True)
                    self._stream = None
                raise DeviceError(
                    f"cannot play on output {device if device is not None else 'default'}: {exc}",
                    hint="check the speakers or choose another output (see `pronounce devices`)",
                ) from exc

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: sd.CallbackFlags) -> None:
        chunk = self._audio[self._cursor : self._cursor + frames]
        outdata[: chunk.size, 0] = chunk
        outdata[chunk.size :, 0] = 0.0
        self._cursor += chunk.size
        if chunk.size < frames:
            self._tail -= frames - chunk.size
            if self._tail <= 0:
                raise sd.CallbackStop

    def stop(self) -> None:
        """Stop playing now (``on_done`` still runs); nothing happens when idle."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            close_stream(stream, abort=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends; False when ``timeout`` passed first."""
        return self._finished.wait(timeout)

    @property
    def is_playing(self) -> bool:
        """Whether a sound is playing."""
        return not self._finished.is_set()

    @property
    def position(self) -> float:
        """Where playback is, in seconds of the source (slowed playback advances slower)."""
        heard = max(0, self._cursor - self._latency_frames) if self.is_playing else self._cursor
        return self._start + heard / self._samplerate * self._speed

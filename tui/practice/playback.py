"""A queue of sounds to play one after another (reference, then my attempt), on its own thread.

Plain Python, no Textual: the practice screen asks for a sequence of
:class:`Play` items, hears from :meth:`PlaybackQueue.add_listener` when a
sequence starts or ends, and reads :meth:`PlaybackQueue.now` for the marker
while one plays. Starting a new sequence, or :meth:`PlaybackQueue.stop`, ends
the one before.

Where the sound is comes from two clocks: the player's (samples handed to the
device, less its reported latency) and the wall clock since the stream started.
Through PulseAudio the device can take a whole phrase into its buffer at once
and report the stream finished while it is still being heard; the earlier of
the two clocks follows what is heard in both cases, and an item counts as
played only once its duration has passed on the wall clock, so A/B never
overlaps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


class PlayerLike(Protocol):
    """What the queue needs of :class:`tui.audio.player.Player`."""

    def play(
        self,
        source: np.ndarray,
        samplerate: int | None = None,
        *,
        speed: float = 1.0,
        start: float | None = None,
        end: float | None = None,
        device: int | str | None = None,
        on_done: Callable[[], None] | None = None,
    ) -> None: ...

    def stop(self) -> None: ...

    @property
    def position(self) -> float: ...


@dataclass(frozen=True, eq=False)
class Play:
    """One sound to play: ``target`` names what it is ("reference" or "attempt").

    ``start``/``end`` cut a range in seconds of ``samples``; ``speed`` below 1
    slows it down at the same pitch.
    """

    target: str
    samples: np.ndarray
    samplerate: int
    speed: float = 1.0
    start: float | None = None
    end: float | None = None

    @classmethod
    def of_file(cls, target: str, path: Path) -> Play:
        """The whole recording at ``path`` (blocking: reads and decodes it).

        Raises
        ------
        AudioFormatError
            The file is missing or unreadable.
        """
        from tui.audio.files import load_audio

        samples, samplerate = load_audio(path)
        return cls(target, samples, samplerate)

    @property
    def first(self) -> float:
        """Where playback starts, in seconds of ``samples``."""
        return max(self.start or 0.0, 0.0)

    @property
    def last(self) -> float:
        """Where playback ends, in seconds of ``samples``."""
        length = self.samples.size / self.samplerate
        return length if self.end is None else min(self.end, length)

    @property
    def seconds(self) -> float:
        """How long it takes to play, in wall-clock seconds."""
        return max(self.last - self.first, 0.0) / self.speed


@dataclass(frozen=True)
class NowPlaying:
    """What the queue does now: ``play`` is being prepared (``position`` None) or plays at ``position`` seconds."""

    play: Play
    position: float | None


class PlaybackQueue:
    """Plays sequences of :class:`Play` items on one player, one sequence at a time.

    Parameters
    ----------
    player : callable
        Returns the player (created on first use, so importing the audio stack
        waits until something is played).
    device : callable
        Returns the output device to use ("" or None: the default).
    on_error : callable
        Called (on the queue's thread) with an exception that stopped a sequence.
    """

    def __init__(
        self,
        player: Callable[[], PlayerLike],
        *,
        device: Callable[[], str | None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._player = player
        self._device = device
        self._on_error = on_error
        self._generation = 0
        self._state = threading.Lock()  # guards _generation and _now
        self._calls = threading.Lock()  # one sequence talks to the player at a time
        self._now: NowPlaying | None = None
        self._started_at = 0.0
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (on any thread; it must return at once) when a sequence starts or ends; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def play(self, plays: Sequence[Play]) -> None:
        """Stop what plays and start playing ``plays`` in order (returns at once)."""
        generation = self._stop()
        if plays:
            with self._state:
                self._now = NowPlaying(plays[0], None)  # busy from now on, while the first sound is prepared
            thread = threading.Thread(target=self._run, args=(list(plays), generation), name="pronounce-playback", daemon=True)
            thread.start()
            self._changed()

    def stop(self) -> None:
        """Stop whatever plays or is being prepared."""
        self._stop()

    def now(self) -> NowPlaying | None:
        """What plays now (None when idle), with its position in seconds of its samples (None: being prepared)."""
        with self._state:
            now, started_at = self._now, self._started_at
        if now is None or now.position is None:
            return now
        play = now.play
        by_clock = play.first + (time.monotonic() - started_at) * play.speed
        return NowPlaying(play, min(by_clock, self._player().position, play.last))

    @property
    def busy(self) -> bool:
        """Whether a sequence is being prepared or played."""
        return self.now() is not None

    def _stop(self) -> int:
        with self._state:
            self._generation += 1
            playing, self._now = self._now, None
            generation = self._generation
        if playing is not None and playing.position is not None:  # else the sequence stops itself once prepared
            self._player().stop()
        if playing is not None:
            self._changed()
        return generation

    def _current(self, generation: int) -> bool:
        with self._state:
            return generation == self._generation

    def _set_now(self, generation: int, now: NowPlaying | None) -> bool:
        with self._state:
            if generation != self._generation:
                return False
            self._now = now
            self._started_at = time.monotonic()
            return True

    def _run(self, plays: list[Play], generation: int) -> None:
        try:
            for item in plays:
                if not self._set_now(generation, NowPlaying(item, None)):
                    return
                done = threading.Event()
                with self._calls:
                    if not self._current(generation):
                        return
                    player = self._player()
                    player.play(
                        item.samples, item.samplerate, speed=item.speed, start=item.start, end=item.end,
                        device=self._device() or None, on_done=done.set,
                    )
                    if not self._set_now(generation, NowPlaying(item, 0.0)):
                        player.stop()  # stopped while the sound was being prepared
                        return
                heard_by = time.monotonic() + item.seconds
                while not done.wait(0.05) or time.monotonic() < heard_by:
                    if not self._current(generation):
                        return
        except Exception as exc:
            self._on_error(exc)
        finally:
            if self._set_now(generation, None):
                self._changed()

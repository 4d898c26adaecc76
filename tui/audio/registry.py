"""The running named recorders of a process, their listeners, and the one thread that tells them.

A :class:`Recorders` registry owns what belongs together: the recorders by name,
the listeners, the bounded event queue every recorder's callback feeds, and the
dispatcher thread that drains it, computes levels and calls the listeners. When
listeners lag, the event queue fills and chunk events are dropped there, never
in the file. :mod:`tui.audio.recorder` keeps one registry for the app and offers
its methods as module functions.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import threading
from collections.abc import Callable
from pathlib import Path

from tui.audio.devices import resolve_input
from tui.audio.events import ChunkEvent, Event, Listener, RecorderFailed, RecorderHandle, Recording
from tui.audio.meter import block_levels
from tui.audio.sources import DeviceSource, FileSource, Source
from tui.audio.writer import BLOCKSIZE, EventItem, Recorder
from tui.errors import AudioError, RecorderError

log = logging.getLogger(__name__)

EVENT_QUEUE_BLOCKS = 32
"""How many chunk events may wait for slow listeners before new ones are dropped."""

_ADJECTIVES = (
    "amber", "brave", "calm", "clever", "coral", "crisp", "dusty", "eager", "fuzzy", "gentle",
    "golden", "happy", "hazel", "jolly", "lively", "lucky", "mellow", "misty", "nimble", "olive",
    "plucky", "quiet", "rapid", "rosy", "rusty", "silver", "sunny", "swift", "tidy", "witty",
)  # fmt: skip
_ANIMALS = (
    "otter", "badger", "beaver", "bison", "crane", "dingo", "eagle", "ferret", "finch", "gecko",
    "heron", "ibis", "koala", "lemur", "lynx", "marten", "moose", "newt", "ocelot", "owl",
    "panda", "puffin", "quail", "raven", "robin", "seal", "stoat", "tapir", "walrus", "wren",
)  # fmt: skip


class Recorders:
    """Named recorders running at once, each on its own channel, and the listeners of their events."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # re-entrant: a signal handler may run stop_all() inside start()
        self._running: dict[str, Recorder] = {}
        self._listeners: list[Listener] = []
        self._events: queue.Queue[EventItem] = queue.Queue(maxsize=EVENT_QUEUE_BLOCKS)
        self._dispatcher: threading.Thread | None = None

    def start(
        self,
        name: str | None,
        device: int | str | None,
        samplerate: int | None,
        *,
        directory: Path,
        input_file: str | os.PathLike[str] | None,
    ) -> RecorderHandle:
        """Start a named recorder writing to ``directory``; see :func:`tui.audio.recorder.start`."""
        with self._lock:
            if name is not None and name in self._running:
                raise RecorderError(f"a recorder named {name!r} is already recording", hint="stop it or choose another name")
            chosen = name if name is not None else self._unused_name()
            used = {recorder.channel for recorder in self._running.values()}
            recorder = Recorder(chosen, min(set(range(len(used) + 1)) - used), directory, self._events)
            source: Source
            if input_file is not None:
                source = FileSource(Path(input_file), BLOCKSIZE, recorder.on_block)
            else:
                info = resolve_input(device)
                rate = int(samplerate or info.default_samplerate)
                source = DeviceSource(info.index, rate, BLOCKSIZE, recorder.on_block)
            try:
                recorder.open(source)
            except AudioError:
                source.stop()
                raise
            self._ensure_dispatcher()
            self._running[chosen] = recorder
        try:
            source.start()
        except AudioError:
            with self._lock:
                self._running.pop(chosen, None)
            recorder.stop().path.unlink(missing_ok=True)
            raise
        return RecorderHandle(chosen, recorder.channel, source.samplerate, recorder.path)

    def stop(self, name: str) -> Recording:
        """Stop recorder ``name`` and return its recording; see :func:`tui.audio.recorder.stop`."""
        with self._lock:
            recorder = self._running.pop(name, None)
            running = ", ".join(sorted(self._running)) or "none"
        if recorder is None:
            raise RecorderError(f"no recorder named {name!r} is recording", hint=f"running recorders: {running}")
        return recorder.stop()

    def stop_all(self, *, errors: list[AudioError] | None = None) -> list[Recording]:
        """Stop every running recorder; see :func:`tui.audio.recorder.stop_all`."""
        with self._lock:
            names = list(self._running)
        stopped = []
        for name in names:
            try:
                stopped.append(self.stop(name))
            except RecorderError:
                continue
            except AudioError as exc:
                log.warning("%s", exc)
                if errors is not None:
                    errors.append(exc)
        return stopped

    def active(self) -> list[str]:
        """Names of the running recorders, in start order."""
        with self._lock:
            return list(self._running)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def fresh_name(self) -> str:
        """A readable name ("amber-otter") no running recorder has; see :func:`tui.audio.recorder.fresh_name`."""
        with self._lock:
            return self._unused_name()

    def _unused_name(self) -> str:
        while True:
            name = f"{random.choice(_ADJECTIVES)}-{random.choice(_ANIMALS)}"
            if name not in self._running:
                return name

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(target=self._dispatch, name="pronounce-recorder-events", daemon=True)
            self._dispatcher.start()

    def _dispatch(self) -> None:
        while True:
            recorder, block, captured_at = self._events.get()
            if block is None:
                assert recorder.failure is not None
                event: Event = RecorderFailed(recorder.channel, recorder.name, recorder.failure)
            else:
                peak, rms, clipped = block_levels(block)
                event = ChunkEvent(
                    channel=recorder.channel, name=recorder.name, samples=block.copy(), data_len=block.size, peak_dbfs=peak,
                    rms_dbfs=rms, clipped=clipped, captured_at=captured_at, samplerate=recorder.source.samplerate,
                )
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception:
                    log.exception("recording listener %r failed", listener)

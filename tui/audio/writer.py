"""One named recorder: the audio callback's three steps, a writer thread, and its files.

The source (PortAudio callback or file pump) calls :meth:`Recorder.on_block`,
which notes overflows, copies the block and ``put_nowait``\\ s it twice: on the
recorder's bounded data queue and on its registry's event queue. The writer
thread drains the data queue into the journal and the FLAC (see
:mod:`tui.audio.journal`), flushing the journal every half second of audio, and
ends on a sentinel. When the device fails, or a write fails (full disk), it
writes nothing more and tells listeners; after a write failure only the journal
is trusted, so the streamed FLAC is removed at once (freeing its space) and
:meth:`Recorder.stop` rebuilds it from the journal, using any space freed in
between. A journal is removed only once its FLAC reads back whole.
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import numpy as np
import soundfile as sf

from tui.audio import journal
from tui.audio.events import Recording
from tui.audio.pcm import to_int16
from tui.audio.sources import Source
from tui.errors import AudioError, DeviceError
from tui.fsio import fsync_path

BLOCKSIZE = 1024
"""Frames per block: 21 ms at 48 kHz."""
DATA_QUEUE_SECONDS = 10.0
"""How much audio the writer may fall behind before blocks are lost (counted as overflows)."""
STALL_SECONDS = 2.0
"""A device that delivers nothing for this long has failed."""
STARTUP_SECONDS = 10.0
"""How long a device may take to deliver its first block (a sound server can be slow to start)."""
DISK_HINT = "free some space, or choose another data folder with --data-dir"

EventItem = tuple["Recorder", np.ndarray | None, float]
"""What a recorder puts on its registry's event queue: itself, a block (None: it failed), the capture time."""


class Recorder:
    """One named recorder: a source, a data queue, a writer thread and its files.

    Parameters
    ----------
    name, channel : str, int
        As in its :class:`~tui.audio.events.RecorderHandle`.
    directory : Path
        Where its files are written.
    events : queue.Queue
        Its registry's event queue: blocks are dropped when it is full, failures wait for room.
    """

    def __init__(self, name: str, channel: int, directory: Path, events: queue.Queue[EventItem]) -> None:
        self.name = name
        self.channel = channel
        self.directory = directory
        self.events = events
        self.overflows = 0
        self.dropped_events = 0
        self.frames = 0
        self.failure: AudioError | None = None
        self.problem = ""
        """What went wrong writing, once it did ("the disk holding … is full")."""
        self.unfinished: BaseException | None = None
        """Why no readable FLAC could be made, when the journal had to be kept."""
        self.last_block = time.monotonic()
        self._sentinel = object()
        self.data: queue.Queue[np.ndarray | object]
        self.source: Source
        self.stem: str
        self.part: Path
        self.journal: journal.Journal
        self.flac: sf.SoundFile
        self.writer = threading.Thread(target=self._write, name=f"pronounce-writer-{name}", daemon=True)

    @property
    def path(self) -> Path:
        """The FLAC this recorder finalises when it stops (known once :meth:`open` claimed its name)."""
        return self.directory / f"{self.stem}.flac"

    def open(self, source: Source) -> None:
        """Attach the source, create the files and start writing.

        Raises
        ------
        AudioError
            When the files cannot be created (full disk, no permission); nothing is left behind.
        """
        self.source = source
        blocks = max(1, int(DATA_QUEUE_SECONDS * source.samplerate / BLOCKSIZE))
        self.data = queue.Queue(maxsize=blocks)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.stem = _claim_stem(self.directory, self.name)
            self.part = self.directory / f"{self.stem}{journal.PART_SUFFIX}"
            self.journal = journal.Journal(journal.journal_path(self.path), source.samplerate)
        except OSError as exc:
            raise AudioError(f"cannot start recording: {journal.write_problem(self.directory, exc)}", hint=DISK_HINT) from exc
        try:
            self.flac = journal.flac_writer(self.part, source.samplerate)
        except (OSError, sf.LibsndfileError) as exc:
            self.journal.close(delete=True)
            self.part.unlink(missing_ok=True)
            raise AudioError(f"cannot start recording: {journal.write_problem(self.directory, exc)}", hint=DISK_HINT) from exc
        self.writer.start()

    def on_block(self, indata: np.ndarray, overflowed: bool) -> None:
        """The audio callback's work: note, copy, ``put_nowait`` — nothing else."""
        now = time.monotonic()
        if overflowed:
            self.overflows += 1
        block = indata[:, 0].copy()
        try:
            self.data.put_nowait(block)
        except queue.Full:
            self.overflows += 1
        try:
            self.events.put_nowait((self, block, now))
        except queue.Full:
            self.dropped_events += 1

    def _write(self) -> None:
        while (item := self._next()) is not self._sentinel:
            if self.failure is None:
                self._store(cast(np.ndarray, item))
        self._finalise()

    def _next(self) -> np.ndarray | object:
        """The next block or the sentinel; meanwhile, notice a device that stopped delivering."""
        while True:
            try:
                return self.data.get(timeout=0.25)
            except queue.Empty:
                if self.failure is None:
                    self._check_device()

    def _store(self, samples: np.ndarray) -> None:
        block = to_int16(samples)
        try:
            self.journal.append(block)
            self.flac.write(block)
        except (OSError, sf.LibsndfileError) as exc:
            self.problem = journal.write_problem(self.directory, exc)
            self._drop_flac()
            self._fail(
                AudioError(
                    f"recorder {self.name!r} stopped writing: {self.problem}",
                    hint=DISK_HINT + "; the recording so far is kept",
                )
            )
            return
        self.frames += block.size
        self.last_block = time.monotonic()

    def _check_device(self) -> None:
        ended = self.source.ended
        stalled = time.monotonic() - self.last_block > (STALL_SECONDS if self.frames else STARTUP_SECONDS)
        if ended or stalled:
            self._fail(
                DeviceError(
                    f"recorder {self.name!r}: the input device " + ("stopped" if ended else "stopped delivering audio"),
                    hint="the recording so far is kept; check the microphone connection and the sound server",
                )
            )

    def _drop_flac(self) -> None:
        """After a write error only the journal is trusted: remove the streamed FLAC now, freeing its space."""
        try:
            self.flac.close()
        except (OSError, sf.LibsndfileError):
            pass
        self.part.unlink(missing_ok=True)

    def _fail(self, error: AudioError) -> None:
        self.failure = error
        self.events.put((self, None, time.monotonic()))

    def _finalise(self) -> None:
        """Publish the FLAC once it reads back whole; else rebuild it from the journal; else keep the journal."""
        target = self.path
        if self.problem:  # a write failed: the streamed FLAC is gone
            self._rebuild(target)
            return
        try:
            self.flac.close()
            if self.frames:  # libsndfile writes nothing before the first block
                fsync_path(self.part)
                if not journal.flac_holds(self.part, self.frames):
                    raise OSError(f"{self.part.name} did not read back whole")
            self.part.replace(target)
            fsync_path(self.directory)
        except (OSError, sf.LibsndfileError):
            self.part.unlink(missing_ok=True)
            self._rebuild(target)
            return
        self.journal.close(delete=True)

    def _rebuild(self, target: Path) -> None:
        """Make the FLAC from the journal (the streamed one is unusable); keep the journal when that fails."""
        try:
            self.frames = journal.rebuild(self.journal.path, target)
            if not self.frames:
                target.touch()
        except (OSError, sf.LibsndfileError) as exc:
            self.unfinished = exc
            self.problem = self.problem or journal.write_problem(self.directory, exc)
            try:
                self.journal.sync()
            except OSError:
                pass
            self.journal.close(delete=False)
            return
        self.journal.close(delete=True)

    def stop(self) -> Recording:
        """Stop the source, let the writer drain, finish the file.

        Raises
        ------
        AudioError
            When no readable FLAC could be made (disk full): the message says
            where the journal is kept.
        """
        self.source.stop()
        while self.writer.is_alive():
            try:
                self.data.put(self._sentinel, timeout=0.1)
                break
            except queue.Full:
                continue
        self.writer.join()
        if self.unfinished is not None:
            seconds = self.journal.frames / self.source.samplerate
            raise AudioError(
                f"recorder {self.name!r} could not finish its file: {self.problem}",
                hint=f"free some space; the recording so far ({seconds:.1f} s) is kept at {self.journal.path} "
                "and recovered the next time pronounce starts",
            ) from self.unfinished
        return Recording(
            name=self.name,
            path=self.path,
            samplerate=self.source.samplerate,
            duration=self.frames / self.source.samplerate,
            overflows=self.overflows,
            dropped_events=self.dropped_events,
            failed=self.failure is not None,
            error=self.failure,
            journal_syncs=self.journal.syncs,
        )


def _claim_stem(directory: Path, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
    stem, n = f"{stamp}-{name}", 1
    while any((directory / f"{stem}{suffix}").exists() for suffix in (".flac", journal.JOURNAL_SUFFIX)):
        n += 1
        stem = f"{stamp}-{name}-{n}"
    return stem

"""Crash-safe recording files: a raw journal beside the streamed FLAC, and recovery from it.

While a recorder runs, every block goes to two files: ``<stem>.flac.part`` (the
FLAC, streamed) and ``<stem>.journal`` (a 16-byte header then raw little-endian
int16 samples, each block written straight to the kernel and flushed to the disk
every :data:`SYNC_SECONDS` of audio). libsndfile's FLAC writer only fills in the
stream length on close, and a FLAC cut by SIGKILL or a full disk does not read
back (its header claims 2^63 frames), whereas the journal is whole up to the last
block handed to the kernel, and up to the last sync after a power loss.

A journal is deleted only once a FLAC of the same audio has been read back
(:func:`flac_holds`) and flushed to the disk. When the streamed FLAC fails that
check, :func:`rebuild` makes one from the journal; when that fails too (the disk
is still full) the journal stays, and :func:`recover` retries at the next start.
The writer holds an exclusive ``flock`` on its journal, so recovery never
touches a recording that is still running.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.errors import AudioError
from tui.fsio import fsync_path

MAGIC = b"PRONJNL1"
_HEADER = struct.Struct("<8sII")  # magic, sample rate, channels
HEADER_SIZE = _HEADER.size
JOURNAL_SUFFIX = ".journal"
PART_SUFFIX = ".flac.part"
SYNC_SECONDS = 0.5
"""The journal is flushed to the disk after at most this much audio: a power loss loses no more than that."""
TAIL_FRAMES = 4096
"""Frames decoded from the end of a FLAC to check its data is really there, not just its header."""
LOW_SPACE_BYTES = 1 << 20
"""Below this much free space, a write that failed without saying why is put down to a full disk."""
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_RECOVER_BLOCK = 1 << 16


def journal_path(flac: Path) -> Path:
    """The crash journal of the recording finalised as ``flac`` (``<stem>.flac`` → ``<stem>.journal``)."""
    return flac.with_name(flac.name.removesuffix(".flac") + JOURNAL_SUFFIX)


def flac_writer(path: Path, samplerate: int) -> sf.SoundFile:
    """Open a mono 16-bit FLAC for streaming writes (the name as bytes: data folders need not be UTF-8)."""
    return sf.SoundFile(os.fsencode(path), "w", samplerate=samplerate, channels=1, format="FLAC", subtype="PCM_16")


def flac_holds(path: Path, frames: int) -> bool:
    """Whether ``path`` reads back as a FLAC of exactly ``frames`` frames.

    The header's count is compared and the last :data:`TAIL_FRAMES` frames are
    decoded: a FLAC whose data did not reach the disk may still have a correct
    header. Decoding only the tail keeps this to a millisecond for any length.
    """
    try:
        with sf.SoundFile(os.fsencode(path)) as flac:
            if flac.frames != frames:
                return False
            tail = min(frames, TAIL_FRAMES)
            flac.seek(frames - tail)
            return len(flac.read(tail, dtype="int16")) == tail
    except (sf.LibsndfileError, RuntimeError, OSError):
        return False


def write_problem(folder: Path, exc: BaseException) -> str:
    """What went wrong writing in ``folder``: "the disk holding … is full", or the system's reason."""
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        return f"the disk holding {folder} is full"
    try:
        full = shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        full = False
    if full:  # libsndfile reports a failed write without its errno
        return f"the disk holding {folder} is full"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot write to {folder}: {reason}"


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]


class Journal:
    """An open, locked journal file that blocks are appended to.

    Parameters
    ----------
    path : Path
        The journal file; it must not exist yet. When it cannot be created
        whole (full disk), nothing is left behind.
    samplerate : int
        Rate of the samples, kept in the header for recovery.
    sync_seconds : float
        Flush to the disk after this much audio.

    Attributes
    ----------
    frames : int
        Samples appended so far.
    syncs : int
        How many times the journal was flushed to the disk.
    """

    def __init__(self, path: Path, samplerate: int, *, sync_seconds: float = SYNC_SECONDS) -> None:
        self.path = path
        self.frames = 0
        self.syncs = 0
        self._sync_every = max(1, round(sync_seconds * samplerate))
        self._unsynced = 0
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _write_all(self._fd, memoryview(_HEADER.pack(MAGIC, samplerate, 1)))
        except OSError:
            os.close(self._fd)
            path.unlink(missing_ok=True)
            raise

    def append(self, block: np.ndarray) -> None:
        """Append int16 samples: they survive a kill once this returns, a power loss after the next sync."""
        _write_all(self._fd, np.ascontiguousarray(block, dtype="<i2").data.cast("B"))
        self.frames += block.size
        self._unsynced += block.size
        if self._unsynced >= self._sync_every:
            self.sync()

    def sync(self) -> None:
        """Flush what was appended to the disk (the first time, the folder entry too)."""
        os.fsync(self._fd)
        if not self.syncs:
            fsync_path(self.path.parent)
        self.syncs += 1
        self._unsynced = 0

    def close(self, *, delete: bool) -> None:
        """Release the lock; remove the file when its FLAC is safely in place."""
        if delete:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)


def _locked_by_someone(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def journal_frames(journal: Path) -> tuple[int, int]:
    """(sample rate, frames) a journal holds; (0, 0) when it is not a journal or holds no audio."""
    with journal.open("rb") as source:
        header = source.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        return 0, 0
    magic, samplerate, channels = _HEADER.unpack(header)
    if magic != MAGIC or channels != 1 or samplerate <= 0:
        return 0, 0
    return samplerate, (journal.stat().st_size - HEADER_SIZE) // 2


def rebuild(journal: Path, target: Path) -> int:
    """Write ``target`` from ``journal``, read it back and flush it; return its frames (0: no audio, no file).

    Raises
    ------
    OSError, soundfile.LibsndfileError
        When the FLAC cannot be written or does not read back (a full disk);
        ``target`` and the journal are then as they were.
    """
    samplerate, frames = journal_frames(journal)
    if not frames:
        return 0
    staging = target.with_name(target.name + ".recovering")
    try:
        with journal.open("rb") as source, flac_writer(staging, samplerate) as flac:
            source.seek(HEADER_SIZE)
            left = frames * 2
            while left and (chunk := source.read(min(left, _RECOVER_BLOCK * 2))):
                flac.write(np.frombuffer(chunk, dtype="<i2"))
                left -= len(chunk)
        fsync_path(staging)
        if not flac_holds(staging, frames):
            raise OSError(errno.EIO, f"{staging.name} did not read back whole")
        staging.replace(target)
        fsync_path(target.parent)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return frames


def recover(directory: str | os.PathLike[str]) -> list[Path]:
    """Finalise recordings in ``directory`` that were cut short by a kill, a power loss or a full disk.

    Every journal not held by a running recorder (of any process) becomes a
    readable ``<stem>.flac`` holding everything written before the cut; the
    journal and the unfinished FLAC are then removed. A finished FLAC that
    already reads back whole is kept as it is; a journal with no audio is removed
    without a file. A journal whose FLAC cannot be written (the disk is still
    full) is kept for the next call; the others are recovered all the same.

    Returns
    -------
    list of Path
        The recovered FLAC files, sorted by name.

    Raises
    ------
    AudioError
        After trying every journal, when some could not be recovered; the
        message says where they are kept.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return []
    recovered, kept, problem = [], [], ""
    for journal in sorted(folder.glob(f"*{JOURNAL_SUFFIX}")):
        if _locked_by_someone(journal):
            continue
        stem = journal.name.removesuffix(JOURNAL_SUFFIX)
        target = folder / f"{stem}.flac"
        part = folder / f"{stem}{PART_SUFFIX}"
        frames = journal_frames(journal)[1]
        if frames and not flac_holds(target, frames):
            # Every block reached the journal before the FLAC: a FLAC that does not
            # hold all of it is never better, and its space may be needed.
            part.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            try:
                rebuild(journal, target)
            except (OSError, sf.LibsndfileError) as exc:
                kept.append(journal)
                problem = write_problem(folder, exc)
                continue
            recovered.append(target)
        part.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
    if kept:
        raise AudioError(
            f"could not recover {len(kept)} interrupted recording(s): {problem}",
            hint=f"free some space; kept as {', '.join(p.name for p in kept)} in {folder}, "
            "recovered the next time pronounce starts",
        )
    return recovered

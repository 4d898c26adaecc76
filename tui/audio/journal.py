"""Crash-safe recording files: a raw journal beside the streamed FLAC, and recovery from it.

While a recorder runs, every block goes to two files: ``<stem>.flac.part`` (the
FLAC, streamed) and ``<stem>.journal`` (a 16-byte header then raw little-endian
int16 samples, each block written straight to the kernel). libsndfile's FLAC
writer only fills in the stream length on close, and a FLAC cut by SIGKILL does
not read back with libsndfile, whereas the journal is whole up to the last block
handed to the kernel. On a clean stop the FLAC is closed and renamed to
``<stem>.flac`` and the journal deleted; after a kill, :func:`recover` rebuilds
the FLAC from the journal. The writer holds an exclusive ``flock`` on its
journal, so recovery never touches a recording that is still running.
"""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

MAGIC = b"PRONJNL1"
_HEADER = struct.Struct("<8sII")  # magic, sample rate, channels
HEADER_SIZE = _HEADER.size
JOURNAL_SUFFIX = ".journal"
PART_SUFFIX = ".flac.part"
_RECOVER_BLOCK = 1 << 16


def flac_writer(path: Path, samplerate: int) -> sf.SoundFile:
    """Open a mono 16-bit FLAC for streaming writes."""
    return sf.SoundFile(path, "w", samplerate=samplerate, channels=1, format="FLAC", subtype="PCM_16")


class Journal:
    """An open, locked journal file that blocks are appended to.

    Parameters
    ----------
    path : Path
        The journal file; it must not exist yet.
    samplerate : int
        Rate of the samples, kept in the header for recovery.
    """

    def __init__(self, path: Path, samplerate: int) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(self._fd, _HEADER.pack(MAGIC, samplerate, 1))

    def append(self, block: np.ndarray) -> None:
        """Append int16 samples; they survive a kill of this process once this returns."""
        data = np.ascontiguousarray(block, dtype="<i2").data.cast("B")
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def close(self, *, delete: bool) -> None:
        """Release the lock; remove the file when the FLAC is safely in place."""
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


def _rebuild(journal: Path, target: Path) -> bool:
    """Write ``target`` from ``journal``; False when the journal holds no usable audio."""
    with journal.open("rb") as source:
        header = source.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE:
            return False
        magic, samplerate, channels = _HEADER.unpack(header)
        if magic != MAGIC or channels != 1 or samplerate <= 0:
            return False
        if journal.stat().st_size < HEADER_SIZE + 2:
            return False
        staging = target.with_name(target.name + ".recovering")
        with flac_writer(staging, samplerate) as flac:
            while chunk := source.read(_RECOVER_BLOCK * 2):
                usable = len(chunk) - len(chunk) % 2
                flac.write(np.frombuffer(chunk[:usable], dtype="<i2"))
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        staging.replace(target)
    return True


def recover(directory: str | os.PathLike[str]) -> list[Path]:
    """Finalise recordings in ``directory`` that were cut short by a kill or a power loss.

    Every journal not held by a running recorder (of any process) becomes a
    readable ``<stem>.flac`` holding everything written before the kill; the
    journal and the unfinished FLAC are then removed. A journal whose FLAC was
    already finalised is just removed; one with no audio is removed without a
    file.

    Returns
    -------
    list of Path
        The recovered FLAC files, sorted by name.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return []
    recovered = []
    for journal in sorted(folder.glob(f"*{JOURNAL_SUFFIX}")):
        if _locked_by_someone(journal):
            continue
        stem = journal.name.removesuffix(JOURNAL_SUFFIX)
        target = folder / f"{stem}.flac"
        if not target.exists() and _rebuild(journal, target):
            recovered.append(target)
        (folder / f"{stem}{PART_SUFFIX}").unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
    return recovered

"""Durable file writes: the one atomic-write helper every part of pronounce uses.

A file is written beside its final name, flushed to disk, then renamed over it,
and the folder entry is flushed too. A failure (or a kill) at any point leaves
either the old file or the new one, never half of one, and no temporary file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644
"""Mode of files written atomically: ``mkstemp`` makes 0600, but packs, exports and settings are shared files."""


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: Path, *, mode: int = FILE_MODE) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, it becomes ``path``.

    Write the whole file to the yielded path (with any library that takes a
    path). On success it is fsynced, given ``mode``, renamed over ``path`` and
    the folder is fsynced; on any failure it is removed and ``path`` is
    untouched.

    Raises
    ------
    OSError
        The folder is missing or not writable, the disk is full, ``path`` is a folder...
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    staged = Path(temporary)
    try:
        yield staged
        os.chmod(staged, mode)
        fsync_path(staged)
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def atomic_write(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, mode=mode) as staged:
        staged.write_bytes(data)

"""Files the way every part of pronounce touches them: resolved, durable, never a surprise.

- :func:`resolved` is the one way a path given by a user is made absolute: links
  and ``..`` are resolved first, so "exists", "is empty" and "is inside" checks
  see the place that will really be written (``pack/missing/..`` is ``pack``).
- :func:`atomic_output` writes a file beside its final name, flushes it, then
  renames it over the old one: a failure, an exception or a signal at any point
  leaves the old file or the new one, never half of one, and no temporary file.
- :func:`output` is :func:`atomic_output` for outputs a user names: a folder is
  refused, a pipe nobody reads is refused instead of hanging, a device is written
  directly.
- :func:`read_regular` reads a small settings-like file without ever blocking on
  a pipe or device, and without reading a runaway file whole.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644
"""Mode of files written atomically: ``mkstemp`` makes 0600, but packs, exports and settings are shared files."""
TEMP_STEM = 40
"""Characters of the final name kept in a temporary name: a 250-character name still leaves room for the rest."""


class NotAFileError(OSError):
    """A path names a folder, pipe, device or socket where a regular file is needed; ``kind`` says which."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a file", str(path))
        self.kind = kind


def kind_of(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, in words: "a folder", "a named pipe (FIFO)"..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a regular file"


def resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute with ``~``, symbolic links and ``..`` resolved, as far as it exists.

    Raises
    ------
    OSError
        ``ELOOP`` for a loop of symbolic links; ``ENAMETOOLONG`` and the like
        from the system.
    """
    try:
        return Path(path).expanduser().resolve()
    except RuntimeError as exc:  # a symlink loop (Python 3.11), or "~user" naming no user
        raise OSError(errno.ELOOP, str(exc), os.fspath(path)) from exc


def output_target(path: str | os.PathLike[str]) -> Path:
    """Where writing the output ``path`` lands: its folder resolved, its own name kept.

    The last component is not resolved, so ``/dev/stdout`` stays a name for the
    standard output (not ``/proc/<pid>/fd/pipe:[…]``) and a link is replaced, not
    followed; a last component of ``..`` or ``.`` is resolved like the rest.
    """
    given = Path(path).expanduser()
    if given.name in ("", ".", ".."):
        return resolved(given)
    return resolved(given.parent) / given.name


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_prefix(name: str) -> str:
    """The prefix of a temporary file standing in for ``name``: hidden, recognisable, short enough."""
    return f".{name[:TEMP_STEM]}."


@contextmanager
def folders_made(folder: Path) -> Iterator[None]:
    """Create ``folder`` and its missing parents; when the block fails, remove those it created again.

    So a refused or interrupted output leaves no empty folders behind either.

    Raises
    ------
    OSError
        A parent is a file, or the folder cannot be created.
    """
    missing = []
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for made in missing:  # deepest first
            try:
                made.rmdir()
            except OSError:
                break
        raise


@contextmanager
def atomic_output(path: Path, *, mode: int = FILE_MODE) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, it becomes ``path``.

    Write the whole file to the yielded path (with any library that takes a
    path). On success it is fsynced, given ``mode``, renamed over ``path`` and
    the folder is fsynced; on any failure (an exception, ``KeyboardInterrupt``
    or a signal turned into one) it is removed and ``path`` is untouched.

    Raises
    ------
    OSError
        The folder is missing or not writable, the disk is full, ``path`` is a folder...
    """
    handle, temporary = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=".tmp", dir=path.parent)
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


@contextmanager
def output(path: Path) -> Iterator[Path]:
    """Yield where to write the output ``path``; a regular or new file is replaced only when the block succeeds.

    ``path`` is resolved first and missing folders are created. A new or
    regular file is written atomically (see :func:`atomic_output`). A device
    (``/dev/null``) or a pipe with a reader (``/dev/stdout`` piped into another
    program) is written directly. The temporary file is made before the block
    runs, so a long job does not fail at its end for an unwritable folder.

    Raises
    ------
    NotAFileError
        ``path`` is a folder or socket, or a pipe nobody reads (writing would hang).
    OSError
        ``path`` lies under a file, cannot be written, the disk is full...
    """
    target = output_target(path)
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is None or stat.S_ISREG(mode):
        with folders_made(target.parent), atomic_output(target) as staged:
            yield staged
        return
    if stat.S_ISDIR(mode) or stat.S_ISSOCK(mode):
        raise NotAFileError(target, kind_of(mode))
    try:  # a pipe opened without a reader would block forever; O_NONBLOCK fails at once instead
        held = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise NotAFileError(target, "a named pipe (FIFO) that nothing reads") from exc
        raise
    try:  # kept open while the block writes, so the reader does not see the end of its input in between
        yield target
    finally:
        os.close(held)


def read_regular(path: Path, *, limit: int, follow: bool = True) -> bytes:
    """The content of the regular file ``path``, refusing what is not one, without ever blocking.

    Parameters
    ----------
    path : Path
        The file to read.
    limit : int
        Largest size in bytes; a larger file raises ``EFBIG``.
    follow : bool
        Follow a symbolic link (False: a link raises ``ELOOP``).

    Raises
    ------
    FileNotFoundError
        There is no such file.
    NotAFileError
        It is a folder, pipe, device or socket.
    OSError
        It cannot be read, is larger than ``limit`` (``EFBIG``), or is a link and ``follow`` is False.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise NotAFileError(path, kind_of(info.st_mode))
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"it is {info.st_size} bytes, more than {limit}", str(path))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"it is more than {limit} bytes", str(path))
    return data

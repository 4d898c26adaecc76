"""Durable file moves for the recordings folder: place, fsync, undo; files no row holds, set aside.

A recording is placed before its row commits, so every committed row points at
a file that is already on disk (fsynced, and so is its folder entry).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from tui.errors import StoreError
from tui.fsio import fsync_path, kind_of, resolved

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def open_data_dir(data_dir: str | os.PathLike[str]) -> Path:
    """The data dir resolved (links and ``..``), created when missing.

    It is resolved once, here: every path of the store is then checked against
    the real folder, and nothing is followed out of it.

    Raises
    ------
    StoreError
        It is a file (or a pipe...), or cannot be created.
    """
    try:
        folder = resolved(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise StoreError(f"the data dir {data_dir} is {kind_of(os.stat(data_dir).st_mode)}, not a folder",
                         hint="pass a folder as --data-dir (or PRONOUNCE_DATA_DIR)") from exc
    except OSError as exc:
        raise StoreError(
            f"cannot create the data dir {data_dir}: {exc.strerror or exc}",
            hint="pass a writable --data-dir (or set PRONOUNCE_DATA_DIR)",
        ) from exc
    return folder


def check_inside(folder: Path, recordings: Path, *, what: str) -> None:
    """Refuse to write into ``folder`` when a symbolic link leads it out of ``recordings`` (``what``: the outcome)."""
    try:
        outside = folder.exists() and not resolved(folder).is_relative_to(resolved(recordings))
    except OSError:
        outside = True
    if outside:
        raise StoreError(f"the recordings folder {folder} is a link out of {recordings}; {what}",
                         hint="pronounce never writes through links out of its data dir: replace the link with a folder")


def safe_name(text: str, *, limit: int = 48) -> str:
    """``text`` as one file-name component: ASCII letters, digits, ``._-`` only.

    Parameters
    ----------
    text : str
        A pack or phrase id, a recorder name.
    limit : int
        Longest result, in characters.

    Returns
    -------
    str
        Never empty, never ``.`` or ``..``, never starting with a dot.
    """
    cleaned = _UNSAFE.sub("_", text).strip("._")[:limit]
    return cleaned or "_"


@dataclass(frozen=True)
class Placement:
    """Where :func:`place` put a recording and how to finish or undo that.

    Attributes
    ----------
    source, dest : Path
        Where the recording was, and where it is now.
    moved : bool
        True when the file was renamed (the source is gone), False when copied.
    drop_source : bool
        A copy whose source :func:`finish` removes once the row is committed.
    """

    source: Path
    dest: Path
    moved: bool
    drop_source: bool


def place(source: Path, dest: Path, *, keep_source: bool) -> Placement:
    """Move (or copy) ``source`` to ``dest`` and make it durable.

    The move is a rename when both sit on one file system; across file systems,
    or when ``keep_source`` is set, the file is copied to ``dest.part``, fsynced,
    then renamed, and the source stays until :func:`finish`. The file and the
    folders it left and entered are fsynced.

    Parameters
    ----------
    source : Path
        An existing file.
    dest : Path
        A path that does not exist yet; its folders are created.
    keep_source : bool
        Copy instead of move: ``source`` stays where it is for good.

    Returns
    -------
    Placement
        For :func:`finish` once the row is committed, or :func:`unplace` if not.

    Raises
    ------
    OSError
        Disk full, permission denied, ...; ``source`` is then untouched and no
        partial ``dest`` is left behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        raise FileExistsError(errno.EEXIST, "a recording already exists there", str(dest))
    if not keep_source:
        try:
            os.rename(source, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        else:
            try:
                fsync_path(dest)
                fsync_path(dest.parent)
                fsync_path(source.parent)
            except OSError:
                os.rename(dest, source)
                raise
            return Placement(source, dest, moved=True, drop_source=False)
    partial = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(source, partial)
        fsync_path(partial)
        os.rename(partial, dest)
        fsync_path(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        dest.unlink(missing_ok=True)
        raise
    return Placement(source, dest, moved=False, drop_source=not keep_source)


def finish(placement: Placement) -> None:
    """Remove the source of a cross-file-system move once its row is committed.

    Best effort: a source that cannot be removed is a harmless duplicate.
    """
    if placement.drop_source:
        try:
            placement.source.unlink(missing_ok=True)
        except OSError:
            return


def unplace(placement: Placement) -> Path:
    """Undo :func:`place` as far as possible; return where the recording now is.

    A renamed file goes back to its source; a copy is removed (its source was
    kept). When that fails too the recording stays at ``dest`` and
    :meth:`AttemptStore.reconcile` later files it under ``recordings/orphans``.
    """
    try:
        if placement.moved:
            os.rename(placement.dest, placement.source)
        else:
            placement.dest.unlink()
    except OSError:
        return placement.dest
    return placement.source


def unique_path(path: Path) -> Path:
    """``path``, or ``path`` with ``-1``, ``-2``... before its suffix when taken."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def names_a_file(data_dir: Path, audio: object) -> bool:
    """True when a row's ``audio`` path names a file in ``data_dir`` (False for paths the OS refuses)."""
    try:
        return (data_dir / str(audio)).is_file()
    except (OSError, ValueError):
        return False


def unreferenced(data_dir: Path, recordings: Path, referenced: set[str], *, skip: Collection[str]) -> Iterator[Path]:
    """Regular files under ``recordings`` (outside its ``skip`` folders) whose data-dir-relative path no row holds.

    Symbolic links are never followed nor returned: pronounce makes none, and
    one leading out of the data dir must not bring other files in.
    """
    if not recordings.is_dir():
        return
    for entry in sorted(recordings.iterdir()):
        if entry.is_symlink() or (entry.is_dir() and entry.name in skip):
            continue
        for path in [entry] if not entry.is_dir() else _files_under(entry):
            if _is_regular(path) and path.relative_to(data_dir).as_posix() not in referenced:
                yield path


def _files_under(folder: Path) -> Iterator[Path]:
    """Every entry below ``folder`` that is not a folder, in name order, never descending into a linked folder."""
    for parent, subfolders, names in os.walk(folder):
        subfolders.sort()
        for name in sorted(names):
            yield Path(parent) / name


def _is_regular(path: Path) -> bool:
    """A regular file itself, not a link to one (False when it vanished meanwhile)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def set_aside(path: Path, recordings: Path, orphans: Path) -> Path:
    """Move ``path`` from under ``recordings`` to the same place under ``orphans``; return where it went.

    Raises
    ------
    StoreError
        The file could not be moved, or the orphans folder leads out of ``recordings``.
    """
    target = unique_path(orphans / path.relative_to(recordings))
    try:
        for folder in (orphans, target.parent):  # before and after making the folders: never through a link out
            if os.path.lexists(folder) and not resolved(folder).is_relative_to(resolved(recordings)):
                raise StoreError(f"the orphans folder {folder} is a link out of {recordings}; nothing was moved",
                                 hint="pronounce never moves files through links out of its data dir: "
                                 "replace the link with a folder")
            target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, target)
        fsync_path(target.parent)
    except OSError as exc:
        raise StoreError(
            f"cannot move the unsaved recording {path} to {target.parent}: {exc.strerror}",
            hint=f"make {recordings} writable, or move the file away by hand",
        ) from exc
    return target

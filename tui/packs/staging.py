"""Where an imported pack is built and how it lands: a temporary folder beside the target, moved in whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.errors import PackError
from tui.fsio import folders_made, resolved
from tui.packs.ids import id_problem


@contextmanager
def import_folder(target: Path | None, source: Path) -> Iterator[tuple[Path | None, Path]]:
    """``(target resolved, a temporary folder to build the pack in)``, beside where it will land.

    ``target`` [default: beside ``source``] is resolved first and refused when
    it exists; the temporary folder, and any folder made for it, is removed
    however the block ends.
    """
    chosen = None
    try:
        if target is not None:
            chosen = resolved(target)
            if os.path.lexists(target) or os.path.lexists(chosen):  # a link there, even a dangling one, is taken
                raise PackError(f"{chosen} already exists", hint="choose another folder with --to, or remove it")
        parent = chosen.parent if chosen is not None else resolved(source).parent
        with folders_made(parent):
            staging = Path(tempfile.mkdtemp(prefix=".pronounce-import.", dir=parent))
            try:
                yield chosen, staging
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise unwritable(chosen or source.parent, exc) from exc


def place(built: Path, target: Path | None, default_parent: Path, name: str) -> Path:
    """Move the finished pack to ``target``, or to ``default_parent/name`` — which must stay in that folder."""
    if target is None:
        default_parent = resolved(default_parent)
        target = default_parent / name
        if id_problem(name) or target.resolve().parent != default_parent:
            raise PackError(f"the pack id {name!r} does not name a folder inside {default_parent}; nothing was imported",
                            hint="choose the folder with --to")
    if os.path.lexists(target):
        raise PackError(f"{target} already exists", hint="choose another folder with --to, or remove it")
    try:
        os.replace(built, target)
    except OSError as exc:
        raise unwritable(target, exc) from exc
    return target


def unwritable(path: Path, exc: Exception) -> PackError:
    """The error for a pack folder or file that cannot be written."""
    return PackError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}",
                     hint="choose a folder you can write to, with free space; nothing was left half-written")

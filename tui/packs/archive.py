"""Safe ``.zip`` handling for packs: checks before extracting, nothing left behind on refusal.

A pack archive is refused when an entry's name is absolute, holds ``..`` or a
drive, is nested more than :data:`MAX_DEPTH` folders deep, when an entry is a
link or encrypted, when it has more than :data:`MAX_FILES` entries or unpacks
to more than :data:`MAX_BYTES` (counted while writing, so lying headers do not
help). Extraction goes to a temporary sibling folder that is
renamed into place only when complete.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import platformdirs

from tui.errors import PackError
from tui.fsio import output, temporary_prefix

MAX_FILES = 10_000
MAX_DEPTH = 16
"""A pack is ``<id>/audio/<file>``: folders nested deeper are not a pack's."""
_ENCRYPTED = 0x1
"""Bit 0 of a zip entry's general-purpose flags: the entry is encrypted."""
MAX_BYTES = 500 * 1024 * 1024
_CHUNK = 1 << 20
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error,
               lzma.LZMAError)
"""What a damaged or hostile archive makes :mod:`zipfile` raise (RuntimeError: a password or an unknown method)."""


def is_unsafe_name(name: str) -> bool:
    """True when the zip entry ``name`` is absolute, holds ``..`` or names a drive."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or ".." in parts or bool(parts and ":" in parts[0])


def _check_entries(archive: zipfile.ZipFile, source: Path) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > MAX_FILES:
        raise PackError(f"{source} holds {len(entries)} files, more than {MAX_FILES}", hint="a pack needs far fewer files; check the archive")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_BYTES:
        raise PackError(f"{source} unpacks to {total / 1e6:.0f} MB, more than {MAX_BYTES // (1024 * 1024)} MB",
                        hint="use compressed audio (FLAC) and fewer files")
    for entry in entries:
        name = entry.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if is_unsafe_name(name):
            raise PackError(f"{source} has an unsafe entry {name[:80]!r} (absolute or with '..')",
                            hint="only import archives made by `pronounce pack export`")
        if len(parts) > MAX_DEPTH or "\0" in name:
            raise PackError(f"{source} has an entry nested {len(parts)} folders deep (at most {MAX_DEPTH})",
                            hint="only import archives made by `pronounce pack export`")
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise PackError(f"{source} has a link entry {name[:80]!r}", hint="replace links with the files themselves")
        if entry.flag_bits & _ENCRYPTED:
            raise PackError(f"{source} has an encrypted entry {name[:80]!r}",
                            hint="export the pack again without a password")
    return entries


def extract_zip(source: Path, destination: Path) -> None:
    """Extract ``source`` into the new folder ``destination``, or refuse and leave nothing.

    Raises
    ------
    PackError
        The file is not a zip, an entry is unsafe, or the limits are exceeded.
    """
    if destination.exists():
        raise PackError(f"{destination} already exists", hint="choose another folder with --to, or remove it")
    if not source.is_file():
        raise PackError(f"{source} is not a regular file", hint="give a .zip file")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=temporary_prefix(destination.name), dir=destination.parent))
    except OSError as exc:
        raise PackError(f"cannot write in {destination.parent}: {exc.strerror}",
                        hint="choose a folder you can write to") from exc
    try:
        try:
            archive = zipfile.ZipFile(source)
        except ZIP_ERRORS as exc:
            raise PackError(f"{source} is not a readable zip: {exc}", hint="export it again with `pronounce pack export`") from exc
        with archive:
            written = 0
            for entry in _check_entries(archive, source):
                target = staging.joinpath(*PurePosixPath(entry.filename.replace("\\", "/")).parts)
                if entry.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as reader, open(target, "xb") as writer:
                    while chunk := reader.read(_CHUNK):
                        written += len(chunk)
                        if written > MAX_BYTES:
                            raise PackError(f"{source} unpacks to more than {MAX_BYTES // (1024 * 1024)} MB",
                                            hint="use compressed audio (FLAC) and fewer files")
                        writer.write(chunk)
        os.replace(staging, destination)
    except ZIP_ERRORS as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackError(f"cannot extract {source}: {getattr(exc, 'strerror', None) or exc}",
                        hint="export it again with `pronounce pack export`") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def pack_root(folder: Path) -> Path:
    """The folder holding ``pack.toml``: ``folder`` itself or its single sub-folder."""
    if (folder / "pack.toml").is_file():
        return folder
    children = [child for child in folder.iterdir() if not child.name.startswith(".")]
    if len(children) == 1 and children[0].is_dir() and (children[0] / "pack.toml").is_file():
        return children[0]
    return folder


def open_zip_pack(source: Path) -> Path:
    """Extract the ``.zip`` pack once into the user cache and return the folder holding ``pack.toml``.

    The cache folder is named after the archive's SHA-256, so a changed archive is
    extracted afresh and an unchanged one is reused.
    """
    digest = hashlib.sha256()
    if not source.is_file():
        raise PackError(f"{source} is not a regular file", hint="give a pack folder or a .zip file")
    try:
        with open(source, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise PackError(f"cannot read {source}: {exc}", hint="check the path and its permissions") from exc
    cache = Path(platformdirs.user_cache_dir("pronounce")) / "packs" / digest.hexdigest()[:24]
    if not cache.is_dir():
        try:
            extract_zip(source, cache)
        except PackError:
            if not cache.is_dir():  # else another process extracted it first
                raise
    return pack_root(cache)


def write_zip(folder: Path, out: Path, *, prefix: str) -> None:
    """Zip every regular file under ``folder`` (links and hidden files skipped) into ``out``, atomically.

    Raises
    ------
    OSError
        ``out`` cannot be written (permissions, disk full, a folder: see
        :func:`tui.fsio.output`); it is then unchanged.
    """
    with output(out) as staged, zipfile.ZipFile(staged, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):  # does not descend into linked folders
            relative = path.relative_to(folder)
            if path.is_symlink() or not path.is_file() or any(p.startswith(".") for p in relative.parts):
                continue
            archive.write(path, f"{prefix}/{relative.as_posix()}")

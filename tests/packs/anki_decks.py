"""Anki decks made by Anki itself (its Python library, the code the desktop app runs) and hand-made hostile packages.

:func:`make_deck` builds a collection with Anki's own note types (Basic, Basic
(and reversed card), Cloze, or a Cloze copy with an Audio field), adds media
and exports an ``.apkg`` in the legacy (``collection.anki21``) or the current
(zstd ``collection.anki21b``) format. :func:`rezip` rewrites a package's
entries, for hostile variants.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import zstandard
from anki.collection import Collection, ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest

SR = 16000


def sound(path: Path, seconds: float = 0.8, *, pitch: float = 220.0, fmt: str = "MP3") -> Path:
    """A voiced, syllable-like test sound (a tone with a slow envelope) written as ``fmt``."""
    t = np.arange(int(seconds * SR)) / SR
    envelope = np.sin(np.pi * t / seconds) ** 2 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    samples = (0.3 * envelope * np.sin(2 * np.pi * pitch * t)).astype(np.float32)
    sf.write(path, samples, SR, format=fmt)
    return path


def make_deck(out: Path, notetype: str, notes: Sequence[dict[str, str]], *, deck: str = "Spanish",
              media: Sequence[Path] = (), legacy: bool = False, extra_field: str | None = None,
              tags: Sequence[str] = (), note_decks: Sequence[str] = ()) -> Path:
    """Export an ``.apkg`` made by Anki: ``notes`` (field name → HTML) of ``notetype`` in ``deck``.

    ``note_decks`` puts each note in a deck of its own choosing instead.

    ``extra_field`` adds a field to a copy of the note type (a Cloze with an
    Audio field, as shared decks often have).
    """
    work = out.parent / f".{out.stem}-collection"
    work.mkdir(parents=True, exist_ok=True)
    col = Collection(str(work / "collection.anki2"))
    try:
        model = col.models.by_name(notetype)
        if extra_field:
            model = col.models.copy(model, add=False)
            model["name"] = f"{notetype} with {extra_field}"
            col.models.add_field(model, col.models.new_field(extra_field))
            col.models.add(model)
            model = col.models.by_name(model["name"])
        for path in media:
            col.media.add_file(str(path))
        for index, fields in enumerate(notes):
            note = col.new_note(model)
            for name, value in fields.items():
                note[name] = value
            note.tags = list(tags)
            col.add_note(note, col.decks.id(note_decks[index] if note_decks else deck))
        options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy)
        col.export_anki_package(out_path=str(out), options=options, limit=None)
    finally:
        col.close()
    return out


def anki_import(package: Path, collection: Path) -> Collection:
    """A new Anki collection at ``collection`` with ``package`` imported by Anki; close it when done."""
    collection.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(collection))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package),
                                                     options=ImportAnkiPackageOptions(with_scheduling=False)))
    return col


def anki_export(col: Collection, out: Path, *, legacy: bool = False) -> Path:
    """Export every deck of ``col`` as an ``.apkg`` the way Anki's File › Export does."""
    options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy)
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def entries(package: Path) -> dict[str, bytes]:
    """Every entry of a zip, by name."""
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(package: Path, out: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """Write ``out`` with the entries of ``package`` as ``change`` returns them."""
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in change(entries(package)).items():
            archive.writestr(name, data)
    return out


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def protobuf_media(names: Sequence[str]) -> bytes:
    """A ``MediaEntries`` message naming ``names`` (entry i is zip entry ``str(i)``)."""
    out = io.BytesIO()
    for name in names:
        raw = name.encode()
        entry = b"\x0a" + bytes([len(raw)]) + raw
        out.write(b"\x0a" + bytes([len(entry)]) + entry)
    return out.getvalue()

"""The zip around an Anki collection (``.apkg``): which collection it holds, its media, read through byte caps.

Three package versions exist, and all three are read:

- 1: ``collection.anki2`` (Anki 2.0, genanki) and a JSON media map;
- 2: ``collection.anki21`` (Anki 2.1, "support older Anki versions"), a stub
  ``collection.anki2`` beside it, a JSON media map;
- 3: ``collection.anki21b`` (Anki 2.1.50+ by default): the collection, the media
  map (protobuf) and every media file are zstd-compressed, and a ``meta`` entry
  (protobuf) names the version. A ``meta`` naming any other version (a newer
  Anki) is refused.

Nothing is extracted under a name the package chooses: entries are read by the
names this module asks for, each through a byte cap counted while reading, so
lying headers and compression bombs stop at the cap. A package whose entry names
or media names hold paths (``../x``, ``/etc/x``), links or encryption is refused
whole, as Anki itself refuses it.
"""

from __future__ import annotations

import json
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import zstandard

from tui.errors import PackError
from tui.packs.archive import ZIP_ERRORS, is_unsafe_name

COLLECTIONS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
"""The collection entry of each package version (``meta``'s ``version`` field)."""
MAX_ENTRIES = 200_000
"""Entries in one package: a deck of 50,000 notes with a sound and a picture each is well below."""
MAX_COLLECTION_BYTES = 512 * 1024 * 1024
"""The collection, uncompressed: a whole collection of 100,000 notes is ~100 MB."""
MAX_MEDIA_BYTES = 32 * 1024 * 1024
"""One sound file, uncompressed: a phrase's recording is tens of kB."""
MAX_MAP_BYTES = 64 * 1024 * 1024
"""The media map (and ``meta``), uncompressed."""
MAX_WINDOW = 1 << 27
"""Largest zstd window accepted (128 MiB of decoder memory; Anki's frames use far less)."""
EXPORT_HINT = "export the deck again from Anki (File › Export, Anki Deck Package)"
_CHUNK = 1 << 20
_ENCRYPTED = 0x1


class AnkiPackage:
    """An open ``.apkg``: its version, collection entry and media map (sound name → zip entry).

    Use as a context manager; :meth:`copy_collection` and :meth:`read_media`
    read from it.

    Raises
    ------
    PackError
        The file is not a zip, an entry or media name is unsafe, the package
        is from a newer Anki, or it holds no collection.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        if not source.is_file():
            raise PackError(f"{source} is not a regular file", hint="give an .apkg file")
        try:
            self._zip = zipfile.ZipFile(source)
        except ZIP_ERRORS as exc:
            raise PackError(f"{source} is not an Anki package (not a readable zip: {exc})", hint=EXPORT_HINT) from exc
        self.version = 0
        try:
            self._names = self._check_entries()
            self.version = self._version()
            self.collection_entry = COLLECTIONS[self.version]
            if self.collection_entry not in self._names:
                raise PackError(f"{source} has no {self.collection_entry}", hint=EXPORT_HINT)
            self.media = self._media_map()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> AnkiPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    @property
    def compressed(self) -> bool:
        """Whether the collection, the media map and the media are zstd-compressed (version 3)."""
        return self.version == 3

    def _check_entries(self) -> set[str]:
        entries = self._zip.infolist()
        if len(entries) > MAX_ENTRIES:
            raise PackError(f"{self.source} holds {len(entries)} files, more than {MAX_ENTRIES}",
                            hint="export one deck at a time from Anki")
        for entry in entries:
            name = entry.filename
            if is_unsafe_name(name) or "\0" in name:
                raise PackError(f"{self.source} has an unsafe entry {name[:80]!r} (absolute or with '..')", hint=EXPORT_HINT)
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise PackError(f"{self.source} has a link entry {name[:80]!r}", hint=EXPORT_HINT)
            if entry.flag_bits & _ENCRYPTED:
                raise PackError(f"{self.source} has an encrypted entry {name[:80]!r}", hint=EXPORT_HINT)
        return {entry.filename for entry in entries}

    def _version(self) -> int:
        if "meta" not in self._names:
            return 2 if COLLECTIONS[2] in self._names else 1
        try:
            version = message_fields(self._read("meta", 1024)).get(1, 0)
        except ValueError as exc:
            raise PackError(f"{self.source} has an unreadable meta entry ({exc})", hint=EXPORT_HINT) from exc
        if not isinstance(version, int) or version not in COLLECTIONS:
            raise PackError(f"{self.source} was written by an Anki newer than pronounce reads (package version {version!r})",
                            hint="export it again from Anki with 'Support older Anki versions' ticked")
        return version

    def _media_map(self) -> dict[str, str]:
        """Sound name (NFC) → zip entry; unsafe names refuse the package."""
        if "media" not in self._names:
            return {}
        data = self._read("media", MAX_MAP_BYTES)
        pairs: list[tuple[str, str]] = []
        try:
            if self.compressed:
                for index, message in enumerate(v for n, v in _fields(data) if n == 1):
                    if not isinstance(message, bytes):
                        raise ValueError(f"media entry {index} is not a message")
                    fields = message_fields(message)
                    raw = fields.get(1, b"")
                    if not isinstance(raw, bytes):
                        raise ValueError(f"media entry {index} has no name")
                    pairs.append((raw.decode("utf-8"), str(fields.get(255, index))))
            else:
                loaded = json.loads(data)
                if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
                    raise ValueError("the media map is not a JSON object of file names")
                pairs = [(name, key) for key, name in loaded.items()]
        except (ValueError, RecursionError) as exc:
            raise PackError(f"{self.source} has an unreadable media map: {str(exc)[:120]}", hint=EXPORT_HINT) from exc
        for name, entry in pairs:
            if not _safe_media_name(name) or not re.fullmatch("[0-9]{1,9}", entry):
                raise PackError(f"{self.source} has an unsafe media name {name[:80]!r} (a path, not a file name)",
                                hint="only import decks made by Anki or pronounce")
        return {unicodedata.normalize("NFC", name): entry for name, entry in pairs}

    def _open(self, entry: str) -> IO[bytes]:
        member = self._zip.open(entry)
        if not self.compressed or entry == "meta":
            return member
        decompressor = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
        return decompressor.stream_reader(member, read_across_frames=True, closefd=True)

    def _chunks(self, entry: str, limit: int, what: str) -> Iterator[bytes]:
        """The bytes of ``entry`` (decompressed), refusing more than ``limit``."""
        read = 0
        try:
            with self._open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    read += len(chunk)
                    if read > limit:
                        raise PackError(f"{self.source}: {what} unpacks to more than {limit // (1024 * 1024)} MB",
                                        hint="this is not a deck pronounce can import; export a smaller deck from Anki")
                    yield chunk
        except (*ZIP_ERRORS, zstandard.ZstdError) as exc:
            raise PackError(f"{self.source}: cannot read {what}: {str(exc)[:120]}", hint=EXPORT_HINT) from exc

    def _read(self, entry: str, limit: int) -> bytes:
        return b"".join(self._chunks(entry, limit, f"the entry {entry!r}"))

    def copy_collection(self, target: Path) -> None:
        """Write the collection, uncompressed, to the new file ``target``."""
        with open(target, "xb") as out:
            for chunk in self._chunks(self.collection_entry, MAX_COLLECTION_BYTES, "the collection"):
                out.write(chunk)

    def read_media(self, name: str) -> bytes | None:
        """The bytes of the sound file ``name``, or None when the package lacks it."""
        entry = self.media.get(unicodedata.normalize("NFC", name))
        if entry is None or entry not in self._names:
            return None
        return b"".join(self._chunks(entry, MAX_MEDIA_BYTES, f"the sound file {name[:80]!r}"))


def _safe_media_name(name: str) -> bool:
    """A bare file name: no folder, no ``..``, no drive, no NUL (Anki refuses the others too)."""
    return (bool(name) and len(name) <= 255 and name not in (".", "..") and not any(c in name for c in "/\\\0")
            and not (len(name) > 1 and name[1] == ":"))


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
    raise ValueError("varint longer than 10 bytes")


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of each field of a protobuf message: ints for varints, bytes for the rest.

    Only the wire types Anki's messages use are accepted; anything else, or a
    length past the end, raises ValueError.
    """
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("field runs past the end")
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise ValueError("field runs past the end")
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unknown wire type {wire}")
        yield number, value


def message_fields(data: bytes) -> dict[int, int | bytes]:
    """The fields of a protobuf message (the last value of a repeated one); ValueError when malformed."""
    return dict(_fields(data))

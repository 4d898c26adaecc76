"""Published packs: ``server publish`` checks a pack and keeps an immutable copy with its zip.

Each publication gets a new folder ``packs/<n>/`` holding the pack (as
``pack/``) and ``pack.zip``; the ``packs`` table points each pack id at its
latest publication and ``pack_phrases`` lists its phrases in lesson order (the
class page's column headers). Older publications stay on disk, so takes scored
against an older reference keep it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tui.errors import ClassroomError, PackError
from tui.packs.archive import extract_zip, pack_root, write_zip
from tui.packs.loader import load_pack, read_pack
from tui.packs.model import Pack
from tui.server.accounts import now
from tui.server.db import Database
from tui.server.schema import pack_phrases, packs

ZIP_NAME = "pack.zip"
PACK_FOLDER = "pack"


@dataclass(frozen=True)
class PublishedPack:
    """A pack as the server hands it out."""

    id: str
    version: str
    title: str
    language: str
    phrases: int
    folder: Path
    zip: Path
    published_at: datetime

    def to_api(self) -> dict[str, Any]:
        """The JSON of ``GET /api/v1/packs``."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "language": self.language,
            "phrases": self.phrases,
            "published_at": self.published_at.isoformat(),
            "url": f"/api/v1/packs/{self.id}.zip",
        }


def publish(db: Database, source: Path, *, shown: str | None = None) -> PublishedPack:
    """Check the pack in ``source`` (a folder or a ``.zip``) and publish it, replacing an older publication.

    ``shown`` names the source in messages instead of its path (a pack
    uploaded through the pages: its path on the server is nobody's business).

    Raises
    ------
    ClassroomError
        ``source`` is not a valid pack, or its id could not be used in an upload.
    """
    name = shown or str(source)
    staging = Path(tempfile.mkdtemp(prefix=".publish-", dir=db.packs_dir))
    try:
        try:
            folder = _unpacked(Path(source), staging, name)
            pack, problems = read_pack(folder)
        except PackError as exc:
            raise ClassroomError(f"cannot publish {name}: {exc.message.replace(str(source), name)}", hint=exc.hint) from exc
        if pack is None:
            errors = "; ".join(str(p) for p in problems if p.severity == "error")
            raise ClassroomError(f"{name} is not a valid pack: {errors}", hint=f"run `pronounce pack validate {name}`")
        write_zip(pack.root, staging / ZIP_NAME, prefix=pack.id)
        final = _next_folder(db.packs_dir)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pack_dir = final / PACK_FOLDER
    with db.writing() as conn:
        conn.execute(delete(pack_phrases).where(pack_phrases.c.pack_id == pack.id))
        conn.execute(delete(packs).where(packs.c.id == pack.id))
        conn.execute(insert(packs).values(
            id=pack.id, version=pack.version, title=pack.title, language=pack.language, phrases=len(pack.phrases),
            folder=pack_dir.relative_to(db.root).as_posix(), zip=(final / ZIP_NAME).relative_to(db.root).as_posix(),
            published_at=now()))
        _list_phrases(conn, pack)
    published = find(db, pack.id)
    if published is None:
        raise ClassroomError(f"the publication of {pack.id} vanished", hint="publish it again")
    return published


def _list_phrases(conn: Connection, pack: Pack) -> None:
    conn.execute(insert(pack_phrases), [{"pack_id": pack.id, "phrase_id": phrase.id, "position": n, "text": phrase.text}
                                        for n, phrase in enumerate(pack.phrases)])


def list_missing_phrases(db: Database) -> int:
    """Fill ``pack_phrases`` for packs published by an older pronounce (it kept no list); the number of packs listed.

    A publication whose folder is gone or no longer loads is left unlisted:
    its takes' columns are then headed by their own text.
    """
    with db.reading() as conn:
        unlisted = conn.execute(select(packs.c.id, packs.c.folder).where(
            ~select(pack_phrases.c.pack_id).where(pack_phrases.c.pack_id == packs.c.id).exists())).all()
    listed = 0
    for pack_id, folder in unlisted:
        try:
            pack = load_pack(db.root / folder)
        except (PackError, OSError):
            continue
        with db.writing() as conn:
            if pack.id == pack_id and conn.execute(select(pack_phrases.c.pack_id).where(pack_phrases.c.pack_id == pack_id)).first() is None:
                _list_phrases(conn, pack)
                listed += 1
    return listed


def _unpacked(source: Path, staging: Path, name: str) -> Path:
    """A clean copy of the pack in ``staging/pack`` (regular files only, hidden ones and links left out); nothing else stays."""
    target = staging / PACK_FOLDER
    if source.is_file() and source.suffix.lower() == ".zip":
        extract_zip(source, staging / "unzipped")
        os.rename(pack_root(staging / "unzipped"), target)
        shutil.rmtree(staging / "unzipped")
        return target
    if not (source / "pack.toml").is_file():
        raise ClassroomError(f"{name} is not a pack folder or .zip", hint="give the folder that holds pack.toml, or a .zip export")
    write_zip(source, staging / "copy.zip", prefix=PACK_FOLDER)
    extract_zip(staging / "copy.zip", staging / "copy")
    os.rename(staging / "copy" / PACK_FOLDER, target)
    shutil.rmtree(staging / "copy")
    (staging / "copy.zip").unlink()
    return target


def _next_folder(packs_dir: Path) -> Path:
    numbers = [int(p.name) for p in packs_dir.iterdir() if p.name.isdigit()]
    return packs_dir / str(max(numbers, default=0) + 1)


def listing(db: Database) -> list[PublishedPack]:
    """Every published pack, by id."""
    with db.reading() as conn:
        rows = conn.execute(select(packs).order_by(packs.c.id)).all()
    return [_published(db, row) for row in rows]


def phrase_list(db: Database, pack_id: str) -> list[tuple[str, str]]:
    """The published pack's phrases, ``(id, text)`` in lesson order (empty when it is not published)."""
    with db.reading() as conn:
        rows = conn.execute(select(pack_phrases.c.phrase_id, pack_phrases.c.text).where(pack_phrases.c.pack_id == pack_id)
                            .order_by(pack_phrases.c.position)).all()
    return [(phrase_id, text) for phrase_id, text in rows]


def find(db: Database, pack_id: str) -> PublishedPack | None:
    """The latest publication of ``pack_id``, if any."""
    with db.reading() as conn:
        row = conn.execute(select(packs).where(packs.c.id == pack_id)).first()
    return _published(db, row) if row else None


def _published(db: Database, row: Any) -> PublishedPack:
    return PublishedPack(row.id, row.version, row.title, row.language, row.phrases, db.root / row.folder, db.root / row.zip,
                         row.published_at)


class PackCache:
    """Loaded published packs, reloaded when a pack is published again; thread-safe."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._loaded: dict[str, tuple[Path, Pack]] = {}
        self._lock = threading.Lock()

    def get(self, pack_id: str) -> Pack | None:
        """The latest publication of ``pack_id``, loaded (None when it is not published)."""
        published = find(self._db, pack_id)
        if published is None:
            return None
        with self._lock:
            cached = self._loaded.get(pack_id)
        if cached and cached[0] == published.folder:
            return cached[1]
        pack = load_pack(published.folder)
        with self._lock:
            self._loaded[pack_id] = (published.folder, pack)
        return pack

"""Takes left in ``recordings/incoming/``: recovered after a kill, kept on quit, or not saved.

A recorder writes ``<stem>.flac`` (``.flac.part`` and a journal while it runs);
its handle names that file. The session writes a sidecar ``<stem>.take.json``
beside it saying which pack and phrase the take was for and which recorder took
it, so a recovered take can still be scored against its phrase.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.audio.journal import journal_path
from tui.errors import PronounceError
from tui.packs.model import Pack, Phrase

SIDECAR_SUFFIX = ".take.json"
"""Beside a take's recording in ``recordings/incoming/``: which pack and phrase it was for."""


@dataclass(frozen=True, kw_only=True)
class RecoveredTake:
    """A finished recording left in ``recordings/incoming/``: cut by a kill or a quit, or not saved.

    ``pack_id``, ``phrase_id``, ``text`` and ``recorder`` come from the take's
    sidecar ("" when unknown); ``pack_root`` is the folder of that pack.
    """

    path: Path
    recorded_at: datetime
    pack_id: str = ""
    phrase_id: str = ""
    text: str = ""
    recorder: str = ""
    pack_root: Path | None = None

    @property
    def sidecar(self) -> Path:
        """The file that says which phrase this take was for."""
        return sidecar_path(self.path)


def sidecar_path(recording: Path) -> Path:
    """Where the sidecar of the recording ``<stem>.flac`` lives."""
    return recording.with_name(recording.name.removesuffix(".flac") + SIDECAR_SUFFIX)


def write_sidecar(recording: Path, *, pack: Pack, phrase: Phrase, recorder: str) -> None:
    """Note beside ``recording`` which pack and phrase it is for (read back by :func:`read_recovered`)."""
    data = {"pack_id": pack.id, "pack_root": str(pack.root), "phrase_id": phrase.id, "text": phrase.text, "recorder": recorder}
    sidecar_path(recording).write_text(json.dumps(data), encoding="utf-8")


def read_recovered(path: Path) -> RecoveredTake:
    """The recovered take at ``path`` with what its sidecar says (a missing or damaged sidecar says nothing)."""
    recorded = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        data = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
        fields = {key: str(data[key]) for key in ("pack_id", "phrase_id", "text", "pack_root")}
        recorder = str(data.get("recorder", ""))  # older sidecars do not name it
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return RecoveredTake(path=path, recorded_at=recorded)
    root = Path(fields.pop("pack_root")) if fields["pack_root"] else None
    return RecoveredTake(path=path, recorded_at=recorded, recorder=recorder, pack_root=root, **fields)


class RecoveredTakes:
    """The finished recordings in one incoming folder that no attempt holds yet.

    Parameters
    ----------
    incoming : Path
        The recorder's folder, ``<data dir>/recordings/incoming``.
    """

    def __init__(self, incoming: Path) -> None:
        self.incoming = incoming

    @staticmethod
    def files_of(recording: Path) -> list[Path]:
        """What exists of ``recording``: its FLAC, or its journal when the FLAC could not be finished."""
        journal = journal_path(recording)
        return [recording] if recording.exists() else [journal] if journal.exists() else []

    def list(self, *, exclude: Collection[Path] = ()) -> list[RecoveredTake]:
        """Finished recordings in the folder, newest first, except those in ``exclude``."""
        if not self.incoming.is_dir():
            return []
        found = []
        for path in self.incoming.glob("*.flac"):
            if path.is_file() and path not in exclude:
                try:
                    found.append(read_recovered(path))
                except OSError:
                    continue  # removed meanwhile
        return sorted(found, key=lambda take: take.path.name, reverse=True)

    def delete(self, take: RecoveredTake) -> None:
        """Remove a recovered take's recording and its sidecar."""
        if take.path.parent.resolve() != self.incoming.resolve():
            raise ValueError(f"{take.path} is not in {self.incoming}")
        take.path.unlink(missing_ok=True)
        take.sidecar.unlink(missing_ok=True)

    @staticmethod
    def forget(recording: Path) -> None:
        """Remove only the sidecar of ``recording`` (the store now holds it, or it was not kept)."""
        sidecar_path(recording).unlink(missing_ok=True)


def pack_of(take: RecoveredTake, current: Pack | None) -> Pack:
    """The pack ``take`` was for: ``current`` when it is that pack, else loaded from where the take says (blocking).

    Raises
    ------
    PronounceError
        Which phrase the take was for is unknown, or its pack cannot be opened.
    """
    if current is not None and current.id == take.pack_id and take.phrase_id:
        return current
    if take.pack_root is None or not take.pack_id or not take.phrase_id:
        raise PronounceError(
            f"which phrase {take.path.name} was for is unknown", hint=f"listen to it (a) or delete it; it is at {take.path}"
        )
    from tui.packs.loader import load_pack

    return load_pack(take.pack_root)

"""Takes left in ``recordings/incoming/``: recovered after a kill, kept on quit, or not saved.

The recorder names its files ``<time>-<recorder name>.flac`` (``.flac.part`` and
``.journal`` while it runs). The session writes a sidecar
``<time>-<recorder name>.take.json`` beside them saying which pack and phrase
the take was for, so a recovered take can still be scored against its phrase.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from tui.errors import PronounceError
from tui.packs.model import Pack
from tui.takes import SIDECAR_SUFFIX, RecoveredTake, read_recovered, sidecar_path

JOURNAL_SUFFIX = ".journal"


class RecoveredTakes:
    """The finished recordings in one incoming folder that no attempt holds yet.

    Parameters
    ----------
    incoming : Path
        The recorder's folder, ``<data dir>/recordings/incoming``.
    """

    def __init__(self, incoming: Path) -> None:
        self.incoming = incoming

    def stem_of(self, recorder_name: str) -> str:
        """The file stem of the running recorder ``recorder_name`` ("" when it cannot be found)."""
        if not self.incoming.is_dir():
            return ""
        stems = sorted(
            path.name.removesuffix(JOURNAL_SUFFIX)
            for path in self.incoming.glob(f"*-{recorder_name}*{JOURNAL_SUFFIX}")
            if _names(path.name.removesuffix(JOURNAL_SUFFIX), recorder_name)
        )
        return stems[-1] if stems else ""

    def files_of(self, stem: str) -> list[Path]:
        """What exists of the recording ``stem``: its FLAC, or its journal when the FLAC could not be finished."""
        if not stem:
            return []
        flac = self.incoming / f"{stem}.flac"
        journal = self.incoming / f"{stem}{JOURNAL_SUFFIX}"
        return [flac] if flac.exists() else [journal] if journal.exists() else []

    def list(self, *, exclude: Collection[str] = ()) -> list[RecoveredTake]:
        """Finished recordings in the folder, newest first, except the stems in ``exclude``."""
        if not self.incoming.is_dir():
            return []
        found = []
        for path in self.incoming.glob("*.flac"):
            if path.is_file() and path.name.removesuffix(".flac") not in exclude:
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

    def forget(self, take: RecoveredTake) -> None:
        """Remove only the sidecar (the store now holds the recording)."""
        sidecar_path(self.incoming, take.path.name.removesuffix(".flac")).unlink(missing_ok=True)


def _names(stem: str, recorder_name: str) -> bool:
    """``stem`` is ``<time>-<name>`` or ``<time>-<name>-<n>`` for ``recorder_name``."""
    tail = stem.split(f"-{recorder_name}", 1)[-1] if f"-{recorder_name}" in stem else None
    return tail is not None and (tail == "" or (tail.startswith("-") and tail[1:].isdigit()))


__all__ = ["SIDECAR_SUFFIX", "RecoveredTakes"]


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

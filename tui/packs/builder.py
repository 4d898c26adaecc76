"""Build a new pack in one go: reference files as phrases come, ``pack.toml`` once at the end.

:func:`~tui.packs.authoring.add_phrase` rewrites and re-validates the whole
pack for every phrase, which is right for a person adding one phrase and
quadratic for an import of thousands. A :class:`PackBuilder` writes into a
folder nobody uses yet (an import's staging folder) and validates once in
:meth:`PackBuilder.finish`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.errors import PackError
from tui.fsio import atomic_write
from tui.packs.authoring import (
    AUDIO_FOLDER,
    check_phrase_text,
    fit_reference,
    pack_header,
    phrase_table,
    same_text_key,
    slugify,
)
from tui.packs.ids import ID_HINT, id_problem
from tui.packs.loader import PACK_FILE, read_pack
from tui.packs.model import Pack
from tui.speech.types import LANGUAGE_TAG, WordTiming


class PackBuilder:
    """A pack being built in the new folder ``folder``.

    Raises
    ------
    PackError
        ``folder`` exists already, the id is not a safe id or the language not a BCP 47 tag.
    """

    def __init__(self, folder: Path, *, pack_id: str, title: str, language: str, author: str = "",
                 description: str = "") -> None:
        if folder.exists():
            raise PackError(f"{folder} already exists", hint="build the pack in a new folder")
        if problem := id_problem(pack_id):
            raise PackError(f"the pack id {pack_id!r} {problem}", hint=ID_HINT)
        if not LANGUAGE_TAG.fullmatch(language):
            raise PackError(f"{language!r} is not a BCP 47 language tag", hint='use a tag such as "en-US", "es-ES" or "pt-BR"')
        (folder / AUDIO_FOLDER).mkdir(parents=True)
        self.folder = folder
        self._header = pack_header(pack_id=pack_id, title=title, language=language, author=author, description=description)
        self._tables: list[str] = []
        self._ids: set[str] = set()
        self._texts: dict[str, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._tables)

    def has(self, text: str) -> bool:
        """Whether the pack has ``text`` already (up to case, spacing and Unicode form)."""
        return same_text_key(text) in self._texts

    def check(self, text: str) -> None:
        """Refuse ``text`` before its audio is made: empty, control characters, or in the pack already.

        Raises
        ------
        PackError
            Saying which.
        """
        check_phrase_text(text)
        if self.has(text):
            first, phrase_id = self._texts[same_text_key(text)]
            raise PackError(f"the pack already has the phrase {first!r} (id {phrase_id!r})", hint="each phrase is in a pack once")

    def add(self, text: str, samples: np.ndarray, samplerate: int, *, words: Iterable[WordTiming] = (),
            translation: str = "", notes: str = "", tags: Sequence[str] = ()) -> str:
        """Store ``samples`` as the reference of the new phrase ``text``; its id (unique, from the text).

        Raises
        ------
        PackError
            See :meth:`check`.
        """
        self.check(text)
        text = text.strip()
        base = slugify(text) or "phrase"
        phrase_id, number = base, 2
        while phrase_id in self._ids:
            phrase_id, number = f"{base}-{number}", number + 1
        samples, samplerate = fit_reference(samples, samplerate)
        relative = f"{AUDIO_FOLDER}/{phrase_id}.flac"
        try:
            sf.write(os.fsencode(self.folder / relative), samples, samplerate, format="FLAC", subtype="PCM_16")
        except (OSError, sf.LibsndfileError) as exc:
            raise _unwritable(self.folder, exc) from exc
        self._tables.append(phrase_table(phrase_id, text, relative, translation=translation, notes=notes, tags=tags,
                                         words=words))
        self._ids.add(phrase_id)
        self._texts[same_text_key(text)] = (text, phrase_id)
        return phrase_id

    def finish(self) -> Pack:
        """Write ``pack.toml`` and return the pack, checked with every reference decoded.

        Raises
        ------
        PackError
            The pack has errors.
        """
        try:
            atomic_write(self.folder / PACK_FILE, "\n".join([self._header, *self._tables]).encode())
        except OSError as exc:
            raise _unwritable(self.folder, exc) from exc
        pack, problems = read_pack(self.folder)
        if pack is None:
            errors = "; ".join(str(p) for p in problems if p.severity == "error")
            raise PackError(f"the pack built has errors: {errors}", hint="report this; nothing was imported")
        return pack


def _unwritable(folder: Path, exc: Exception) -> PackError:
    return PackError(f"cannot write in {folder.parent}: {getattr(exc, 'strerror', None) or exc}",
                     hint="free some space or choose another folder with --to; nothing was imported")

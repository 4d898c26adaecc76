"""The pack being practised and what is known of it: its loaded references and its progress.

Plain Python (no Textual). :class:`PracticedPack` is the part of the session
that these belong to; only its methods change them, under a lock held briefly
(never across slow work), so the event loop and the workers can both use it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tui.errors import PackError
from tui.packs.model import Pack, Phrase
from tui.practice import phrase_scoring
from tui.practice.progress import Progress
from tui.practice.results import Reference


class PracticedPack:
    """The current pack, its references as they are loaded and prepared, and its progress as last read."""

    def __init__(self) -> None:
        self.pack: Pack | None = None
        self.progress: Progress | None = None
        """The current pack's progress as last read (:meth:`keep_progress`); None until then."""
        self._references: dict[str, Reference] = {}
        self._lock = threading.RLock()  # references, progress and the session's current take

    def open_pack(self, path: Path) -> Pack:
        """Load and use the pack at ``path`` (blocking; :class:`~tui.errors.PackError` when invalid)."""
        from tui.packs.loader import load_pack

        pack = load_pack(path)
        self.use_pack(pack)
        return pack

    def use_pack(self, pack: Pack) -> None:
        """Practise ``pack`` from now on (what was known of another pack is dropped)."""
        with self._lock:
            if pack is not self.pack:
                self.progress = None
            self.pack = pack
            self._references.clear()

    def keep_progress(self, pack: Pack, progress: Progress) -> Progress:
        """Remember ``progress`` as the current pack's (ignored for another pack); returns it."""
        with self._lock:
            if pack is self.pack:
                self.progress = progress
        return progress

    def reference(self, phrase: Phrase) -> Reference | None:
        """The loaded reference of ``phrase`` (None until :meth:`load_reference` ran)."""
        with self._lock:
            return self._references.get(phrase.id)

    def load_reference(self, phrase: Phrase) -> Reference:
        """Read the current pack's ``phrase`` reference audio and word timings (blocking)."""
        pack = self.pack
        if pack is None:
            raise PackError("no lesson pack is open", hint="open one first")
        return self.reference(phrase) or self._keep(pack, phrase_scoring.load_reference(pack, phrase))

    def prepare_reference(self, phrase: Phrase) -> Reference:
        """``phrase``'s reference, analysed for scoring and with its pitch contour (blocking, once per phrase)."""
        reference = self.load_reference(phrase)
        if reference.prepared is not None or self.pack is None:
            return reference
        return self._keep(self.pack, phrase_scoring.prepare(reference, self.pack, phrase))

    def _keep(self, pack: Pack, reference: Reference) -> Reference:
        with self._lock:
            if pack is self.pack:
                self._references[reference.phrase_id] = reference
        return reference

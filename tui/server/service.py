"""What a running server holds: its settings, store, scoring pool and caches."""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tui.server import summaries
from tui.server.db import Database
from tui.server.meta import AttemptMeta
from tui.server.packs import PackCache, list_missing_phrases
from tui.server.scorer import Contours, ReferenceSpec, Scorer

DEFAULT_MAX_UPLOAD_MB = 20
DEFAULT_PORT = 8750
CONTOUR_CACHE = 64
_WORDS = re.compile(r"\w+")


def default_workers() -> int:
    """Scoring processes: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class ServerConfig:
    """How to run the server.

    Attributes
    ----------
    root : Path
        The server store's folder, ``<data-dir>/server``.
    database : str or None
        A PostgreSQL URL; None keeps the database in ``root`` (SQLite).
    max_upload_bytes : int
        Largest recording accepted.
    workers : int
        Scoring processes.
    """

    root: Path
    database: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    workers: int = 2


def same_text(a: str, b: str) -> bool:
    """Whether two phrase texts are the same phrase (case, spacing and punctuation aside)."""
    return _WORDS.findall(a.casefold()) == _WORDS.findall(b.casefold())


class Service:
    """The server's state between requests; built at start-up, closed at shutdown."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.db = Database(config.root, url=config.database)
        self.scorer = Scorer(config.workers, self.db.references_dir)
        self.packs = PackCache(self.db)
        self._contours: OrderedDict[int, Contours] = OrderedDict()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Drop uploads cut short by the last stop, bring derived tables up to date, start the scoring processes."""
        self.db.clear_incoming()
        summaries.ensure_current(self.db)
        list_missing_phrases(self.db)
        self.scorer.start()

    def close(self) -> None:
        """Wait for scoring in progress, stop the workers, close the store."""
        self.scorer.close()
        self.db.close()

    def reference_spec(self, meta: AttemptMeta) -> ReferenceSpec:
        """The published pack's reference for this phrase when the server has it (same text), else TTS."""
        pack = self.packs.get(meta.pack)
        if pack is not None:
            for phrase in pack.phrases:
                if phrase.id == meta.phrase_id and same_text(phrase.text, meta.text):
                    return ReferenceSpec(phrase.text, pack.language, phrase.audio, phrase.words)
        return ReferenceSpec(meta.text, meta.lang)

    def cached_contours(self, attempt_id: int) -> Contours | None:
        """Pitch contours computed before for this attempt."""
        with self._lock:
            found = self._contours.get(attempt_id)
            if found is not None:
                self._contours.move_to_end(attempt_id)
            return found

    def keep_contours(self, attempt_id: int, contours: Contours) -> None:
        """Remember contours (the least recently used are dropped)."""
        with self._lock:
            self._contours[attempt_id] = contours
            while len(self._contours) > CONTOUR_CACHE:
                self._contours.popitem(last=False)

"""Re-score stored attempts when the scorer changed, without needing their pack.

Each attempt keeps the path of the reference it was scored against, the
phrase's text, word boundaries and language, which is all scoring needs: an
English phrase gets Whisper and phone evidence again and every phrase the content
check against its language's built-in sentences, all through
:func:`tui.scoring.prepare_phrase`, as in the app. When the pack is still where the
reference lies (a ``pack.toml`` above it, with the attempt's pack id), its
language wins and its other phrases join the cohort, as in the app. An attempt
saved before its language was kept (``lang`` "") is scored by template match
against the reference, as it was then. The scoring engine is imported only when
re-scoring, so listing attempts stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tui.errors import PronounceError
from tui.packs.loader import load_pack
from tui.packs.model import Pack
from tui.store.attempts import Attempt, AttemptStore

PACK_FILE = "pack.toml"
PACK_LEVELS = 3
"""How many folders above a reference are searched for its pack's ``pack.toml``."""


@dataclass(frozen=True)
class RescoreReport:
    """What :func:`rescore` did.

    Attributes
    ----------
    rescored : tuple of int
        Ids of attempts that now carry the current scorer's result.
    skipped : tuple of (int, str)
        Ids left as they were, each with the reason.
    """

    rescored: tuple[int, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()


def current_version() -> str:
    """The version of the scorer this build ships (imports the scoring engine)."""
    from tui.scoring import SCORER_VERSION

    return SCORER_VERSION


def stale(attempts: Sequence[Attempt], version: str) -> list[Attempt]:
    """The attempts scored by another scorer version than ``version``."""
    return [a for a in attempts if a.score.scorer_version != version]


def rescore(
    store: AttemptStore,
    attempts: Sequence[Attempt],
    *,
    on_done: Callable[[Attempt], None] | None = None,
) -> RescoreReport:
    """Score ``attempts`` again against their stored reference and save the new scores.

    Parameters
    ----------
    store : AttemptStore
        Where the new scores are written.
    attempts : sequence of Attempt
        Usually :func:`stale` ones.
    on_done : callable, optional
        Called after each attempt, rescored or skipped (e.g. a progress bar).

    Returns
    -------
    RescoreReport
        An attempt is skipped, never failed, when its row is damaged, its
        recording or reference is gone, or the scorer rejects the audio.
    """
    rescored, skipped = [], []
    packs = _Packs()
    for attempt in attempts:
        reason = _rescore_one(store, attempt, packs)
        if reason is None:
            rescored.append(attempt.id)
        else:
            skipped.append((attempt.id, reason))
        if on_done is not None:
            on_done(attempt)
    return RescoreReport(tuple(rescored), tuple(skipped))


def _rescore_one(store: AttemptStore, attempt: Attempt, packs: _Packs) -> str | None:
    """Score one attempt again and save it; the reason when it cannot be."""
    from tui.scoring import compare, prepare_phrase

    reference = attempt.reference_audio
    if attempt.damaged:
        return f"its row is damaged ({attempt.damaged}); it was left as it was"
    if not attempt.audio.is_file():
        return f"its recording {attempt.audio} is missing"
    if reference is None:
        return "no reference audio was stored with it"
    if not reference.is_file():
        return f"its reference {reference} is missing"
    try:
        pack = packs.holding(reference, attempt.pack_id)
        lang = pack.language.lower() if pack is not None else attempt.lang
        others = packs.references(pack) if pack is not None else ()
        prepared = prepare_phrase(
            attempt.text if lang else None, lang=lang or None, audio=reference, words=attempt.words or None, others=others
        )
        score = compare(prepared, attempt.audio)
    except PronounceError as exc:
        return str(exc)
    store.update_score(attempt.id, score)
    return None


class _Packs:
    """The packs found beside references during one re-scoring run (each loaded once)."""

    def __init__(self) -> None:
        self._packs: dict[Path, Pack | None] = {}

    def holding(self, reference: Path, pack_id: str) -> Pack | None:
        """The pack ``pack_id`` whose folder holds ``reference`` (None when it is gone, moved or broken)."""
        for folder in list(reference.absolute().parents)[:PACK_LEVELS]:
            if not (folder / PACK_FILE).is_file():
                continue
            if folder not in self._packs:
                try:
                    self._packs[folder] = load_pack(folder)
                except PronounceError:
                    self._packs[folder] = None
            pack = self._packs[folder]
            return pack if pack is not None and pack.id == pack_id else None
        return None

    def references(self, pack: Pack) -> list[Path]:
        """The pack's phrases' references that still exist (the content check's cohort, with the built-in sentences)."""
        return [phrase.audio for phrase in pack.phrases if phrase.audio.is_file()]

"""Re-score stored attempts when the scorer changed, without needing their pack.

Each attempt keeps the path of the reference it was scored against and the
phrase's word boundaries, which is all :func:`tui.scoring.compare` needs. The
scoring engine (librosa, numba) is imported only when re-scoring, so listing
attempts stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.errors import PronounceError
from tui.store.attempts import Attempt, AttemptStore


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
        An attempt is skipped, never failed, when its recording or reference
        is gone or the scorer rejects the audio.
    """
    rescored, skipped = [], []
    for attempt in attempts:
        reason = _rescore_one(store, attempt)
        if reason is None:
            rescored.append(attempt.id)
        else:
            skipped.append((attempt.id, reason))
        if on_done is not None:
            on_done(attempt)
    return RescoreReport(tuple(rescored), tuple(skipped))


def _rescore_one(store: AttemptStore, attempt: Attempt) -> str | None:
    """Score one attempt again and save it; the reason when it cannot be."""
    from tui.scoring import compare

    reference = attempt.reference_audio
    if not attempt.audio.is_file():
        return f"its recording {attempt.audio} is missing"
    if reference is None:
        return "no reference audio was stored with it"
    if not reference.is_file():
        return f"its reference {reference} is missing"
    try:
        score = compare(reference, attempt.audio, words=attempt.words or None)
    except PronounceError as exc:
        return str(exc)
    store.update_score(attempt.id, score)
    return None

"""The records of the attempts store: an attempt, per-phrase stats, what reconcile did, and row parsing."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.scoring.score import Score
from tui.speech.types import WordTiming

COLUMNS = (
    "id, created_at, pack_id, pack_version, phrase_id, text, recorder, audio, duration,"
    " score_json, reference_audio, words_json, missing,"
    " overall, accuracy, fluency, intonation, completeness, scorer_version, lang"
)
ROW_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)
"""What parsing a hand-edited or damaged row can raise (bad JSON, bad date, wrong types)."""
UNKNOWN_DATE = datetime.fromtimestamp(0, UTC)
"""``created_at`` of a damaged row whose date cannot be read."""


@dataclass(frozen=True)
class Attempt:
    """One saved take.

    Attributes
    ----------
    id : int
        Never reused, even after a delete.
    created_at : datetime
        When it was saved (timezone-aware, UTC).
    pack_id, pack_version, phrase_id, text : str
        What was practised.
    recorder : str
        The named recorder that took it.
    audio : Path
        Absolute path of the recording.
    duration : float
        Length of the recording, in seconds.
    score : Score
        The full result, including per-word scores and the scorer version.
    reference_audio : Path or None
        The reference it was scored against (for re-scoring without the pack).
    words : tuple of WordTiming
        The phrase's word boundaries in the reference.
    missing : bool
        The recording file was gone at the last :meth:`AttemptStore.reconcile`.
    lang : str
        BCP 47 language of the phrase ("" when unknown: attempts saved before it was kept).
    damaged : str
        Why the row could not be read in full ("" when it could): its score
        then holds only the stored sub-scores, its date may be :data:`UNKNOWN_DATE`.
    """

    id: int
    created_at: datetime
    pack_id: str
    pack_version: str
    phrase_id: str
    text: str
    recorder: str
    audio: Path
    duration: float
    score: Score
    reference_audio: Path | None = None
    words: tuple[WordTiming, ...] = ()
    missing: bool = False
    lang: str = ""
    damaged: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the ``review --json`` line of this attempt."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "pack": self.pack_id,
            "pack_version": self.pack_version,
            "phrase_id": self.phrase_id,
            "text": self.text,
            "recorder": self.recorder,
            "audio": str(self.audio),
            "duration": self.duration,
            "missing": self.missing,
            "damaged": self.damaged or None,
            "score": self.score.to_dict(),
        }


@dataclass(frozen=True)
class PhraseStats:
    """How a phrase has gone so far (overall scores, 0–100).

    Attributes
    ----------
    attempts : int
        Number of saved takes.
    best, last, avg_last5 : float or None
        Best and latest score, mean of the latest five (None with no attempt).
    trend : float or None
        Least-squares slope of the latest five scores, in points per attempt:
        positive when improving (None with fewer than two attempts).
    """

    attempts: int
    best: float | None
    last: float | None
    avg_last5: float | None
    trend: float | None

    @classmethod
    def from_scores(cls, scores: Sequence[float]) -> PhraseStats:
        """Stats of overall scores given oldest first."""
        if not scores:
            return cls(0, None, None, None, None)
        recent = list(scores[-5:])
        mean = sum(recent) / len(recent)
        trend = None
        if len(recent) > 1:
            xs = range(len(recent))
            x_mean = (len(recent) - 1) / 2
            trend = sum((x - x_mean) * (y - mean) for x, y in zip(xs, recent, strict=True)) / sum(
                (x - x_mean) ** 2 for x in xs
            )
        return cls(len(scores), max(scores), scores[-1], mean, trend)


@dataclass(frozen=True)
class ReconcileReport:
    """What :meth:`AttemptStore.reconcile` found and did.

    Attributes
    ----------
    missing : tuple of int
        Attempts whose recording vanished (now marked ``missing``; rows kept).
    restored : tuple of int
        Attempts marked missing before whose recording is back.
    orphans : tuple of Path
        Recordings that had no row, now in ``recordings/orphans/``.
    """

    missing: tuple[int, ...] = ()
    restored: tuple[int, ...] = ()
    orphans: tuple[Path, ...] = ()


def attempt_from_row(data_dir: Path, row: tuple[Any, ...]) -> Attempt:
    """The attempt in a row of :data:`COLUMNS`; a row that cannot be read in full is marked ``damaged``.

    A hand-edited or damaged row (bad JSON, a date that is not one, wrong
    types) never hides the other rows: it comes back with the fields that
    could be read and the reason in ``damaged``.
    """
    id, created, pack_id, pack_version, phrase_id, text, recorder, audio, duration, score, ref, words, missing = row[:13]
    attempt = Attempt(
        id=id,
        created_at=UNKNOWN_DATE,
        pack_id=str(pack_id),
        pack_version=str(pack_version),
        phrase_id=str(phrase_id),
        text=str(text),
        recorder=str(recorder),
        audio=data_dir / str(audio),
        duration=_number(duration),
        score=_stored_scores(row[13:19]),
        missing=bool(missing),
        lang=row[19] if isinstance(row[19], str) else "",
    )
    reasons: list[str] = []
    found: dict[str, Any] = {}
    try:
        found["created_at"] = utc(datetime.fromisoformat(created))
    except ROW_ERRORS:
        reasons.append(f"its date {str(created)[:40]!r} is not a date")
    try:
        parsed = Score.from_json(score)
        if not all(math.isfinite(value) for value in sub_scores(parsed)):
            raise ValueError("a score that is not a finite number")
        found["score"] = parsed
    except ROW_ERRORS:
        reasons.append("its score is not valid JSON")
    try:
        found["words"] = tuple(WordTiming(w["text"], float(w["start"]), float(w["end"])) for w in json.loads(words))
    except ROW_ERRORS:
        reasons.append("its word timings are not valid JSON")
    reference = Path(ref) if isinstance(ref, str) and ref else None
    return replace(attempt, reference_audio=reference, damaged="; ".join(reasons), **found)


def sub_scores(score: Score) -> tuple[float, float, float, float, float]:
    """The five 0–100 numbers of a score, in column order."""
    return (
        float(score.overall),
        float(score.accuracy),
        float(score.fluency),
        float(score.intonation),
        float(score.completeness),
    )


def _stored_scores(columns: tuple[Any, ...]) -> Score:
    """A score from the sub-score columns alone (no words), for a row whose JSON cannot be read."""
    overall, accuracy, fluency, intonation, completeness, version = columns
    return Score(overall=_number(overall), accuracy=_number(accuracy), fluency=_number(fluency), intonation=_number(intonation),
                 completeness=_number(completeness), scorer_version=str(version))


def _number(value: Any) -> float:
    """A stored finite number, or 0 when the column holds something else (JSON has no NaN)."""
    try:
        number = float(value)
    except ROW_ERRORS:
        return 0.0
    return number if math.isfinite(number) else 0.0


def utc(when: datetime) -> datetime:
    """``when`` as an aware UTC datetime (naive means UTC)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

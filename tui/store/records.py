"""The records of the attempts store: an attempt, per-phrase stats, what reconcile did, and row parsing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tui.scoring.score import Score
from tui.speech.types import WordTiming
from tui.store import stored

COLUMNS = (
    "id, created_at, pack_id, pack_version, phrase_id, text, recorder, audio, duration,"
    " score_json, reference_audio, words_json, missing,"
    " overall, accuracy, fluency, intonation, completeness, scorer_version, lang"
)
UNKNOWN_DATE = datetime.fromtimestamp(0, UTC)
"""``created_at`` of a damaged row whose date cannot be read."""
DAMAGED_PATH = "recordings/(damaged path)"
"""Stands in for a recording path that is not text: it names no file, so nothing is opened or removed through it."""
T = TypeVar("T")


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

    Every column is checked as it was when written (see :mod:`tui.store.stored`):
    a hand-edited or damaged row never hides the other rows, nor crashes what
    shows it, nor turns into invalid JSON. It comes back with the fields that
    could be read, safe stand-ins for the others, and the reasons in ``damaged``.
    """
    id, created, pack_id, pack_version, phrase_id, text, recorder, audio, duration, score, ref, words, missing = row[:13]
    read = _Reader()
    texts = {what: read(stored.text, value, "", f"its {what}")
             for what, value in (("pack id", pack_id), ("pack version", pack_version), ("phrase id", phrase_id),
                                 ("text", text), ("recorder", recorder), ("recording path", audio))}
    columns = read(_stored_scores, row[13:19], Score(overall=0.0, accuracy=0.0, fluency=0.0, intonation=0.0, completeness=0.0), "its score columns:")
    no_words: tuple[WordTiming, ...] = ()
    return Attempt(
        id=id,
        created_at=read(stored.date, created, UNKNOWN_DATE),
        pack_id=texts["pack id"],
        pack_version=texts["pack version"],
        phrase_id=texts["phrase id"],
        text=texts["text"],
        recorder=texts["recorder"],
        audio=data_dir / (texts["recording path"] or DAMAGED_PATH),
        duration=read(stored.seconds, duration, 0.0, "its duration"),
        score=read(stored.score, score, columns),
        reference_audio=read(_reference_path, ref, None, "its reference path"),
        words=read(stored.words, words, no_words),
        missing=bool(missing) if isinstance(missing, int) else False,
        lang=row[19] if isinstance(row[19], str) else "",
        damaged="; ".join(read.reasons),
    )


class _Reader:
    """Reads stored values, collecting why those that cannot be read are damaged."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def __call__(self, parse: Callable[[Any], T], value: Any, fallback: T, why: str = "") -> T:
        """``parse(value)``, or ``fallback`` when the value is damaged (the reason is kept, after ``why``)."""
        try:
            return parse(value)
        except stored.Damaged as exc:
            self.reasons.append(f"{why} {exc}" if why else str(exc))
            return fallback


def _reference_path(value: Any) -> Path | None:
    return None if value is None or value == "" else Path(stored.text(value))


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
    *numbers, version = columns
    overall, accuracy, fluency, intonation, completeness = (stored.number(n, low=0.0, high=100.0) for n in numbers)
    return Score(overall=overall, accuracy=accuracy, fluency=fluency, intonation=intonation, completeness=completeness,
                 scorer_version=stored.text(version))


def utc(when: datetime) -> datetime:
    """``when`` as an aware UTC datetime (naive means UTC)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

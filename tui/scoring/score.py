"""The result of comparing an attempt with a reference: overall score, sub-scores, words."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, kw_only=True)
class WordScore:
    """One reference word and how well the attempt matched it.

    Times are in seconds: ``ref_*`` in the reference, ``att_*`` in the attempt
    (``None`` when the word was not found in the attempt).
    """

    text: str
    score: float
    ref_start: float
    ref_end: float
    att_start: float | None = None
    att_end: float | None = None


_WORD_FIELDS = frozenset(f.name for f in fields(WordScore))


@dataclass(frozen=True, kw_only=True)
class Score:
    """How close an attempt came to the reference; every score is 0–100.

    ``path`` is the alignment, downsampled for plots: pairs of
    ``(reference seconds, attempt seconds)``. ``evidence`` says what the score
    rests on ("Whisper and phone evidence (English)", "template match"); scores stored by
    scorers before ``mfcc-dtw-2`` have none ("").
    """

    overall: float
    accuracy: float
    fluency: float
    intonation: float
    completeness: float
    words: tuple[WordScore, ...] = ()
    issues: tuple[str, ...] = ()
    path: tuple[tuple[float, float], ...] = ()
    scorer_version: str = ""
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return asdict(self)

    def to_json(self) -> str:
        """The score as a compact JSON string."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        """Rebuild a score from :meth:`to_dict` output (unknown keys are ignored)."""
        return cls(
            overall=float(data["overall"]),
            accuracy=float(data["accuracy"]),
            fluency=float(data["fluency"]),
            intonation=float(data["intonation"]),
            completeness=float(data["completeness"]),
            words=tuple(WordScore(**{k: v for k, v in word.items() if k in _WORD_FIELDS}) for word in data.get("words", ())),
            issues=tuple(data.get("issues", ())),
            path=tuple((float(r), float(a)) for r, a in data.get("path", ())),
            scorer_version=str(data.get("scorer_version", "")),
            evidence=str(data.get("evidence", "")),
        )

    @classmethod
    def from_json(cls, text: str) -> Score:
        """Rebuild a score from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

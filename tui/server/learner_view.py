"""One learner's takes over time: the page's table (filtered, newest first, paged) and a score series per phrase.

The series hold the takes that count (scored, not hidden), oldest first, the
latest :data:`MAX_POINTS` of each phrase; the table lists every take the
filters select, hidden ones marked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, func, select

from tui.server import feedback
from tui.server.db import Database
from tui.server.records import Filters, selection
from tui.server.schema import attempts, pack_phrases

PAGE_SIZE = 50
MAX_POINTS = 200
_TABLE_COLUMNS = ("pack_id", "phrase_id", "text", "recorded_at", "status", "overall", "accuracy", "fluency", "intonation",
                  "completeness", "hidden_at", "flagged_at")


@dataclass(frozen=True, kw_only=True)
class TakeRow:
    """One take in the learner's table (scores None unless scored)."""

    id: int
    recorded_at: datetime
    pack: str
    phrase_id: str
    text: str
    status: str
    overall: float | None
    accuracy: float | None
    fluency: float | None
    intonation: float | None
    completeness: float | None
    hidden: bool
    flagged: bool
    answered: bool


@dataclass(frozen=True)
class Series:
    """A phrase's scores over time: ``(recorded_at, overall)`` oldest first."""

    pack: str
    phrase_id: str
    text: str
    points: tuple[tuple[datetime, float], ...]

    @property
    def latest(self) -> float:
        """The latest score."""
        return self.points[-1][1]

    @property
    def best(self) -> float:
        """The best score."""
        return max(score for _, score in self.points)


@dataclass(frozen=True, kw_only=True)
class LearnerView:
    """A page of one learner's takes with the charts and what the filter form offers."""

    takes: tuple[TakeRow, ...]
    total: int
    page: int
    pages: int
    series: tuple[Series, ...]
    phrases: tuple[tuple[str, str, str], ...]
    """Every phrase the learner took: ``(pack, phrase id, text)`` in lesson order."""


def learner_view(db: Database, learner_id: int, filters: Filters, *, page: int = 1, per_page: int = PAGE_SIZE) -> LearnerView:
    """The learner's takes ``filters`` selects (``learner_id`` is set here), page ``page``; past the end shows the last."""
    filters = replace(filters, learner_id=learner_id, learner=None)
    counted = replace(filters, state="visible")
    with db.reading() as conn:
        phrases = _phrases(conn, learner_id)
        total = conn.execute(select(func.count()).select_from(selection(filters, ("id",)).subquery())).scalar_one()
        pages = max(1, math.ceil(total / per_page))
        page = min(max(1, page), pages)
        rows = conn.execute(selection(filters, _TABLE_COLUMNS).order_by(attempts.c.recorded_at.desc(), attempts.c.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
        points = conn.execute(selection(counted, ("pack_id", "phrase_id", "recorded_at", "overall"))
                              .where(attempts.c.status == "scored").order_by(attempts.c.recorded_at, attempts.c.id)).all()
    answered = feedback.answered(db, [row.id for row in rows])
    takes = tuple(TakeRow(id=row.id, recorded_at=row.recorded_at, pack=row.pack_id, phrase_id=row.phrase_id, text=row.text,
                          status=row.status, overall=row.overall, accuracy=row.accuracy, fluency=row.fluency,
                          intonation=row.intonation, completeness=row.completeness, hidden=row.hidden_at is not None,
                          flagged=row.flagged_at is not None, answered=row.id in answered) for row in rows)
    by_phrase: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for row in points:
        by_phrase.setdefault((row.pack_id, row.phrase_id), []).append((row.recorded_at, float(row.overall)))
    series = tuple(Series(pack, phrase_id, text, tuple(by_phrase[(pack, phrase_id)][-MAX_POINTS:]))
                   for pack, phrase_id, text in phrases if (pack, phrase_id) in by_phrase)
    return LearnerView(takes=takes, total=total, page=page, pages=pages, series=series, phrases=phrases)


def _phrases(conn: Connection, learner_id: int) -> tuple[tuple[str, str, str], ...]:
    """The learner's phrases in lesson order (the published pack's text, else a take's own); unpublished ones last."""
    taken = conn.execute(select(attempts.c.pack_id, attempts.c.phrase_id, func.max(attempts.c.text))
                         .where(attempts.c.learner_id == learner_id).group_by(attempts.c.pack_id, attempts.c.phrase_id)).all()
    packs = sorted({pack for pack, _, _ in taken})
    published = {(pack, phrase): (position, text) for pack, phrase, position, text in conn.execute(
        select(pack_phrases.c.pack_id, pack_phrases.c.phrase_id, pack_phrases.c.position, pack_phrases.c.text)
        .where(pack_phrases.c.pack_id.in_(packs)))} if packs else {}
    ordered = sorted(((pack, published.get((pack, phrase), (math.inf, text))[0], phrase,
                       published.get((pack, phrase), (0, text))[1]) for pack, phrase, text in taken))
    return tuple((pack, phrase, text) for pack, _, phrase, text in ordered)


"""The class page: one class's learners × phrases (latest, best, trend), paged and sorted, read from the summaries.

A page costs a few indexed queries whatever the class's size: the columns
(distinct phrases of the class's summaries, headed by the published pack's
text in lesson order when the server has the pack), the learners of the page
in the chosen order, and their summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from tui.server.db import Database
from tui.server.schema import classes, learners, pack_phrases, summaries

TREND_STEP = 1.0
"""Points per attempt (slope of the last five) beyond which a phrase counts as improving or slipping."""
PAGE_SIZE = 50
SORTS = ("name", "mean", "takes", "last")
"""Learner orders besides a phrase's latest score (``phrase:PACK/PHRASE``); ``-`` before one reverses it."""
DEFAULT_SORT = "name"
PHRASE_SORT = "phrase:"


@dataclass(frozen=True)
class Column:
    """One practised phrase."""

    pack: str
    phrase_id: str
    text: str

    @property
    def key(self) -> str:
        """``pack/phrase``: how a sort names this column."""
        return f"{self.pack}/{self.phrase_id}"


@dataclass(frozen=True)
class Cell:
    """How one learner did at one phrase: ``latest_id`` links to their latest take."""

    attempts: int
    latest: float
    best: float
    trend: str
    latest_id: int


@dataclass(frozen=True, kw_only=True)
class Row:
    """One learner of the page and a cell per column (None where they never tried)."""

    learner: str
    removed: bool
    mean: float | None
    takes: int
    last: datetime | None
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True, kw_only=True)
class ClassPage:
    """One page of a class's table, with what the page's links need."""

    class_id: int
    class_name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    packs: tuple[str, ...]
    pack: str | None
    sort: str
    page: int
    pages: int
    learners: int
    per_page: int

    @property
    def first(self) -> int:
        """1-based number of the page's first learner."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """1-based number of the page's last learner."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def trend_arrow(trend: float | None) -> str:
    """↗ improving, ↘ slipping, → steady, "" with a single attempt."""
    if trend is None:
        return ""
    return "↗" if trend > TREND_STEP else "↘" if trend < -TREND_STEP else "→"


def check_sort(sort: str | None) -> str:
    """``sort`` when it names an order (see :data:`SORTS`), else the default."""
    if not sort:
        return DEFAULT_SORT
    key = sort.removeprefix("-")
    if key in SORTS or (key.startswith(PHRASE_SORT) and key.count("/") == 1 and len(key) < 200):
        return sort
    return DEFAULT_SORT


def _in_class(class_id: int, pack: str | None) -> ColumnElement[bool]:
    scope = summaries.c.class_id == class_id
    return and_(scope, summaries.c.pack_id == pack) if pack is not None else scope


def columns(db: Database, class_id: int, pack: str | None = None) -> tuple[Column, ...]:
    """The phrases practised in a class (of ``pack``), by pack and lesson order, headed by the published text."""
    pairs = (select(summaries.c.pack_id, summaries.c.phrase_id).where(_in_class(class_id, pack)).distinct().subquery())
    query = (select(pairs.c.pack_id, pairs.c.phrase_id, pack_phrases.c.text, pack_phrases.c.position)
             .outerjoin(pack_phrases, and_(pack_phrases.c.pack_id == pairs.c.pack_id, pack_phrases.c.phrase_id == pairs.c.phrase_id)))
    with db.reading() as conn:
        found = conn.execute(query).all()
        result = []
        for pack_id, phrase_id, text, position in found:
            if text is None:  # not in a published pack: the text a take of it carried
                text = conn.execute(select(summaries.c.text).where(
                    summaries.c.class_id == class_id, summaries.c.pack_id == pack_id, summaries.c.phrase_id == phrase_id
                ).limit(1)).scalar_one()
            result.append((pack_id, math.inf if position is None else position, phrase_id, text))
    return tuple(Column(pack_id, phrase_id, text) for pack_id, _, phrase_id, text in sorted(result))


def _order(sort: str, agg: Any, phrase: Any) -> list[Any]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    column = {"name": learners.c.name, "mean": agg.c.mean, "takes": agg.c.takes, "last": agg.c.last}.get(key)
    if column is None:
        column = phrase.c.latest
    ordered = column.desc() if descending else column.asc()
    return [ordered.nulls_last(), learners.c.name, learners.c.id]


def _learners(class_id: int, pack: str | None, sort: str) -> tuple[Select[Any], Any]:
    agg = (select(summaries.c.learner_id, func.avg(summaries.c.latest).label("mean"),
                  func.sum(summaries.c.attempts).label("takes"), func.max(summaries.c.latest_at).label("last"))
           .where(_in_class(class_id, pack)).group_by(summaries.c.learner_id).subquery())
    query = (select(learners.c.id, learners.c.name, learners.c.removed_at, agg.c.mean, agg.c.takes, agg.c.last)
             .outerjoin(agg, agg.c.learner_id == learners.c.id)
             .where(learners.c.class_id == class_id, or_(learners.c.removed_at.is_(None), agg.c.takes.is_not(None))))
    phrase = None
    if sort.removeprefix("-").startswith(PHRASE_SORT):
        pack_id, _, phrase_id = sort.removeprefix("-").removeprefix(PHRASE_SORT).partition("/")
        phrase = (select(summaries.c.learner_id, summaries.c.latest)
                  .where(summaries.c.class_id == class_id, summaries.c.pack_id == pack_id, summaries.c.phrase_id == phrase_id)
                  .subquery())
        query = query.outerjoin(phrase, phrase.c.learner_id == learners.c.id)
    return query.order_by(*_order(sort, agg, phrase)), agg


def class_page(db: Database, class_id: int, *, pack: str | None = None, sort: str = DEFAULT_SORT, page: int = 1,
               per_page: int = PAGE_SIZE) -> ClassPage | None:
    """One page of the class table (None when there is no such class); a page past the end shows the last one."""
    sort = check_sort(sort)
    with db.reading() as conn:
        name = conn.execute(select(classes.c.name).where(classes.c.id == class_id)).scalar()
        if name is None:
            return None
        packs = tuple(conn.execute(select(summaries.c.pack_id).where(summaries.c.class_id == class_id)
                                   .distinct().order_by(summaries.c.pack_id)).scalars())
        if pack not in packs:
            pack = None
        query, _ = _learners(class_id, pack, sort)
        total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        found = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
        ids = [row.id for row in found]
        cells: dict[tuple[int, str, str], Cell] = {}
        if ids:
            for s in conn.execute(select(summaries).where(summaries.c.learner_id.in_(ids), _in_class(class_id, pack))):
                cells[(s.learner_id, s.pack_id, s.phrase_id)] = Cell(s.attempts, s.latest, s.best, trend_arrow(s.trend),
                                                                     s.latest_attempt_id)
    cols = columns(db, class_id, pack)
    rows = tuple(Row(learner=row.name, removed=row.removed_at is not None, mean=row.mean, takes=int(row.takes or 0),
                     last=row.last, cells=tuple(cells.get((row.id, c.pack, c.phrase_id)) for c in cols))
                 for row in found)
    return ClassPage(class_id=class_id, class_name=name, columns=cols, rows=rows, packs=packs, pack=pack, sort=sort,
                     page=page, pages=pages, learners=total, per_page=per_page)

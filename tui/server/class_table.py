"""The class page: one class's learners × phrases (latest, best, trend), paged and sorted, read from the summaries.

A page costs a few indexed queries whatever the class's size: the columns
(the class's phrases that a published pack has, headed by the pack's text in
lesson order), the learners of the page in the chosen order, and their
summaries. Sorting by a learner's mean, takes or last take aggregates the
class's summaries (an index-only scan). Phrases that no published pack has
(a learner's own pack, or ids made up) never become a column or a pack
filter: they are listed apart, by id, so nothing a learner sends renames or
adds a column of the class's table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from tui.server.db import Database
from tui.server.schema import attempts, class_phrases, classes, learners, pack_phrases, summaries

TREND_STEP = 1.0
"""Points per attempt (slope of the last five) beyond which a phrase counts as improving or slipping."""
PAGE_SIZE = 50
SORTS = ("name", "mean", "takes", "last")
"""Learner orders besides a phrase's latest score (``phrase:PACK/PHRASE``); ``-`` before one reverses it."""
DEFAULT_SORT = "name"
PHRASE_SORT = "phrase:"
OTHERS_SHOWN = 50
OTHER_TEXT = 80


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
    """One learner of the page and a cell per column (None where they never tried); ``pending``: takes being scored."""

    id: int
    learner: str
    removed: bool
    mean: float | None
    takes: int
    last: datetime | None
    cells: tuple[Cell | None, ...]
    pending: int = 0


@dataclass(frozen=True)
class OtherPhrase:
    """A phrase practised in the class that no published pack has: listed apart, never a column."""

    pack: str
    phrase_id: str
    text: str
    learners: int


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
    others: tuple[OtherPhrase, ...] = ()
    others_total: int = 0

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


@dataclass(frozen=True)
class Scope:
    """The summaries a page counts: one class's (of one pack), and only published phrases when the class has others."""

    class_id: int
    pack: str | None
    published_only: bool


def _in_class(scope: Scope) -> ColumnElement[bool]:
    """The summaries of ``scope`` (the published-phrase check costs a lookup per summary, so only when needed)."""
    found = summaries.c.class_id == scope.class_id
    if scope.pack is not None:
        found = and_(found, summaries.c.pack_id == scope.pack)
    if scope.published_only:
        published = (select(pack_phrases.c.phrase_id)
                     .where(pack_phrases.c.pack_id == summaries.c.pack_id, pack_phrases.c.phrase_id == summaries.c.phrase_id))
        found = and_(found, published.exists())
    return found


def _phrases(conn: Connection, class_id: int) -> list[tuple[str, str]]:
    """The (pack, phrase) pairs practised in a class."""
    query = select(class_phrases.c.pack_id, class_phrases.c.phrase_id).where(class_phrases.c.class_id == class_id)
    return [(pack_id, phrase_id) for pack_id, phrase_id in conn.execute(query)]


def _published(conn: Connection, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str]]:
    """``(pack, phrase) -> (lesson position, text)`` of the published phrases among ``pairs``."""
    return {(pack_id, phrase_id): (position, text) for pack_id, phrase_id, position, text in conn.execute(
        select(pack_phrases.c.pack_id, pack_phrases.c.phrase_id, pack_phrases.c.position, pack_phrases.c.text)
        .where(pack_phrases.c.pack_id.in_(sorted({pack_id for pack_id, _ in pairs}))))}


def _columns(conn: Connection, pairs: list[tuple[str, str]]) -> tuple[Column, ...]:
    """Columns for the published phrases among ``pairs``, by pack and lesson order, headed by the published text."""
    published = _published(conn, pairs)
    found = sorted((pack_id, *published[(pack_id, phrase_id)], phrase_id) for pack_id, phrase_id in pairs
                   if (pack_id, phrase_id) in published)
    return tuple(Column(pack_id, phrase_id, text) for pack_id, _, text, phrase_id in found)


def _others(conn: Connection, class_id: int, pairs: list[tuple[str, str]],
            limit: int = OTHERS_SHOWN) -> tuple[tuple[OtherPhrase, ...], int]:
    """The phrases among ``pairs`` that no published pack has (the first ``limit``, by id) and how many there are."""
    published = _published(conn, pairs)
    unlisted = sorted(pair for pair in pairs if pair not in published)
    shown = []
    for pack_id, phrase_id in unlisted[:limit]:
        text, learners_ = conn.execute(select(func.min(summaries.c.text), func.count()).where(
            summaries.c.class_id == class_id, summaries.c.pack_id == pack_id, summaries.c.phrase_id == phrase_id)).one()
        shown.append(OtherPhrase(pack_id, phrase_id, str(text or "")[:OTHER_TEXT], int(learners_)))
    return tuple(shown), len(unlisted)


def columns(db: Database, class_id: int, pack: str | None = None) -> tuple[Column, ...]:
    """The published phrases practised in a class (of ``pack``), by pack and lesson order, headed by the published text."""
    with db.reading() as conn:
        pairs = [pair for pair in _phrases(conn, class_id) if pack is None or pair[0] == pack]
        return _columns(conn, pairs)


def score_value(value: object) -> float | None:
    """A stored score as the page shows it: a finite number from 0 to 100, else None (a row written by something else)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 100:
        return float(value)
    return None


def _cell(row: Any) -> Cell | None:
    latest, best = score_value(row.latest), score_value(row.best)
    trend = row.trend if isinstance(row.trend, (int, float)) and math.isfinite(row.trend) else None
    if latest is None or not isinstance(row.attempts, int):
        return None
    return Cell(row.attempts, latest, best if best is not None else latest, trend_arrow(trend), row.latest_attempt_id)


def _aggregates(scope: Scope) -> Any:
    """Per learner of the class: mean of latest scores, takes, latest recording time (from the covering index)."""
    valid = case((summaries.c.latest.between(0, 100), summaries.c.latest))  # a stored score that is none (1e308) counts not
    return (select(summaries.c.learner_id, func.avg(valid).label("mean"),
                   func.sum(summaries.c.attempts).label("takes"), func.max(summaries.c.latest_at).label("last"))
            .where(_in_class(scope)).group_by(summaries.c.learner_id))


def _listed(class_id: int, pack: str | None) -> ColumnElement[bool]:
    """The learners a class's table lists: its active learners, and those who left when they have takes."""
    tried = select(summaries.c.learner_id).where(summaries.c.learner_id == learners.c.id)
    if pack is not None:
        tried = tried.where(summaries.c.pack_id == pack)
    return and_(learners.c.class_id == class_id, or_(learners.c.removed_at.is_(None), tried.exists()))


def _learner_page(conn: Connection, scope: Scope, sort: str, limit: int, offset: int) -> list[Any]:
    """The page's learners, ``(id, name, removed_at, mean, takes, last)`` each, in ``sort`` order.

    Sorting by name or by one phrase reads the page's learners first and
    their aggregates after; sorting by an aggregate computes it for the class.
    """
    class_id = scope.class_id
    listed = _listed(class_id, scope.pack)
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    query = select(learners.c.id, learners.c.name, learners.c.removed_at).where(listed)
    if key in ("mean", "takes", "last"):
        agg = _aggregates(scope).subquery()
        column: Any = agg.c[key]
        query = query.add_columns(agg.c.mean, agg.c.takes, agg.c.last).outerjoin(agg, agg.c.learner_id == learners.c.id)
    elif key.startswith(PHRASE_SORT):
        pack_id, _, phrase_id = key.removeprefix(PHRASE_SORT).partition("/")
        phrase = (select(summaries.c.learner_id, summaries.c.latest)
                  .where(summaries.c.class_id == class_id, summaries.c.pack_id == pack_id, summaries.c.phrase_id == phrase_id)
                  .subquery())
        column = phrase.c.latest
        query = query.outerjoin(phrase, phrase.c.learner_id == learners.c.id)
    else:
        column = learners.c.name
    ordered = (column.desc() if descending else column.asc()).nulls_last()
    found = list(conn.execute(query.order_by(ordered, learners.c.name, learners.c.id).limit(limit).offset(offset)))
    if key in ("mean", "takes", "last"):
        return found
    ids = [row.id for row in found]
    stats = {row.learner_id: row for row in conn.execute(_aggregates(scope).where(summaries.c.learner_id.in_(ids)))}
    empty = (None, None, None)
    return [(row.id, row.name, row.removed_at, *((stats[row.id].mean, stats[row.id].takes, stats[row.id].last)
                                                 if row.id in stats else empty)) for row in found]


def _pending(conn: Connection, class_id: int, learner_ids: list[int]) -> dict[int, int]:
    """How many takes of each of ``learner_ids`` wait for their score (they count in no summary until scored)."""
    if not learner_ids:
        return {}
    query = (select(attempts.c.learner_id, func.count()).where(
        attempts.c.status == "pending", attempts.c.class_id == class_id, attempts.c.learner_id.in_(learner_ids))
        .group_by(attempts.c.learner_id))
    return {learner_id: int(count) for learner_id, count in conn.execute(query)}


def class_page(db: Database, class_id: int, *, pack: str | None = None, sort: str = DEFAULT_SORT, page: int = 1,
               per_page: int = PAGE_SIZE) -> ClassPage | None:
    """One page of the class table (None when there is no such class); a page past the end shows the last one."""
    sort = check_sort(sort)
    with db.reading() as conn:
        name = conn.execute(select(classes.c.name).where(classes.c.id == class_id)).scalar()
        if name is None:
            return None
        pairs = _phrases(conn, class_id)
        every_column = _columns(conn, pairs)
        packs = tuple(sorted({c.pack for c in every_column}))
        if pack not in packs:
            pack = None
        cols = tuple(c for c in every_column if pack is None or c.pack == pack)
        others, others_total = _others(conn, class_id, pairs) if pack is None else ((), 0)
        total = conn.execute(select(func.count()).select_from(learners).where(_listed(class_id, pack))).scalar_one()
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        scope = Scope(class_id, pack, published_only=len(every_column) < len(pairs))
        found = _learner_page(conn, scope, sort, per_page, (page - 1) * per_page)
        cells: dict[tuple[int, str, str], Cell] = {}
        if found:
            query = select(summaries).where(summaries.c.learner_id.in_([row[0] for row in found]), _in_class(scope))
            for s in conn.execute(query):
                cell = _cell(s)
                if cell is not None:
                    cells[(s.learner_id, s.pack_id, s.phrase_id)] = cell
        pending = _pending(conn, class_id, [row[0] for row in found])
    rows = tuple(Row(id=id_, learner=str(name_), removed=removed is not None, mean=score_value(mean),
                     takes=int(takes) if isinstance(takes, (int, float)) and math.isfinite(takes) else 0, last=last,
                     cells=tuple(cells.get((id_, c.pack, c.phrase_id)) for c in cols), pending=pending.get(id_, 0))
                 for id_, name_, removed, mean, takes, last in found)
    return ClassPage(class_id=class_id, class_name=str(name), columns=cols, rows=rows, packs=packs, pack=pack, sort=sort,
                     page=page, pages=pages, learners=total, per_page=per_page, others=others, others_total=others_total)

"""The class table of the teacher's home page: learners × phrases with latest and best score and trend."""

from __future__ import annotations

from dataclasses import dataclass

from tui.server import accounts, records
from tui.server.db import Database
from tui.server.records import ServerAttempt
from tui.store.attempts import PhraseStats

TREND_STEP = 1.0
"""Points per attempt (slope of the last five) beyond which a phrase counts as improving or slipping."""


@dataclass(frozen=True)
class Column:
    """One practised phrase."""

    pack: str
    phrase_id: str
    text: str


@dataclass(frozen=True)
class Cell:
    """How one learner did at one phrase: ``latest_id`` links to their latest take."""

    attempts: int
    latest: float
    best: float
    trend: str
    latest_id: int


@dataclass(frozen=True)
class Row:
    """One learner and a cell per column (None where they never tried)."""

    learner: str
    removed: bool
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class ClassTable:
    """The whole table, and the pack ids to filter by."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    packs: tuple[str, ...]


def trend_arrow(trend: float | None) -> str:
    """↗ improving, ↘ slipping, → steady, "" with a single attempt."""
    if trend is None:
        return ""
    return "↗" if trend > TREND_STEP else "↘" if trend < -TREND_STEP else "→"


def class_table(db: Database, pack: str | None = None) -> ClassTable:
    """Build the table from every stored take (of ``pack`` only, when given)."""
    with db.reading() as conn:
        rows = conn.execute("SELECT id, learner_id, pack_id, phrase_id, text, overall FROM attempts ORDER BY id").fetchall()
    packs = tuple(sorted({row[2] for row in rows}))
    columns: dict[tuple[str, str], Column] = {}
    scores: dict[tuple[int, str, str], list[tuple[int, float]]] = {}
    for id, learner_id, pack_id, phrase_id, text, overall in rows:
        if pack is not None and pack_id != pack:
            continue
        columns[(pack_id, phrase_id)] = Column(pack_id, phrase_id, text)
        scores.setdefault((learner_id, pack_id, phrase_id), []).append((id, overall))
    ordered = sorted(columns.values(), key=lambda c: (c.pack, c.phrase_id))
    table_rows = []
    for learner in accounts.learners(db):
        cells: list[Cell | None] = []
        for column in ordered:
            taken = scores.get((learner.id, column.pack, column.phrase_id))
            if not taken:
                cells.append(None)
                continue
            stats = PhraseStats.from_scores([overall for _, overall in taken])
            cells.append(Cell(stats.attempts, stats.last or 0.0, stats.best or 0.0, trend_arrow(stats.trend), taken[-1][0]))
        if learner.removed_at is None or any(cells):
            table_rows.append(Row(learner.name, learner.removed_at is not None, tuple(cells)))
    return ClassTable(tuple(ordered), tuple(table_rows), packs)


def recent(db: Database, count: int) -> list[ServerAttempt]:
    """The ``count`` latest takes, newest first."""
    return list(reversed(records.listing(db, newest=count)))

"""Which phrases a class finds hard: each phrase's class mean, the share of learners below 60, the words most often weak.

Read from the summaries (each learner's latest take of each phrase, hidden
takes left out), so the page costs the same for 30 takes or 300,000: one
aggregate over the class's summaries (an index-only scan) and one pass over
their weak words. A word is weak in a take when its score is below
:data:`WEAK_BELOW`; the summary of a learner and phrase keeps the weak words of
the latest take (``summaries.weak``, JSON).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from tui.server.class_table import Column, columns
from tui.server.db import Database
from tui.server.schema import summaries

WEAK_BELOW = 60.0
"""A word scoring below this is weak (the pages' "poor" band)."""
TOP_WORDS = 3
SORTS = ("order", "mean", "below", "learners")
"""Orders of the difficulty table; ``-`` before one reverses it. ``order`` is the pack's lesson order."""
DEFAULT_SORT = "order"
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def weak_words(score: dict[str, Any]) -> list[str]:
    """The words of a stored score below :data:`WEAK_BELOW`, lower-case, without punctuation, in phrase order."""
    found: list[str] = []
    for word in score.get("words") or ():
        try:
            value = float(word["score"])
            text = str(word["text"])
        except (KeyError, TypeError, ValueError):
            continue
        if value < WEAK_BELOW:
            found.extend(match.casefold() for match in _WORD.findall(text)[:1])
    return found


def weak_json(score_json: str | None) -> str | None:
    """:func:`weak_words` of a stored score's JSON, as JSON (None when the score cannot be read or has no words)."""
    if not score_json:
        return None
    try:
        score = json.loads(score_json)
    except (ValueError, RecursionError):
        return None
    if not isinstance(score, dict) or not score.get("words"):
        return None
    return json.dumps(weak_words(score), ensure_ascii=False)


@dataclass(frozen=True)
class PhraseDifficulty:
    """How a class does at one phrase (over each learner's latest take).

    Attributes
    ----------
    column : Column
        The phrase: pack, id and text.
    position : int
        Its place in the lesson order of the table (0 first).
    learners : int
        Learners with a scored take of it.
    mean : float
        Mean of their latest scores.
    below : float
        Share (0–1) of them whose latest score is below 60.
    weak : tuple of (word, learners)
        The words most often weak, with how many learners' latest take had them weak.
    """

    column: Column
    position: int
    learners: int
    mean: float
    below: float
    weak: tuple[tuple[str, int], ...]


def check_sort(sort: str | None) -> str:
    """``sort`` when it names an order of :data:`SORTS` (``-`` allowed), else the lesson order."""
    return sort if sort and sort.removeprefix("-") in SORTS else DEFAULT_SORT


def difficulty(db: Database, class_id: int, *, pack: str | None = None, sort: str = DEFAULT_SORT) -> list[PhraseDifficulty]:
    """Every phrase the class practised (of ``pack``), in ``sort`` order (the hardest first for ``mean``: lowest mean)."""
    cols = columns(db, class_id, pack)
    scope = [summaries.c.class_id == class_id] + ([summaries.c.pack_id == pack] if pack is not None else [])
    totals = (select(summaries.c.pack_id, summaries.c.phrase_id, func.count(), func.avg(summaries.c.latest),
                     func.sum(case((summaries.c.latest < WEAK_BELOW, 1), else_=0)))
              .where(*scope).group_by(summaries.c.pack_id, summaries.c.phrase_id))
    weak_rows = select(summaries.c.pack_id, summaries.c.phrase_id, summaries.c.weak).where(
        *scope, summaries.c.weak.is_not(None), summaries.c.weak != "[]")
    counted: dict[tuple[str, str], Counter[str]] = {}
    with db.reading() as conn:
        stats = {(pack_id, phrase_id): (int(n), float(mean), int(low)) for pack_id, phrase_id, n, mean, low in conn.execute(totals)}
        for pack_id, phrase_id, weak in conn.execute(weak_rows.execution_options(yield_per=5000)):
            counted.setdefault((pack_id, phrase_id), Counter()).update(set(_words(weak)))
    rows = []
    for position, column in enumerate(cols):
        n, mean, low = stats.get((column.pack, column.phrase_id), (0, 0.0, 0))
        if not n:
            continue
        common = counted.get((column.pack, column.phrase_id), Counter()).most_common()
        common.sort(key=lambda item: (-item[1], item[0]))
        rows.append(PhraseDifficulty(column, position, n, mean, low / n, tuple(common[:TOP_WORDS])))
    return _sorted(rows, check_sort(sort))


def _words(weak: str) -> list[str]:
    try:
        found = json.loads(weak)
    except (ValueError, RecursionError):
        return []
    return [word for word in found if isinstance(word, str)] if isinstance(found, list) else []


def _sorted(rows: list[PhraseDifficulty], sort: str) -> list[PhraseDifficulty]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key == "order":
        return sorted(rows, key=lambda row: row.position, reverse=descending)
    value = {"mean": lambda row: row.mean, "below": lambda row: -row.below, "learners": lambda row: -row.learners}[key]
    return sorted(rows, key=lambda row: (value(row), row.position), reverse=descending)

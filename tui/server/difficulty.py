"""Which phrases a class finds hard: each phrase's class mean, the share of learners below 60, the words and sounds
most often weak.

Read from the summaries (each learner's latest take of each phrase, hidden
takes left out), so the page costs the same for 30 takes or 300,000: one
aggregate over the class's summaries (an index-only scan) and one pass over
their weak points. A word is weak in a take when its score is below
:data:`WEAK_BELOW`; the weak sound is the English scorer's finding about the
weakest word's weakest sound ("the 'th' in 'the' sounded like 'd'", read by
:data:`SOUND_FINDING`). The summary of a learner and phrase keeps those of the
latest take (the ``weak_points`` table, written with the summary); a phrase's
counts are one aggregate over the class's rows of it (an index-only scan).
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
from tui.server.schema import summaries, weak_points

WEAK_BELOW = 60.0
"""A word scoring below this is weak (the pages' "poor" band)."""
TOP_WORDS = 3
SORTS = ("order", "mean", "below", "learners")
"""Orders of the difficulty table; ``-`` before one reverses it. ``order`` is the pack's lesson order."""
DEFAULT_SORT = "order"
_WORD = re.compile(r"\w+(?:['’]\w+)*")
SOUND_FINDING = re.compile(r"^the (?P<sound>'[^']+'|vowel) in '(?P<word>[^']+)' (?:sounded like .+|was unclear)$")
"""The scorer's finding about a weak sound (:func:`tui.scoring.english.weakest_sound`); a test holds the two together."""


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


def weak_sound(issues: Any) -> str | None:
    """The sound a score's findings name as weak, as ``'th' in 'the'`` (None when they name none)."""
    for issue in issues if isinstance(issues, list) else ():
        found = SOUND_FINDING.match(str(issue))
        if found:
            return f"{found['sound']} in '{found['word']}'"
    return None


def weak_of(score_json: str | None) -> tuple[list[str], str | None]:
    """The weak words (:func:`weak_words`) and the weak sound (:func:`weak_sound`) of a stored score's JSON."""
    if not score_json:
        return [], None
    try:
        score = json.loads(score_json)
    except (ValueError, RecursionError):
        return [], None
    if not isinstance(score, dict):
        return [], None
    return weak_words(score), weak_sound(score.get("issues"))


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
    sounds : tuple of (sound, learners)
        The sounds the scorer most often found weak (English), likewise.
    """

    column: Column
    position: int
    learners: int
    mean: float
    below: float
    weak: tuple[tuple[str, int], ...]
    sounds: tuple[tuple[str, int], ...] = ()


def check_sort(sort: str | None) -> str:
    """``sort`` when it names an order of :data:`SORTS` (``-`` allowed), else the lesson order."""
    return sort if sort and sort.removeprefix("-") in SORTS else DEFAULT_SORT


def difficulty(db: Database, class_id: int, *, pack: str | None = None, sort: str = DEFAULT_SORT) -> list[PhraseDifficulty]:
    """Every phrase the class practised (of ``pack``), in ``sort`` order (the hardest first for ``mean``: lowest mean)."""
    cols = columns(db, class_id, pack)
    scope = [summaries.c.class_id == class_id, summaries.c.latest.between(0, 100)]  # a stored score that is none counts not
    scope += [summaries.c.pack_id == pack] if pack is not None else []
    totals = (select(summaries.c.pack_id, summaries.c.phrase_id, func.count(), func.avg(summaries.c.latest),
                     func.sum(case((summaries.c.latest < WEAK_BELOW, 1), else_=0)))
              .where(*scope).group_by(summaries.c.pack_id, summaries.c.phrase_id))
    points = (select(weak_points.c.pack_id, weak_points.c.phrase_id, weak_points.c.kind, weak_points.c.item, func.count())
              .where(weak_points.c.class_id == class_id, *([weak_points.c.pack_id == pack] if pack is not None else []))
              .group_by(weak_points.c.pack_id, weak_points.c.phrase_id, weak_points.c.kind, weak_points.c.item))
    counted: dict[tuple[str, str, str], Counter[str]] = {}
    with db.reading() as conn:
        stats = {(pack_id, phrase_id): (int(n), float(mean), int(low)) for pack_id, phrase_id, n, mean, low in conn.execute(totals)}
        for pack_id, phrase_id, kind, item, n in conn.execute(points):
            counted.setdefault((pack_id, phrase_id, kind), Counter())[item] = int(n)
    rows = []
    for position, column in enumerate(cols):
        n, mean, low = stats.get((column.pack, column.phrase_id), (0, 0.0, 0))
        if not n:
            continue
        rows.append(PhraseDifficulty(column, position, n, mean, low / n, _top(counted.get((column.pack, column.phrase_id, "word"))),
                                     _top(counted.get((column.pack, column.phrase_id, "sound")))))
    return _sorted(rows, check_sort(sort))


def _top(counts: Counter[str] | None) -> tuple[tuple[str, int], ...]:
    """The :data:`TOP_WORDS` most common, the most learners first (then alphabetically)."""
    return tuple(sorted((counts or Counter()).items(), key=lambda item: (-item[1], item[0]))[:TOP_WORDS])


def _sorted(rows: list[PhraseDifficulty], sort: str) -> list[PhraseDifficulty]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key == "order":
        return sorted(rows, key=lambda row: row.position, reverse=descending)
    value = {"mean": lambda row: row.mean, "below": lambda row: -row.below, "learners": lambda row: -row.learners}[key]
    return sorted(rows, key=lambda row: (value(row), row.position), reverse=descending)

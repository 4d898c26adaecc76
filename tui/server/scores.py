"""Scores as the server accepts and shows them: every number finite, every score 0–100, every list bounded.

A learner's own score arrives in an upload and is refused (422) unless it
passes :func:`checked`; stored scores are read through :func:`stored` and
:func:`listing_json`, so a row written by anything else — NaN, 1e308, −50,
text that is not JSON — shows as "no score" instead of breaking a page or a
listing for the whole class.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from tui.scoring.score import Score, WordScore

SUB_SCORES = ("overall", "accuracy", "fluency", "intonation", "completeness")
MAX_WORDS = 200
MAX_ISSUES = 40
MAX_PATH = 5000
MAX_TEXT = 500
MAX_STORED = 256 * 1024
"""Stored score JSON longer than this is not shown (a score of a long phrase is a few kB)."""
_HUGE_EXPONENT = re.compile(r"[eE][+]?0*\d{3,}")


def _number(value: Any, what: str, *, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} is not a finite number")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{what} {number:g} is outside {low:g}–{high:g}")
    return number


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"{what} is not a text of at most {MAX_TEXT} characters")
    return value


def _list(value: Any, what: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise ValueError(f"{what} is not a list of at most {limit} items")
    return value


def _word(data: Any, n: int) -> WordScore:
    if not isinstance(data, dict):
        raise ValueError(f"words[{n}] is not an object")
    times = {}
    for key in ("att_start", "att_end"):
        times[key] = None if data.get(key) is None else _number(data[key], f"words[{n}].{key}", low=0.0, high=3600.0)
    return WordScore(text=_text(data.get("text"), f"words[{n}].text"),
                     score=_number(data.get("score"), f"words[{n}].score", low=0.0, high=100.0),
                     ref_start=_number(data.get("ref_start"), f"words[{n}].ref_start", low=0.0, high=3600.0),
                     ref_end=_number(data.get("ref_end"), f"words[{n}].ref_end", low=0.0, high=3600.0), **times)


def checked(data: Any) -> Score:
    """A score from its JSON object, every part checked.

    Raises
    ------
    ValueError
        With what is wrong: a sub-score missing, not a finite number or
        outside 0–100, a word, issue or alignment point malformed, a list too long.
    """
    if not isinstance(data, dict):
        raise ValueError("the score is not an object")
    numbers = {name: _number(data.get(name), name, low=0.0, high=100.0) for name in SUB_SCORES}
    words = tuple(_word(word, n) for n, word in enumerate(_list(data.get("words", []), "words", MAX_WORDS)))
    issues = tuple(_text(issue, "an issue") for issue in _list(data.get("issues", []), "issues", MAX_ISSUES))
    path = []
    for point in _list(data.get("path", []), "path", MAX_PATH):
        if not isinstance(point, list) or len(point) != 2:
            raise ValueError("path holds something other than pairs")
        path.append((_number(point[0], "a path point", low=0.0, high=3600.0), _number(point[1], "a path point", low=0.0, high=3600.0)))
    version = _text(data.get("scorer_version", ""), "scorer_version")
    evidence = _text(data.get("evidence", ""), "evidence")
    return Score(**numbers, words=words, issues=issues, path=tuple(path), scorer_version=version, evidence=evidence)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def stored(text: Any) -> Score | None:
    """A stored score's JSON as a :class:`Score`, None when it is missing or not a valid score."""
    if not isinstance(text, str) or not text or len(text) > MAX_STORED:
        return None
    try:
        return checked(json.loads(text, parse_constant=_reject_constant))
    except (ValueError, RecursionError):
        return None


def listing_json(text: Any) -> str:
    """A stored score's JSON as it can go into a listing: as stored when it is a valid score, else ``null``.

    Only the sub-scores are checked one by one (fast enough for 234,000 rows);
    the rest must be JSON without NaN, infinities or numbers beyond a float's range.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_STORED or _HUGE_EXPONENT.search(text):
        return "null"
    try:
        data = json.loads(text, parse_constant=_reject_constant)
        if not isinstance(data, dict):
            return "null"
        for name in SUB_SCORES:
            _number(data.get(name), name, low=0.0, high=100.0)
    except (ValueError, RecursionError):
        return "null"
    return text

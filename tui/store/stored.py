"""Values read back from the attempts database, checked as strictly as they were when written.

A row can be edited by hand, damaged on disk or written by a buggy build. Each
reader here returns the value or raises :class:`Damaged` saying, in words, what is
wrong with it; the caller shows the row as ``[damaged: why]`` and goes on. What
passes is safe everywhere downstream: a date can be shown in any time zone and
scheduled years ahead, a number is finite, JSON holds no ``NaN`` and has the
shape of a score, so nothing read back can crash a command or make it print
invalid JSON.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from tui.scoring.score import Score
from tui.speech.types import WordTiming

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""Dates an attempt can have. Beyond them a date is damage, and near the years 1 and 9999 it
cannot even be shown in every time zone (UTC+14 overflows 9999-12-31) nor scheduled ahead."""
MAX_SECONDS = 24 * 3600.0
"""Longest duration or time in a take, in seconds: recordings last minutes, never days."""
SCORE_FIELDS = ("overall", "accuracy", "fluency", "intonation", "completeness")
ROW_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError)
"""What parsing a hand-edited or damaged value can raise (bad JSON, bad date, wrong types)."""


class Damaged(ValueError):
    """A stored value is not what pronounce writes; ``str(exc)`` says why, in words, for ``[damaged: …]``."""


def date(value: object) -> datetime:
    """A stored ``created_at`` as an aware UTC datetime within :data:`EARLIEST`..:data:`LATEST`."""
    try:
        when = datetime.fromisoformat(value)  # type: ignore[arg-type]
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except ROW_ERRORS as exc:
        raise Damaged(f"its date {_quoted(value)} is not a date") from exc
    if not EARLIEST <= when < LATEST:
        raise Damaged(f"its date {_quoted(value)} is out of range")
    return when


def number(value: object, *, low: float, high: float) -> float:
    """A stored finite number within ``low``..``high`` (``int`` or ``float``, never text or bytes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Damaged(f"{_quoted(value)} is not a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise Damaged(f"{_quoted(value)} is out of range")
    return number


def seconds(value: object) -> float:
    """A stored duration in seconds: a finite number from 0 to :data:`MAX_SECONDS`."""
    return number(value, low=0.0, high=MAX_SECONDS)


def text(value: object) -> str:
    """A stored text column (SQLite may hold a number or bytes in any column)."""
    if not isinstance(value, str):
        raise Damaged(f"{_quoted(value)} is not text")
    return value


def strict_json(value: object) -> Any:
    """JSON text parsed without ``NaN``, ``Infinity`` or numbers that overflow to infinity."""
    if not isinstance(value, str):
        raise Damaged("it is not text")
    try:
        return json.loads(value, parse_constant=_no_constant, parse_float=_finite_float)
    except ROW_ERRORS as exc:
        raise Damaged("it is not valid JSON") from exc


def score(value: object) -> Score:
    """The stored ``score_json`` as a :class:`Score`, every field of the shape :meth:`Score.to_dict` writes."""
    try:
        data = strict_json(value)
    except Damaged as exc:
        raise Damaged("its score is not valid JSON") from exc
    try:
        _check_score(data)
        return Score.from_dict(data)
    except Damaged as exc:
        raise Damaged(f"its score is not a score ({exc})") from exc
    except ROW_ERRORS as exc:
        raise Damaged("its score is not a score") from exc


def words(value: object) -> tuple[WordTiming, ...]:
    """The stored ``words_json``: word timings with finite times, ``0 <= start <= end`` within a take's length."""
    try:
        data = strict_json(value)
    except Damaged as exc:
        raise Damaged("its word timings are not valid JSON") from exc
    try:
        if not isinstance(data, list):
            raise Damaged("not a list")
        timings = []
        for index, word in enumerate(data):
            where = f"word {index + 1}"
            if not isinstance(word, dict):
                raise Damaged(f"{where} is not an object")
            if missing := [key for key in ("text", "start", "end") if key not in word]:
                raise Damaged(f"{where} has no {missing[0]}")
            if not isinstance(word["text"], str):
                raise Damaged(f"{where}'s text is not text")
            start = _field(f"{where}'s start", word["start"], low=0.0, high=MAX_SECONDS)
            end = _field(f"{where}'s end", word["end"], low=0.0, high=MAX_SECONDS)
            if end < start:
                raise Damaged(f"{where} ends ({end:g} s) before it starts ({start:g} s)")
            timings.append(WordTiming(word["text"], start, end))
    except Damaged as exc:
        raise Damaged(f"its word timings are not valid ({exc})") from exc
    return tuple(timings)


def _check_score(data: object) -> None:
    if not isinstance(data, dict):
        raise Damaged("not an object")
    for key in SCORE_FIELDS:
        _field(key, data.get(key), low=0.0, high=100.0)
    words = data.get("words", [])
    if not isinstance(words, list):
        raise Damaged("words is not a list")
    for index, word in enumerate(words):
        where = f"words[{index}]"
        if not isinstance(word, dict) or not isinstance(word.get("text"), str):
            raise Damaged(f"{where} is not a word")
        _field(f"{where}.score", word.get("score"), low=0.0, high=100.0)
        for key in ("ref_start", "ref_end", "att_start", "att_end"):
            if key in word and not (key.startswith("att_") and word[key] is None):
                _field(f"{where}.{key}", word[key], low=-MAX_SECONDS, high=MAX_SECONDS)
    issues = data.get("issues", [])
    if not isinstance(issues, list) or not all(isinstance(issue, str) for issue in issues):
        raise Damaged("issues is not a list of texts")
    path = data.get("path", [])
    if not isinstance(path, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in path):
        raise Damaged("path is not a list of pairs")
    for index, pair in enumerate(path):
        for value in pair:
            _field(f"path[{index}]", value, low=-MAX_SECONDS, high=MAX_SECONDS)
    for key in ("scorer_version", "evidence"):
        if not isinstance(data.get(key, ""), str):
            raise Damaged(f"{key} is not text")


def _field(where: str, value: object, *, low: float, high: float) -> float:
    try:
        return number(value, low=low, high=high)
    except Damaged as exc:
        raise Damaged(f"{where} {exc}") from exc


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:20]} overflows")
    return value


def _quoted(value: object) -> str:
    """A stored value quoted for a reason, cut short (a damaged column can hold megabytes); bytes by their kind."""
    if value is None:
        return "null"
    shown = value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else f"<{type(value).__name__}>"
    return repr(shown[:40]) + ("…" if len(shown) > 40 else "")

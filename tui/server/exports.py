"""Exports of stored takes as CSV and JSON, written as they are read: memory stays flat whatever their number.

Rows come from :func:`tui.server.records.rows` a batch at a time; each batch
becomes one chunk of text. A stored value that JSON cannot hold (a NaN or an
infinity in an old learner score) is written as ``null``, so no stored take
can break a listing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Row

from tui.server.records import BATCH

CSV_FIELDS = ("id", "learner", "class", "pack", "pack_version", "phrase_id", "text", "lang", "recorded_at", "created_at",
              "status", "duration", "overall", "accuracy", "fluency", "intonation", "completeness", "client_overall",
              "scorer_version", "audio_url")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _number(value: float | None, digits: int | None = None) -> float | str:
    if value is None or not math.isfinite(value):
        return ""
    return round(value, digits) if digits is not None else value


def csv_chunks(rows: Iterable[Row[Any]]) -> Iterator[str]:
    """The CSV export: a header, then one line per take (sub-scores as columns), in chunks of :data:`BATCH` lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for n, a in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in (
            a.id, a.learner, a.class_name, a.pack_id, a.pack_version, a.phrase_id, a.text, a.lang,
            a.recorded_at.isoformat(), a.created_at.isoformat(), a.status, _number(a.duration, 3), _number(a.overall),
            _number(a.accuracy), _number(a.fluency), _number(a.intonation), _number(a.completeness),
            _number(a.client_overall), a.scorer_version or "", f"/api/v1/attempts/{a.id}/audio")])
        if n % BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _loads(text: str | None) -> Any:
    """A stored score's JSON, with NaN and infinities read as None (JSON has no way to write them)."""
    if not text:
        return None
    try:
        return json.loads(text, parse_constant=lambda _: None)
    except (ValueError, RecursionError):
        return None


def api_record(a: Row[Any]) -> dict[str, Any]:
    """One take as ``GET /api/v1/attempts`` lists it (see :meth:`tui.server.records.ServerAttempt.to_api`)."""
    return {
        "id": a.id, "learner": a.learner, "class": a.class_name, "class_id": a.class_id,
        "client_attempt_id": a.client_attempt_id, "pack": a.pack_id, "pack_version": a.pack_version,
        "phrase_id": a.phrase_id, "text": a.text, "lang": a.lang, "recorded_at": a.recorded_at.isoformat(),
        "created_at": a.created_at.isoformat(), "status": a.status, "duration": a.duration,
        "score": _loads(a.score_json) if a.status == "scored" else None, "client_score": _loads(a.client_score_json),
        "audio_url": f"/api/v1/attempts/{a.id}/audio",
    }


def json_chunks(rows: Iterable[Row[Any]]) -> Iterator[str]:
    """``{"attempts": [...]}``, one chunk per :data:`BATCH` takes."""
    parts = ['{"attempts":[']
    for n, row in enumerate(rows):
        parts.append(("," if n else "") + json.dumps(api_record(row), ensure_ascii=False, allow_nan=False,
                                                     separators=(",", ":")))
        if len(parts) >= BATCH:
            yield "".join(parts)
            parts = []
    parts.append("]}")
    yield "".join(parts)

"""Exports of stored takes as CSV and JSON, written as they are read: memory stays flat whatever their number.

Rows come from :func:`tui.server.records.rows` a batch at a time (only the
columns an export writes); each batch becomes one chunk of text. Whatever a
row holds — a score that is not a valid score, NaN, an infinity, a time that
is not one, text where a number belongs — is written as empty (CSV) or
``null`` (JSON), so no stored take can break a listing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from datetime import datetime

from tui.server import records
from tui.server.db import Database
from tui.server.records import BATCH, Filters
from tui.server.scores import listing_json

CSV_FIELDS = ("id", "learner", "class", "pack", "pack_version", "phrase_id", "text", "lang", "recorded_at", "created_at",
              "status", "duration", "overall", "accuracy", "fluency", "intonation", "completeness", "client_overall",
              "scorer_version", "audio_url", "hidden", "flagged")
CSV_COLUMNS = ("pack_id", "pack_version", "phrase_id", "text", "lang", "recorded_at", "created_at", "status", "duration",
               "overall", "accuracy", "fluency", "intonation", "completeness", "client_overall", "scorer_version", "hidden_at",
               "flagged_at")
"""The ``attempts`` columns the CSV export reads."""
JSON_COLUMNS = ("class_id", "client_attempt_id", "pack_id", "pack_version", "phrase_id", "text", "lang",
                "recorded_at", "created_at", "status", "duration", "score_json", "client_score_json", "hidden_at", "flagged_at")
"""The ``attempts`` columns the JSON listing reads."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str | None) -> str:
    """A CSV text cell that a spreadsheet will not run as a formula."""
    if not value:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _number(value: object) -> float | str:
    """A number a listing can hold, "" for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return ""


def _time(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def csv_chunks(db: Database, filters: Filters, *, batch: int = BATCH) -> Iterator[str]:
    """The CSV export of the takes ``filters`` selects: a header, then one line per take (sub-scores as columns).

    In chunks of ``batch`` lines, each read from the database just before it is written.
    """
    rows = records.rows(db, filters, columns=CSV_COLUMNS, batch=batch)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for n, (id, pack, version, phrase, text, lang, recorded, created, status, duration, overall, accuracy, fluency,
            intonation, completeness, client, scorer, hidden, flagged, learner, class_name) in enumerate(rows, start=1):  # CSV_COLUMNS' order
        seconds = _number(duration)
        writer.writerow((  # every text that a row may hold is guarded against spreadsheet formulas
            id, csv_text(_str(learner)), csv_text(_str(class_name)), csv_text(_str(pack)), csv_text(_str(version)),
            csv_text(_str(phrase)), csv_text(_str(text)), csv_text(_str(lang)), _time(recorded) or "", _time(created) or "",
            csv_text(_str(status)), round(seconds, 3) if isinstance(seconds, float) else seconds, _number(overall),
            _number(accuracy), _number(fluency), _number(intonation), _number(completeness), _number(client),
            csv_text(_str(scorer)), f"/api/v1/attempts/{id}/audio", int(hidden is not None), int(flagged is not None)))
        if n % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def json_chunks(db: Database, filters: Filters, *, batch: int = BATCH) -> Iterator[str]:
    """``{"attempts": [...]}`` of the takes ``filters`` selects, one chunk per ``batch`` takes.

    Each take as ``GET /api/v1/attempts`` documents it: id, learner, class,
    class_id, client_attempt_id, pack, pack_version, phrase_id, text, lang,
    recorded_at, created_at, status, hidden, flagged, duration, score (null
    unless scored), client_score, audio_url.
    """
    rows = records.rows(db, filters, columns=JSON_COLUMNS, batch=batch)
    parts = ['{"attempts":[']
    for n, (id, class_id, client_id, pack, version, phrase, text, lang, recorded, created, status, duration, score,
            client_score, hidden, flagged, learner, class_name) in enumerate(rows):  # JSON_COLUMNS' order
        seconds = _number(duration)
        head = json.dumps({"id": id, "learner": _str(learner), "class": _str(class_name), "class_id": class_id,
                           "client_attempt_id": _str(client_id), "pack": _str(pack), "pack_version": _str(version),
                           "phrase_id": _str(phrase), "text": _str(text), "lang": _str(lang), "recorded_at": _time(recorded),
                           "created_at": _time(created), "status": _str(status), "hidden": hidden is not None,
                           "flagged": flagged is not None, "duration": None if seconds == "" else seconds},
                          ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        parts.append(f'{"," if n else ""}{head[:-1]},"score":{listing_json(score) if status == "scored" else "null"},'
                     f'"client_score":{listing_json(client_score)},"audio_url":"/api/v1/attempts/{id}/audio"}}')
        if len(parts) >= batch:
            yield "".join(parts)
            parts = []
    parts.append("]}")
    yield "".join(parts)

"""Exports of stored takes as CSV and JSON, written as they are read: memory stays flat whatever their number.

Rows come from :func:`tui.server.records.rows` a batch at a time (only the
columns an export writes); each batch becomes one chunk of text. A stored
value that JSON cannot hold (a NaN or an infinity in an old learner score) is
written as ``null``, so no stored take can break a listing.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator

from tui.server import records
from tui.server.db import Database
from tui.server.records import BATCH, Filters

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


def _number(value: float | None) -> float | str:
    return "" if value is None else value


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
        writer.writerow((  # ids, versions and tags were checked at upload: only names and texts need the formula guard
            id, csv_text(learner), csv_text(class_name), pack, version, phrase, csv_text(text), lang, recorded.isoformat(),
            created.isoformat(), status, "" if duration is None else round(duration, 3), _number(overall),
            _number(accuracy), _number(fluency), _number(intonation), _number(completeness), _number(client),
            scorer or "", f"/api/v1/attempts/{id}/audio", int(hidden is not None), int(flagged is not None)))
        if n % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _raw_score(text: str | None) -> str:
    """A stored score's JSON as it can go into a listing: as stored, or re-written with ``null`` for NaN and infinities.

    Scores are stored by ``Score.to_json``, so text without those constants is valid JSON as it is.
    """
    if not text:
        return "null"
    if "NaN" not in text and "Infinity" not in text:
        return text
    try:
        return json.dumps(json.loads(text, parse_constant=lambda _: None), allow_nan=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return "null"


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
        head = json.dumps({"id": id, "learner": learner, "class": class_name, "class_id": class_id,
                           "client_attempt_id": client_id, "pack": pack, "pack_version": version, "phrase_id": phrase,
                           "text": text, "lang": lang, "recorded_at": recorded.isoformat(), "created_at": created.isoformat(),
                           "status": status, "hidden": hidden is not None, "flagged": flagged is not None,
                           "duration": duration if duration is None or math.isfinite(duration) else None},
                          ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        parts.append(f'{"," if n else ""}{head[:-1]},"score":{_raw_score(score if status == "scored" else None)},'
                     f'"client_score":{_raw_score(client_score)},"audio_url":"/api/v1/attempts/{id}/audio"}}')
        if len(parts) >= batch:
            yield "".join(parts)
            parts = []
    parts.append("]}")
    yield "".join(parts)

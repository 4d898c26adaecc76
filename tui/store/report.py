"""Attempts as text: the ``review`` table, JSON lines, CSV/JSON export files.

Text from the database (ids, phrase texts, paths) can hold terminal escape
sequences; the table and the notes pass it through :func:`tui.text.printable`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from tui.errors import StoreError
from tui.fsio import NotAFileError, output
from tui.store.attempts import Attempt, PhraseStats, ReconcileReport
from tui.store.records import UNKNOWN_DATE
from tui.text import printable

EXPORT_FORMATS = (".csv", ".json")
CSV_FIELDS = (
    "id",
    "created_at",
    "pack",
    "pack_version",
    "phrase_id",
    "text",
    "recorder",
    "audio",
    "duration",
    "missing",
    "damaged",
    "overall",
    "accuracy",
    "fluency",
    "intonation",
    "completeness",
    "scorer_version",
    "words",
)
_HEADER = ("id", "when", "pack", "phrase", "score", "acc", "flu", "int", "comp", "dur", "text")
_TEXT_WIDTH = 40


def table(attempts: Sequence[Attempt]) -> str:
    """A plain-text table, one line per attempt, times in local time; damaged rows say why."""
    rows = [_HEADER] + [
        (
            str(a.id),
            a.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if a.created_at != UNKNOWN_DATE else "?",
            _cell(a.pack_id),
            _cell(a.phrase_id),
            f"{a.score.overall:.0f}",
            f"{a.score.accuracy:.0f}",
            f"{a.score.fluency:.0f}",
            f"{a.score.intonation:.0f}",
            f"{a.score.completeness:.0f}",
            f"{a.duration:.1f}s",
            _cell(_clip(a.text)) + ("  [recording missing]" if a.missing else "")
            + (f"  [damaged: {a.damaged}]" if a.damaged else ""),
        )
        for a in attempts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
    numeric = {0, 4, 5, 6, 7, 8, 9}
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def stats_line(phrase_id: str, stats: PhraseStats) -> str:
    """One line of per-phrase stats, e.g. ``p1: 5 attempts, best 88, last 80, ...``."""
    phrase_id = _cell(phrase_id)
    if stats.attempts == 0:
        return f"{phrase_id}: no attempts"
    trend = "n/a" if stats.trend is None else f"{stats.trend:+.1f} per attempt"
    return (
        f"{phrase_id}: {stats.attempts} attempt{'s' if stats.attempts != 1 else ''}, best {stats.best:.0f}, "
        f"last {stats.last:.0f}, mean of last 5 {stats.avg_last5:.1f}, trend {trend}"
    )


def reconcile_notes(report: ReconcileReport, orphans_dir: Path) -> list[str]:
    """What :meth:`AttemptStore.reconcile` changed, as lines for the user (none when nothing)."""
    notes = []
    if report.missing:
        ids = ", ".join(map(str, report.missing))
        notes.append(f"the recording of attempt {ids} is missing; its scores are kept (marked [recording missing])")
    if report.restored:
        notes.append(f"the recording of attempt {', '.join(map(str, report.restored))} is back")
    if report.orphans:
        notes.append(f"{len(report.orphans)} recording(s) without an attempt were moved to {_cell(str(orphans_dir))}")
    return notes


def json_lines(attempts: Sequence[Attempt]) -> str:
    """One compact JSON object per attempt and line (see :meth:`Attempt.to_dict`)."""
    return "".join(json.dumps(a.to_dict(), separators=(",", ":"), ensure_ascii=False) + "\n" for a in attempts)


def export(attempts: Sequence[Attempt], path: Path) -> None:
    """Write ``attempts`` to ``path``: ``.csv`` (flat, words as JSON) or ``.json`` (a list).

    The file is written beside its final name and renamed (see
    :func:`tui.fsio.output`), so a failed or interrupted export never leaves
    half a file; missing folders are created.

    Raises
    ------
    StoreError
        Unknown suffix, or the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise StoreError(
            f"cannot export to {path}: unknown format {suffix or '(no suffix)'!r}", hint="name the file .csv or .json"
        )
    if suffix == ".json":
        content = json.dumps([a.to_dict() for a in attempts], indent=2, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_csv_row(a) for a in attempts)
        content = buffer.getvalue()
    try:
        with output(path) as staged:
            staged.write_bytes(content.encode("utf-8"))
    except NotAFileError as exc:
        raise StoreError(f"cannot write {path}: it is {exc.kind}",
                         hint="give the name of a file (a pipe only once something reads it)") from exc
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable folder with free space") from exc


def _csv_row(attempt: Attempt) -> dict[str, object]:
    data = attempt.to_dict()
    score = data.pop("score")
    data.update(
        {key: score[key] for key in ("overall", "accuracy", "fluency", "intonation", "completeness", "scorer_version")}
    )
    data["words"] = json.dumps(score["words"], separators=(",", ":"), ensure_ascii=False)
    return data


def _cell(text: str) -> str:
    return printable(text, single_line=True)


def _clip(text: str) -> str:
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1] + "…"

"""Score every row of a manifest in worker processes, one JSON line per row.

Manifest columns: ``id,attempt`` and either ``reference`` (a file) or ``text``
(with optional ``lang``, default ``en-us``) from which the reference is
synthesized. Paths are relative to the manifest. With a text, the content check
uses the language's built-in cohort and English gets phone evidence. Every row
is scored the same way whatever the order, the process or ``--jobs``.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from tui.errors import PronounceError, ScoringError
from tui.scoring import signal
from tui.scoring.cohort import build_cohort
from tui.scoring.comparison import compare
from tui.scoring.prepared import PreparedReference, prepare_reference
from tui.scoring.score import Score

SCORE_FIELDS = tuple(f.name for f in fields(Score))
CACHE_SIZE = 64


@dataclass(frozen=True)
class Row:
    """One manifest row, paths resolved."""

    id: str
    attempt: Path
    reference: Path | None
    text: str
    lang: str


def read_manifest(path: Path) -> list[Row]:
    """Parse the manifest (UTF-8, a byte-order mark allowed).

    Raises
    ------
    ScoringError
        If it is not a regular file, cannot be read (the message names the
        line), or lacks the required columns.
    """
    if not path.is_file():
        raise ScoringError(f"manifest {path} is not a regular file", hint="pass a UTF-8 CSV file")
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise ScoringError(f"cannot read manifest {path}: {exc.strerror or exc}", hint="check the path") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScoringError(f"cannot read manifest {path}:{line}: it is not UTF-8 ({exc.reason})",
                           hint="save it as UTF-8 CSV") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = set(reader.fieldnames or ())
        rows = list(reader)
    except csv.Error as exc:
        raise ScoringError(f"cannot read manifest {path}:{reader.line_num}: {exc}", hint="fix that CSV line") from exc
    missing = {"id", "attempt"} - columns
    if missing or not columns & {"reference", "text"}:
        need = ", ".join(sorted(missing)) if missing else "reference or text"
        raise ScoringError(
            f"manifest {path} lacks column(s): {need}",
            hint="the header must be id,attempt plus reference or text[,lang]",
        )
    base = path.parent
    return [
        Row(
            id=row.get("id") or "",
            attempt=base / (row.get("attempt") or ""),
            reference=base / row["reference"] if row.get("reference") else None,
            text=row.get("text") or "",
            lang=row.get("lang") or "en-us",
        )
        for row in rows
    ]


Loaded = tuple[np.ndarray, int] | str
"""Audio read where the manifest is, for a worker elsewhere: ``(mono samples, rate)``, or why it could not be read."""

_references: dict[tuple[str, str, str], PreparedReference] = {}


def read_row(row: Row) -> tuple[Loaded | None, Loaded]:
    """The row's reference (None without one) and attempt, read as :func:`score_row` reads them (``score --batch --scheduler``)."""
    return (None if row.reference is None else _read(row.reference, "reference")), _read(row.attempt, "attempt")


def _read(path: Path, what: str) -> Loaded:
    try:
        return signal.read(str(path), what=what)
    except PronounceError as exc:
        return str(exc)


def _given(audio: Loaded) -> tuple[np.ndarray, int]:
    """Audio :func:`read_row` read, or the error reading it raised, raised here where a local run meets it."""
    if isinstance(audio, str):
        raise PronounceError(audio)
    return audio


def _reference(row: Row, audio: Loaded | None = None) -> PreparedReference:
    key = (str(row.reference or ""), row.text, row.lang)
    if key not in _references:
        if len(_references) >= CACHE_SIZE:
            _references.pop(next(iter(_references)))
        cohort = build_cohort(lang=row.lang) if row.text else None
        if row.reference is not None:
            source: signal.AudioInput = str(row.reference) if audio is None else _given(audio)
            _references[key] = prepare_reference(source, text=row.text or None, lang=row.lang, cohort=cohort)
        elif row.text:
            from tui.speech.tts import synthesize

            speech = synthesize(row.text, lang=row.lang)
            _references[key] = prepare_reference(
                (speech.samples, speech.samplerate), words=speech.words, text=row.text, lang=row.lang, cohort=cohort
            )
        else:
            raise ScoringError("row has neither a reference nor a text", hint="fill one of the two columns")
    return _references[key]


def score_row(row: Row, loaded: tuple[Loaded | None, Loaded] | None = None) -> dict[str, object]:
    """The JSON object for one row: ``id``, the Score fields, ``error``.

    With ``loaded`` (from :func:`read_row`, on another machine) the row's audio
    is not read here; the result is the same as reading it here.
    """
    try:
        reference = _reference(row, None if loaded is None else loaded[0])
        score = compare(reference, str(row.attempt) if loaded is None else _given(loaded[1])).to_dict()
        error = None
    except PronounceError as exc:
        score = dict.fromkeys(SCORE_FIELDS)
        error = str(exc)
    return {"id": row.id, **score, "error": error}


def run(
    rows: list[Row],
    out: Path,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score ``rows`` with ``jobs`` processes into JSON lines at ``out``; return the failures.

    Rows keep their manifest order; ``progress(n)`` is called as rows finish.
    """
    jobs = jobs or os.cpu_count() or 1
    failed = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for result in _results(rows, jobs):
            failed += result["error"] is not None
            fh.write(json.dumps(result, separators=(",", ":")) + "\n")
            if progress is not None:
                progress(1)
    return failed


def _results(rows: list[Row], jobs: int) -> Iterator[dict[str, object]]:
    if jobs == 1 or len(rows) < 2:
        yield from map(score_row, rows)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(min(jobs, len(rows))) as pool:
        yield from pool.imap(score_row, rows, chunksize=4)

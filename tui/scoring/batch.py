"""Score every row of a manifest in worker processes, one JSON line per row.

Manifest columns: ``id,attempt`` and either ``reference`` (a file) or ``text``
(with optional ``lang``, default ``en-us``) from which the reference is
synthesized. Paths are relative to the manifest. Each row's phrase is prepared by
:func:`~tui.scoring.prepared.prepare_phrase`, as the app prepares a phrase
outside a pack: the content check uses the language's built-in cohort and
English gets Whisper and phone evidence. Every row is scored the same way
whatever the order, the process or ``--jobs`` (each worker runs the models on
one thread).
"""

from __future__ import annotations

import csv
import itertools
import json
import multiprocessing
import os
import stat
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tui.errors import PronounceError, ScoringError
from tui.fsio import NotAFileError, kind_of
from tui.interrupts import spawning_workers, worker_signals
from tui.scoring import signal
from tui.scoring.comparison import compare
from tui.scoring.prepared import PreparedReference, prepare_phrase
from tui.scoring.score import Score
from tui.speech.types import LANGUAGE_TAG

SCORE_FIELDS = tuple(f.name for f in fields(Score))
CACHE_SIZE = 64


MAX_LINE_BYTES = 1 << 20
"""A manifest line longer than this is not a row of paths and texts."""
WINDOW_PER_JOB = 8
"""Rows handed to each worker ahead of the one written next: enough to keep it busy, few enough to bound memory."""


@dataclass(frozen=True)
class Row:
    """One manifest row, paths resolved; ``problem`` says why it cannot be scored ("" when it can)."""

    id: str
    attempt: Path
    reference: Path | None
    text: str
    lang: str
    problem: str = ""


def read_manifest(path: Path) -> Iterator[Row]:
    """The rows of the manifest at ``path`` (UTF-8, a byte-order mark allowed), read one at a time.

    The header is read and checked at once; the rows are read as they are
    consumed, so a million-row manifest costs no more memory than a short one
    and scoring starts with its first row. A row with unusable values (a NUL
    in a path, a control character in a text) comes back with its ``problem``.

    Raises
    ------
    ScoringError
        At once, when the file is not a regular file, cannot be read or lacks
        the required columns; while reading, when a line is not UTF-8, is
        longer than :data:`MAX_LINE_BYTES` or is not CSV (the message names the line).
    """
    try:
        handle = open(path, "rb", opener=_nonblocking)  # noqa: SIM115  (closed by the generator)
    except OSError as exc:
        why = f"it is {exc.kind}" if isinstance(exc, NotAFileError) else exc.strerror or str(exc)
        raise ScoringError(f"cannot read manifest {path}: {why}", hint="pass a UTF-8 CSV file") from exc
    lines = _lines(handle, path)
    reader = csv.DictReader(lines)
    try:
        columns = set(reader.fieldnames or ())
    except BaseException:
        handle.close()
        raise
    missing = {"id", "attempt"} - columns
    if missing or not columns & {"reference", "text"}:
        handle.close()
        need = ", ".join(sorted(missing)) if missing else "reference or text"
        raise ScoringError(
            f"manifest {path} lacks column(s): {need}",
            hint="the header must be id,attempt plus reference or text[,lang]",
        )
    return _rows(handle, reader, path)


def _nonblocking(name: str, flags: int) -> int:
    """Open without blocking on a pipe, and refuse what is not a regular file."""
    fd = os.open(name, flags | os.O_NONBLOCK)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotAFileError(Path(name), kind_of(mode))
    return fd


def _lines(handle: BinaryIO, path: Path) -> Iterator[str]:
    """The manifest's lines as text, each decoded on its own so an error names its line."""
    for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
        if len(raw) > MAX_LINE_BYTES:
            raise ScoringError(f"cannot read manifest {path}:{number}: the line is longer than {MAX_LINE_BYTES // 2**20} MB",
                               hint="a row holds an id, paths and a short text")
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ScoringError(f"cannot read manifest {path}:{number}: it is not UTF-8 ({exc.reason})",
                               hint="save it as UTF-8 CSV") from exc


def _rows(handle: BinaryIO, reader: csv.DictReader[str], path: Path) -> Iterator[Row]:
    base = path.parent
    with handle:
        try:
            for row in reader:
                yield _row(base, row)
        except csv.Error as exc:
            raise ScoringError(f"cannot read manifest {path}:{reader.reader.line_num}: {exc}", hint="fix that CSV line") from exc


def _row(base: Path, row: dict[str, str | None]) -> Row:
    values = {key: row.get(key) or "" for key in ("id", "attempt", "reference", "text", "lang")}
    problem = ""
    if not values["attempt"]:
        problem = "its attempt is empty"
    elif any("\0" in values[key] for key in ("attempt", "reference")):
        problem = "a path holds a NUL character"
    elif any(unicodedata.category(char) == "Cc" for key in ("text", "lang") for char in values[key]):
        problem = "the text or language holds a control character"
    elif values["lang"] and not LANGUAGE_TAG.fullmatch(values["lang"]):
        problem = f"{values['lang'][:40]!r} is not a language tag such as en-US"
    return Row(
        id=values["id"],
        attempt=base / values["attempt"].replace("\0", ""),
        reference=base / values["reference"].replace("\0", "") if values["reference"] else None,
        text=values["text"],
        lang=values["lang"] or "en-us",
        problem=problem,
    )


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
        if row.reference is None and not row.text:
            raise ScoringError("row has neither a reference nor a text", hint="fill one of the two columns")
        source: signal.AudioInput | None = None
        if row.reference is not None:
            source = str(row.reference) if audio is None else _given(audio)
        _references[key] = prepare_phrase(row.text or None, lang=row.lang, audio=source)
    return _references[key]


def score_row(row: Row, loaded: tuple[Loaded | None, Loaded] | None = None) -> dict[str, object]:
    """The JSON object for one row: ``id``, the Score fields, ``error``.

    Rows are independent: whatever goes wrong with one is its ``error``, and the
    others are scored all the same. With ``loaded`` (from :func:`read_row`, on
    another machine) the row's audio is not read here; the result is the same.
    """
    score: dict[str, object] = dict.fromkeys(SCORE_FIELDS)
    if row.problem:
        return {"id": row.id, **score, "error": f"the row cannot be scored: {row.problem}"}
    try:
        reference = _reference(row, None if loaded is None else loaded[0])
        score = compare(reference, str(row.attempt) if loaded is None else _given(loaded[1])).to_dict()
        error = None
    except PronounceError as exc:
        error = str(exc)
    except Exception as exc:  # a bug must not cost the other rows their scores; the row says what failed
        error = f"internal error while scoring this row ({type(exc).__name__}: {exc}) — please report it"
    return {"id": row.id, **score, "error": error}


def run(
    rows: Iterable[Row],
    out: Path,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Score ``rows`` with ``jobs`` processes into JSON lines at ``out``; return (rows, failures).

    Rows are scored as they are read and keep their manifest order; at most
    :data:`WINDOW_PER_JOB` rows per worker are in flight, so memory stays
    bounded however long the manifest. ``progress(n)`` is called as rows finish.
    """
    jobs = jobs or os.cpu_count() or 1
    done = failed = 0
    with open(out, "w", encoding="utf-8") as fh:
        for result in _results(iter(rows), jobs):
            done += 1
            failed += result["error"] is not None
            fh.write(json.dumps(result, separators=(",", ":")) + "\n")
            if progress is not None:
                progress(1)
    return done, failed


def _results(rows: Iterator[Row], jobs: int) -> Iterator[dict[str, object]]:
    first = list(itertools.islice(rows, 2))
    if jobs == 1 or len(first) < 2:
        yield from map(score_row, itertools.chain(first, rows))
        return
    # spawned, not forked: a fork of a process whose model runtime has started its threads can hang in the child.
    # Workers ignore Ctrl+C and SIGHUP: the parent is interrupted, and leaving the `with` stops them with SIGTERM.
    context = multiprocessing.get_context("spawn")
    with spawning_workers():
        pool = context.Pool(jobs, initializer=_worker_setup)
    with pool:
        pending: deque[AsyncResult[dict[str, object]]] = deque()
        for row in itertools.chain(first, rows):
            pending.append(pool.apply_async(score_row, (row,)))
            if len(pending) >= jobs * WINDOW_PER_JOB:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _worker_setup() -> None:
    """A worker process leaves signals to its parent and runs each model on one thread: the workers share the cores."""
    worker_signals()
    os.environ["PRONOUNCE_THREADS"] = "1"

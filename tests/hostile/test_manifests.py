"""``score --batch``: manifests and outputs that cannot be used are one line and exit 2; bad rows are their own error.

A manifest is streamed: a long one costs no more memory than a short one, and
the first row is scored before the last is read. ``--out`` is replaced only when
the batch is done, never when it is an input, never through a pipe nobody reads.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, assert_refused, assert_worked, strict_json
from tests.hostile.world import World
from tui.scoring import batch

GOOD_ROW = "r1,ref.flac,ref.flac\n"
HEADER = "id,reference,attempt\n"

MANIFESTS: dict[str, tuple[bytes, str]] = {
    # name: (content, what the one line says)
    "empty.csv": (b"", "lacks column(s)"),
    "blank-lines.csv": (b"\n\n\n", "lacks column(s)"),
    "no-id.csv": (b"reference,attempt\nref.flac,ref.flac\n", "lacks column(s): id"),
    "no-attempt.csv": (b"id,reference\nr1,ref.flac\n", "lacks column(s): attempt"),
    "no-reference-or-text.csv": (b"id,attempt\nr1,ref.flac\n", "lacks column(s): reference or text"),
    "spaced-header.csv": (b" id , reference , attempt\nr1,ref.flac,ref.flac\n", "lacks column(s)"),
    "upper-header.csv": (b"ID,REFERENCE,ATTEMPT\nr1,ref.flac,ref.flac\n", "lacks column(s)"),
    "latin1-header.csv": (b"id,r\xe9f\xe9rence,attempt\n", ":1: it is not UTF-8"),
    "latin1-row-5.csv": ((HEADER + GOOD_ROW * 3).encode() + b"r4,ref.flac,caf\xe9.flac\n", ":5: it is not UTF-8"),
    "utf16.csv": ((HEADER + GOOD_ROW).encode("utf-16"), ":1: it is not UTF-8"),
    "binary.csv": (bytes(range(256)) * 10, "lacks column(s)"),
    "binary-after-header.csv": (HEADER.encode() + bytes(range(256)) * 10, ":3: it is not UTF-8"),
    "bom-only.csv": (b"\xef\xbb\xbf", "lacks column(s)"),
    "long-line.csv": ((HEADER + "r1,ref.flac," + "x" * (1 << 20) + "\n").encode(), ":2: the line is longer than 1 MB"),
    "long-header.csv": (("id,reference,attempt," + "y" * (2 << 20) + "\n").encode(), ":1: the line is longer than 1 MB"),
    "huge-field.csv": ((HEADER + 'r1,ref.flac,"' + "x" * 200_000 + '"\n').encode(), ":2: field larger than field limit (131072)"),
    "nul-header.csv": (b"id,refer\x00ence,attempt\nr1,ref.flac,ref.flac\n", "lacks column(s)"),
}
"""Manifests refused as a whole, before any output is written."""

ROWS: dict[str, tuple[str, str]] = {
    # name: (one row after the header id,reference,attempt ({w} is the world folder), what its error says)
    "missing-attempt": ("r1,{w}/ref.flac,{w}/gone.wav", "not found"),
    "missing-reference": ("r1,{w}/gone.wav,{w}/ref.flac", "not found"),
    "attempt-is-folder": ("r1,{w}/ref.flac,{w}/pack", "is a folder, not a file"),
    "attempt-is-fifo": ("r1,{w}/ref.flac,{w}/fifo.wav", "is a named pipe (FIFO), not a file"),
    "attempt-is-text": ("r1,{w}/ref.flac,{w}/a-file", "it is not audio"),
    "empty-attempt": ("r1,{w}/ref.flac,", "its attempt is empty"),
    "nul-in-path": ("r1,{w}/ref.flac,{w}/re\x00f.flac", "a path holds a NUL character"),
    "long-path": ("r1,{w}/ref.flac,{w}/" + "x" * 300 + ".wav", "File name too long"),
    "device": ("r1,{w}/ref.flac,/dev/zero", "is a device, not a file"),
    "escape-in-path": ("r1,{w}/ref.flac,{w}/\x1b[2J.wav", "not found"),
}
"""Rows that cannot be scored: each is its own ``error`` in the output, the batch goes on and exits 1."""

TEXT_ROWS: dict[str, tuple[str, str]] = {
    # name: (one row after the header id,attempt,text,lang, what its error says)
    "control-in-text": ("r1,{w}/ref.flac,hello\x07there,en-US", "holds a control character"),
    "newline-in-lang": ('r1,{w}/ref.flac,hello,"en-US\n"', "holds a control character"),
    "bad-lang": ("r1,{w}/ref.flac,hello,english please", "is not a language tag"),
    "no-reference-no-text": ("r1,{w}/ref.flac,,", "neither a reference nor a text"),
}
"""Rows of a manifest with ``id,attempt,text,lang`` columns that cannot be scored."""


@pytest.fixture(scope="module")
def manifests(world: World) -> Path:
    """The hostile manifests, in the world."""
    folder = world.root / "manifests"
    folder.mkdir(exist_ok=True)
    for name, (content, _) in MANIFESTS.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_an_unusable_manifest_is_one_line_and_writes_nothing(harness: Harness, world: World, manifests: Path,
                                                             tmp_path: Path, name: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["score", "--batch", str(manifests / name), "--out", str(tmp_path / "out.jsonl")])
    assert_refused(ran, MANIFESTS[name][1])
    before.check()


def _run_rows(harness: Harness, world: World, tmp_path: Path, header: str, row: str) -> str:
    """Score a manifest of ``row`` and a good row; the bad row's error (the good one must be scored)."""
    manifest = tmp_path / "rows.csv"
    good = "r2,{w}/ref.flac,{w}/ref.flac" if "reference" in header else "r2,{w}/ref.flac,hello there,en-US"
    manifest.write_text(header + row.format(w=world.root) + "\n" + good.format(w=world.root) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    before = Unchanged(world.root, world.victim)
    ran = harness.run(["score", "--batch", str(manifest), "--out", str(out), "--jobs", "1"])
    assert_worked(ran, code=1)
    assert ran.stderr.strip().endswith(f"1 scored, 1 failed -> {out}"), ran.stderr
    lines = [strict_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["r1", "r2"] and lines[1]["error"] is None  # type: ignore[index]
    before.check()
    error = str(lines[0]["error"])  # type: ignore[index]
    assert "Error opening" not in error and "b'" not in error
    return error


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_row_that_cannot_be_scored_is_its_own_error_and_the_rest_is_scored(
        harness: Harness, world: World, tmp_path: Path, name: str) -> None:
    row, says = ROWS[name]
    assert says in _run_rows(harness, world, tmp_path, HEADER, row)


@pytest.mark.parametrize("name", sorted(TEXT_ROWS))
def test_a_row_with_a_bad_text_or_language_is_its_own_error(harness: Harness, world: World, tmp_path: Path,
                                                            name: str) -> None:
    row, says = TEXT_ROWS[name]
    assert says in _run_rows(harness, world, tmp_path, "id,attempt,text,lang\n", row)


def _hard_link(world: World, tmp_path: Path) -> str:
    link = tmp_path / "hard.csv"
    link.hardlink_to(world.paths["manifest"])
    return str(link)


def _sym_link(world: World, tmp_path: Path) -> str:
    link = tmp_path / "sym.csv"
    link.symlink_to(world.paths["manifest"])
    return str(link)


def _link_to_folder(tmp_path: Path) -> str:
    (tmp_path / "folder-link").symlink_to(tmp_path, target_is_directory=True)
    return str(tmp_path / "folder-link")


def _fifo(tmp_path: Path) -> str:
    os.mkfifo(tmp_path / "pipe.jsonl")
    return str(tmp_path / "pipe.jsonl")


OUTS: dict[str, tuple[Callable[[World, Path], str], str]] = {
    "out-is-manifest": (lambda w, t: w.paths["manifest"], "is the input"),
    "out-is-audio-row": (lambda w, t: w.paths["ref"], "is the input"),
    "out-via-dotdot": (lambda w, t: w.paths["world"] + "/missing/../manifest.csv", "is the input"),
    "out-hard-link": (_hard_link, "is the input"),
    "out-sym-link": (_sym_link, "is the input"),
    "out-is-folder": (lambda w, t: str(t), "is a directory"),
    "out-dot": (lambda w, t: str(t) + "/.", "is a directory"),
    "out-dotdot-folder": (lambda w, t: str(t) + "/sub/..", "it is a folder"),
    "out-link-to-folder": (lambda w, t: _link_to_folder(t), "is a directory"),
    "out-fifo": (lambda w, t: _fifo(t), "it is a named pipe (FIFO) that nothing reads"),
    "out-under-file": (lambda w, t: w.paths["a_file"] + "/o.jsonl", "Not a directory"),
    "out-dev-full": (lambda w, t: "/dev/full", "No space left on device"),
    "out-read-only": (lambda w, t: "/proc/o.jsonl", "cannot write /proc/o.jsonl"),
    "out-name-too-long": (lambda w, t: str(t / ("n" * 300 + ".jsonl")), "File name too long"),
}
"""``--out`` values that cannot be written: (how the case makes it, what the one line says)."""


@pytest.mark.parametrize("name", sorted(OUTS))
def test_an_output_that_cannot_be_written_is_one_line_and_nothing_changes(harness: Harness, world: World,
                                                                          tmp_path: Path, name: str) -> None:
    make, says = OUTS[name]
    out = make(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["score", "--batch", world.paths["manifest"], "--out", out])
    assert_refused(ran, says)
    before.check()


@pytest.mark.parametrize(("jobs", "says"), [
    ("0", "0 is not in the range 1<=x<=64"), ("-1", "is not in the range"), ("65", "65 is not in the range"),
    ("99999999999999999999", "is not in the range"), ("١", "is not a valid integer"), ("1_0", "is not a valid integer"),
    ("+2", "is not a valid integer"), (" 2", "is not a valid integer"), ("2\n", "is not a valid integer"),
    ("two", "is not a valid integer"), ("", "is not a valid integer"),
])
def test_jobs_must_be_a_small_number_in_digits(harness: Harness, world: World, tmp_path: Path, jobs: str, says: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["score", "--batch", world.paths["manifest"], "--out", str(tmp_path / "o.jsonl"), "--jobs", jobs])
    assert_refused(ran, says)
    before.check()


@pytest.mark.parametrize(("args", "says"), [
    (["{ref}", "{ref}", "--out", "{tmp}/x.json"], "--out only applies to --batch"),
    (["{ref}", "{ref}", "--jobs", "2"], "--jobs only applies to --batch"),
    (["--batch", "{manifest}", "--out", "{tmp}/o.jsonl", "--json"], "drop --json"),
    (["--batch", "{manifest}", "{ref}", "--out", "{tmp}/o.jsonl"], "--batch takes no REFERENCE/ATTEMPT"),
])
def test_options_that_would_be_ignored_are_refused(harness: Harness, world: World, tmp_path: Path, args: list[str],
                                                   says: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    names = {**world.paths, "tmp": str(tmp_path)}
    ran = harness.run(["score", *(arg.format(**names) for arg in args)])
    assert_refused(ran, says)
    before.check()


def test_a_250_character_output_name_is_written(harness: Harness, world: World, tmp_path: Path) -> None:
    out = tmp_path / ("n" * 244 + ".jsonl")
    ran = harness.run(["score", "--batch", world.paths["manifest"], "--out", str(out)])
    assert_worked(ran)
    assert strict_json(out.read_text())["error"] is None  # type: ignore[index]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


ROWS_IN_BULK = 20_000
"""Rows of the bulk manifest (bench/bench_batch_stream.py measures a million)."""


def test_a_long_manifest_is_read_as_it_is_scored_in_bounded_memory(tmp_path: Path) -> None:
    """Rows come one at a time: the first is there before the file is read, memory does not grow with the rows."""
    manifest = tmp_path / "rows.csv"
    with open(manifest, "w", encoding="utf-8") as out:
        out.write("id,attempt,text\n")
        out.writelines(f"row,take-{n}.wav,hello\x07\n" for n in range(ROWS_IN_BULK))  # each row is refused at once
    tracemalloc.start()
    try:
        rows = batch.read_manifest(manifest)
        first = next(rows)
        early = tracemalloc.get_traced_memory()[1]
        done, failed = batch.run(rows, tmp_path / "out.jsonl", jobs=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first.id == "row" and done == failed == ROWS_IN_BULK - 1
    assert early < 2 << 20 and peak < 8 << 20, (early, peak)

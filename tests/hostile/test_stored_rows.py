"""Rows damaged by hand or on disk: every stored value is checked on read as it was on write.

A bad row is listed as ``[damaged: why]`` beside the good ones, in every time
zone; JSON output never holds ``NaN``; re-scoring leaves a damaged row as it is
and scores the others. Nothing crashes, nothing prints a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, assert_worked, strict_json
from tests.store.helpers import save, write_take
from tui.store import AttemptStore
from tui.store.outbox import Outbox

DB = "attempts.sqlite3"
GOOD_SCORE = json.dumps({"overall": 80, "accuracy": 78, "fluency": 81, "intonation": 76, "completeness": 100,
                         "words": [{"text": "good", "score": 80, "ref_start": 0, "ref_end": 0.3, "att_start": 0.05,
                                    "att_end": 0.35}], "issues": [], "path": [[0, 0], [0.3, 0.32]],
                         "scorer_version": "test-1", "evidence": ""})


def _score_with(**changes: object) -> str:
    data = json.loads(GOOD_SCORE)
    data.update(changes)
    return json.dumps(data)


def _word_with(**changes: object) -> str:
    data = json.loads(GOOD_SCORE)
    data["words"][0].update(changes)
    return json.dumps(data)


DAMAGE: dict[str, tuple[str, object, str]] = {
    # name: (column, stored value, what [damaged: …] says)
    "date-not-a-date": ("created_at", "yesterday-ish", "its date 'yesterday-ish' is not a date"),
    "date-number": ("created_at", 42, "its date '42' is not a date"),
    "date-year-9999": ("created_at", "9999-12-31T23:59:59+00:00", "is out of range"),
    "date-year-1": ("created_at", "0001-01-01T00:00:00+00:00", "is out of range"),
    "date-blob": ("created_at", b"\x00\x01", "its date '<bytes>' is not a date"),
    "date-null-like": ("created_at", "", "is not a date"),
    "date-huge-offset": ("created_at", "2024-01-01T00:00:00+23:59", ""),
    "duration-nan-text": ("duration", "NaN", "its duration 'NaN' is not a number"),
    "duration-negative": ("duration", -5.0, "its duration '-5.0' is out of range"),
    "duration-huge": ("duration", 1e300, "its duration '1e+300' is out of range"),
    "duration-blob": ("duration", b"12", "its duration '<bytes>' is not a number"),
    "overall-text": ("overall", "great", "its score columns:"),
    "overall-negative": ("overall", -1.0, "its score columns:"),
    "overall-over-100": ("overall", 1000.0, "its score columns:"),
    "score-not-json": ("score_json", "{not json", "its score is not valid JSON"),
    "score-nan-overall": ("score_json", _score_with(overall=float("nan")), "its score is not valid JSON"),
    "score-nan-in-word": ("score_json", _word_with(score=float("nan")), "its score is not valid JSON"),
    "score-inf-in-path": ("score_json", _score_with(path=[[0, float("inf")]]), "its score is not valid JSON"),
    "score-overflow-number": ("score_json", GOOD_SCORE.replace('"overall": 80', '"overall": 1e999'),
                              "its score is not valid JSON"),
    "score-deep": ("score_json", "[" * 100_000, "its score is not valid JSON"),
    "score-a-list": ("score_json", "[1, 2, 3]", "its score is not a score (not an object)"),
    "score-word-text-number": ("score_json", _word_with(text=7), "words[0] is not a word"),
    "score-word-time-text": ("score_json", _word_with(ref_start="soon"), "words[0].ref_start"),
    "score-word-missing-times": ("score_json", _score_with(words=[{"text": "a", "score": 50}]), "its score is not a score"),
    "score-issues-numbers": ("score_json", _score_with(issues=[1, 2]), "issues is not a list of texts"),
    "score-path-triples": ("score_json", _score_with(path=[[1, 2, 3]]), "path is not a list of pairs"),
    "score-version-number": ("score_json", _score_with(scorer_version=3), "scorer_version is not text"),
    "words-not-json": ("words_json", "[{", "its word timings are not valid JSON"),
    "words-nan": ("words_json", '[{"text": "a", "start": 0, "end": NaN}]', "its word timings are not valid JSON"),
    "words-absurd-end": ("words_json", '[{"text": "a", "start": 0, "end": 1e300}]', "word 1's end '1e+300' is out of range"),
    "words-backwards": ("words_json", '[{"text": "a", "start": 5, "end": 3}]', "word 1 ends (3 s) before it starts (5 s)"),
    "words-negative": ("words_json", '[{"text": "a", "start": -1, "end": 1}]', "word 1's start '-1' is out of range"),
    "words-no-text": ("words_json", '[{"start": 0, "end": 1}]', "word 1 has no text"),
    "words-an-object": ("words_json", '{"a": 1}', "its word timings are not valid (not a list)"),
    "pack-id-blob": ("pack_id", b"\xff\xfe", "its pack id '<bytes>' is not text"),
    "text-blob": ("text", b"hello", "its text '<bytes>' is not text"),
    "audio-blob": ("audio", b"recordings/x.wav", "its recording path '<bytes>' is not text"),
    "reference-blob": ("reference_audio", b"/ref.wav", "its reference path '<bytes>' is not text"),
    "recorder-blob": ("recorder", b"\x1b[2J", "its recorder '<bytes>' is not text"),
}
"""One damaged column each: (column, value, the reason shown)."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with three attempts, scored by an old scorer so that ``--rescore`` has work."""
    folder = tmp_path_factory.mktemp("rows") / "data"
    reference = folder.parent / "reference.wav"
    shutil.copy(write_take(folder.parent, seconds=1.2), reference)
    with AttemptStore(folder) as store:
        for phrase in ("hello", "bye", "hello"):
            save(store, write_take(store.incoming_dir, seconds=1.2), pack="world-pack", phrase=phrase, reference=reference)
    _tamper(folder, "UPDATE attempts SET scorer_version = 'test-1', score_json = ?", GOOD_SCORE)
    return folder


def _tamper(data: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(data / DB)
    with conn:
        conn.execute(sql, params)
    conn.close()


def _damaged(template: Path, tmp_path: Path, name: str) -> Path:
    data = Path(shutil.copytree(template, tmp_path / "data"))
    column, value, _ = DAMAGE[name]
    _tamper(data, f"UPDATE attempts SET {column} = ? WHERE id = 2", value)
    return data


@pytest.mark.parametrize("name", sorted(DAMAGE))
@pytest.mark.parametrize("tz", ["UTC", "Etc/GMT-14", "Etc/GMT+12"])
def test_a_damaged_row_is_listed_as_damaged_in_every_time_zone(harness: Harness, template: Path, tmp_path: Path,
                                                               name: str, tz: str) -> None:
    data = _damaged(template, tmp_path, name)
    ran = harness.run(["review"], env={"PRONOUNCE_DATA_DIR": str(data), "TZ": tz})
    assert_worked(ran)
    rows = ran.stdout.splitlines()[1:]
    assert len(rows) == 3
    if DAMAGE[name][2]:
        assert "[damaged: " in rows[1] and DAMAGE[name][2] in rows[1], rows[1]
    assert "[damaged" not in rows[0] + rows[2]


@pytest.mark.parametrize("name", sorted(DAMAGE))
@pytest.mark.parametrize("how", ["json", "export-json", "export-csv"])
def test_a_damaged_row_never_makes_invalid_output(harness: Harness, template: Path, tmp_path: Path, name: str,
                                                  how: str) -> None:
    data = _damaged(template, tmp_path, name)
    out = tmp_path / f"out.{how.rsplit('-', 1)[-1]}"
    args = ["review", "--json"] if how == "json" else ["review", "--export", str(out)]
    ran = harness.run(args, env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_worked(ran)
    if how == "json":
        items = [strict_json(line) for line in ran.stdout.splitlines()]
    elif how == "export-json":
        items = strict_json(out.read_text(encoding="utf-8"))  # type: ignore[assignment]
    else:
        items = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        for item in items:
            strict_json(item["words"])
            assert "nan" not in (item["overall"] + item["duration"]).lower()
    assert [item["id"] for item in items] in ([1, 2, 3], ["1", "2", "3"])  # type: ignore[index]
    reason = items[1]["damaged"]  # type: ignore[index]
    assert not DAMAGE[name][2] or DAMAGE[name][2] in reason


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_rescoring_leaves_a_damaged_row_and_scores_the_others(harness: Harness, template: Path, tmp_path: Path,
                                                              name: str) -> None:
    data = _damaged(template, tmp_path, name)
    before = _row(data, 2)  # its score: reconcile may mark its recording missing, re-scoring must not touch it
    ran = harness.run(["review", "--rescore"], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_worked(ran)
    if DAMAGE[name][2]:
        assert "Re-scored 2 of 3 attempts." in ran.stderr, ran.stderr
        assert "pronounce: note: attempt 2 was not re-scored: its row is damaged" in ran.stderr
        assert _row(data, 2) == before


def _row(data: Path, id: int) -> tuple[object, ...]:
    conn = sqlite3.connect(data / DB)
    try:
        return tuple(conn.execute("SELECT score_json, overall, scorer_version FROM attempts WHERE id = ?", (id,)).fetchone())
    finally:
        conn.close()


OUTBOX_DAMAGE = {
    "next-try-not-a-date": ("next_try_at", "whenever"),
    "next-try-year-9999": ("next_try_at", "9999-12-31T23:59:59+00:00"),
    "queued-blob": ("queued_at", b"\x00"),
    "sent-garbage": ("sent_at", "never"),
    "tries-text": ("tries", "many"),
    "server-id-text": ("server_id", "abc"),
}


@pytest.mark.parametrize("name", sorted(OUTBOX_DAMAGE))
def test_a_damaged_outbox_row_is_listed_as_damaged(harness: Harness, template: Path, tmp_path: Path, name: str) -> None:
    data = Path(shutil.copytree(template, tmp_path / "data"))
    with Outbox(data) as outbox:
        for attempt in (1, 2, 3):
            outbox.enqueue(attempt, lang="en-US")
    column, value = OUTBOX_DAMAGE[name]
    _tamper(data, f"UPDATE outbox SET {column} = ? WHERE attempt_id = 2", value)
    ran = harness.run(["sync", "--status"], env={"PRONOUNCE_DATA_DIR": str(data), "TZ": "Etc/GMT-14"})
    assert_worked(ran)
    lines = ran.stdout.splitlines()
    assert lines[0] == "3 pending, 0 sent, 0 failed" and len(lines) == 4
    if column in ("next_try_at", "queued_at", "sent_at"):
        assert "[damaged: " in lines[2], lines

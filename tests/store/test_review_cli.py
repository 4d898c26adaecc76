"""`pronounce review`: table, JSON lines, export, delete, and the empty store."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.store.helpers import make_score, save
from tui.cli import cli
from tui.scoring.score import Score
from tui.store import Attempt, AttemptStore
from tui.store.attempts import DB_NAME


def _review(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "review", *args])


@pytest.fixture
def saved(store: AttemptStore, take: Callable[[], Path]) -> list[Attempt]:
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    return [
        save(store, take(), phrase="greeting", overall=61.0, created_at=start),
        save(store, take(), phrase="farewell", overall=77.0, created_at=start + timedelta(minutes=1)),
        save(store, take(), phrase="greeting", overall=83.0, created_at=start + timedelta(minutes=2)),
    ]


def test_an_empty_data_dir_gets_a_friendly_line_and_no_files(tmp_path: Path) -> None:
    result = _review(tmp_path / "fresh")
    assert result.exit_code == 0
    assert result.stdout == "No attempts yet: practise a phrase (`pronounce practice`) and it shows up here.\n"
    assert not (tmp_path / "fresh").exists()


def test_json_on_an_empty_store_prints_no_lines(store: AttemptStore) -> None:
    result = _review(store.data_dir, "--json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No attempts yet" in result.stderr


def test_the_table_lists_every_attempt(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "when", "pack", "phrase", "score", "acc", "flu", "int", "comp", "dur", "text"]
    assert [row.split()[0] for row in rows] == [str(a.id) for a in saved]
    assert rows[1].split()[4:6] == ["farewell", "77"]
    assert rows[0].endswith("good morning")


def test_phrase_filter_adds_the_stats_line(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--pack", "en-basics", "--phrase", "greeting")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[-1] == "greeting: 2 attempts, best 83, last 83, mean of last 5 72.0, trend +22.0 per attempt"


def test_a_filter_matching_nothing_says_so(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--pack", "fr-basics", "--phrase", "bonjour")
    assert result.exit_code == 0
    assert result.stdout == "No attempts of pack 'fr-basics' phrase 'bonjour' yet.\n"


def test_json_lines_oldest_first_with_the_full_score(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [a.id for a in saved]
    first = lines[0]
    assert first["created_at"] == "2026-05-01T08:00:00+00:00"
    assert (first["pack"], first["phrase_id"], first["text"], first["recorder"]) == (
        "en-basics",
        "greeting",
        "good morning",
        "mic-1",
    )
    assert Path(first["audio"]) == saved[0].audio and Path(first["audio"]).is_file()
    assert first["duration"] == 0.2
    assert {"overall", "accuracy", "fluency", "intonation", "completeness", "words"} <= first["score"].keys()
    assert Score.from_dict(first["score"]) == make_score(61.0)


def test_export_csv(store: AttemptStore, saved: list[Attempt], tmp_path: Path) -> None:
    out = tmp_path / "attempts.csv"
    result = _review(store.data_dir, "--phrase", "greeting", "--export", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 2 attempts to {out}\n"
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [int(row["id"]) for row in rows] == [saved[0].id, saved[2].id]
    assert float(rows[1]["overall"]) == 83.0
    assert [w["text"] for w in json.loads(rows[1]["words"])] == ["good", "morning"]


def test_export_json(store: AttemptStore, saved: list[Attempt], tmp_path: Path) -> None:
    out = tmp_path / "attempts.json"
    assert _review(store.data_dir, "--export", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [item["id"] for item in data] == [a.id for a in saved]
    assert data[1]["score"]["overall"] == 77.0


def test_export_to_an_unknown_format_is_refused(store: AttemptStore, saved: list[Attempt], tmp_path: Path) -> None:
    result = _review(store.data_dir, "--export", str(tmp_path / "attempts.xlsx"))
    assert result.exit_code == 2
    assert "unknown format '.xlsx' — name the file .csv or .json" in result.stderr
    assert not (tmp_path / "attempts.xlsx").exists()


def test_delete_removes_the_row_and_the_recording(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--delete", str(saved[1].id))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Deleted attempt {saved[1].id} (en-basics/farewell) and its recording {saved[1].audio}\n"
    assert not saved[1].audio.exists()
    assert [a.id for a in store.attempts()] == [saved[0].id, saved[2].id]


def test_deleting_an_unknown_attempt_is_an_error(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--delete", "999")
    assert result.exit_code == 2
    assert result.stderr == "pronounce: error: there is no attempt 999 — `pronounce review` lists the attempt ids\n"


def test_delete_does_not_mix_with_other_actions(store: AttemptStore, saved: list[Attempt]) -> None:
    result = _review(store.data_dir, "--delete", "1", "--json")
    assert result.exit_code == 2
    assert "--delete cannot be combined" in result.stderr
    assert len(store.attempts()) == 3


def test_review_reports_what_reconcile_found(store: AttemptStore, saved: list[Attempt]) -> None:
    saved[0].audio.unlink()
    result = _review(store.data_dir)
    assert result.exit_code == 0
    assert f"the recording of attempt {saved[0].id} is missing" in result.stderr
    assert "[recording missing]" in result.stdout.splitlines()[1]


def test_a_damaged_database_is_one_line_with_a_way_out(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_text("garbage " * 1000)
    result = _review(data)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"mv '{data / DB_NAME}' '{data / DB_NAME}.broken'" in result.stderr

"""A tampered or damaged database, unsafe ids and odd schema versions: nothing escapes, the rest still lists."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import fill_disk
from tests.store.helpers import save, write_take
from tui.cli import cli
from tui.errors import StoreError
from tui.packs.model import Pack, Phrase
from tui.store import AttemptStore, practice_queue
from tui.store.attempts import DB_NAME
from tui.store.records import UNKNOWN_DATE
from tui.store.schema import translate


def _tamper(store: AttemptStore, sql: str, *params: object) -> None:
    conn = sqlite3.connect(store.db_path)
    with conn:
        conn.execute(sql, params)
    conn.close()


@pytest.mark.parametrize(("pack", "phrase"), [("../../x", "p"), ("en-basics", "/etc/passwd"), ("a b", "p"), ("", "p")])
def test_unsafe_ids_are_refused_and_the_take_stays(store: AttemptStore, take: Callable[[], Path], pack: str,
                                                   phrase: str) -> None:
    recording = take()
    with pytest.raises(StoreError, match="is not a safe id; the take was not saved"):
        save(store, recording, pack=pack, phrase=phrase)
    assert recording.is_file() and store.attempts() == []


@pytest.mark.parametrize("audio", ["../victim.txt", "recordings/../../victim.txt", "{victim}"])
def test_delete_never_removes_a_file_outside_the_recordings_folder(store: AttemptStore, take: Callable[[], Path],
                                                                   tmp_path: Path, audio: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    attempt = save(store, take())
    _tamper(store, "UPDATE attempts SET audio = ? WHERE id = ?", audio.format(victim=victim), attempt.id)
    with pytest.raises(StoreError, match=f"attempt {attempt.id} was deleted, but its recording path .* lies outside"):
        store.delete(attempt.id)
    assert victim.read_text() == "keep me"
    assert store.attempts() == []


def test_delete_removes_a_link_in_the_recordings_folder_not_its_target(store: AttemptStore, take: Callable[[], Path],
                                                                       tmp_path: Path) -> None:
    victim = tmp_path / "victim.wav"
    victim.write_bytes(b"keep me")
    attempt = save(store, take())
    attempt.audio.unlink()
    attempt.audio.symlink_to(victim)
    store.delete(attempt.id)
    assert not attempt.audio.is_symlink() and victim.read_bytes() == b"keep me"


def test_review_delete_of_a_tampered_row_is_one_line(store: AttemptStore, take: Callable[[], Path],
                                                     tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    attempt = save(store, take())
    _tamper(store, "UPDATE attempts SET audio = '../victim.txt' WHERE id = ?", attempt.id)
    result = CliRunner().invoke(cli, ["--data-dir", str(store.data_dir), "review", "--delete", str(attempt.id)])
    [error] = [line for line in result.stderr.splitlines() if "error" in line]
    assert result.exit_code == 2 and error.startswith("pronounce: error: ") and "lies outside" in error
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("id", [0, -1, 2**63, 99999999999999999999999])
def test_ids_beyond_sqlite_are_no_attempt(store: AttemptStore, id: int) -> None:
    with pytest.raises(StoreError, match=f"there is no attempt {id}"):
        store.delete(id)


DAMAGE = [
    ("score_json", "{not json", "its score is not valid JSON"),
    ("score_json", '{"overall": NaN, "accuracy": 1, "fluency": 1, "intonation": 1, "completeness": 1}',
     "its score is not valid JSON"),
    ("score_json", "[" * 100_000, "its score is not valid JSON"),
    ("created_at", "yesterday-ish", "its date 'yesterday-ish' is not a date"),
    ("created_at", 42, "its date '42' is not a date"),
    ("words_json", '[{"text": 1}]', "its word timings are not valid (word 1 has no start)"),
    ("words_json", '[{"text": "a", "start": 0, "end": NaN}]', "its word timings are not valid JSON"),
]


@pytest.mark.parametrize(("column", "value", "reason"), DAMAGE)
def test_one_damaged_row_is_shown_as_damaged_and_the_rest_listed(store: AttemptStore, take: Callable[[], Path],
                                                                 column: str, value: object, reason: str) -> None:
    good, bad, also_good = (save(store, take(), phrase=p) for p in ("a", "b", "c"))
    _tamper(store, f"UPDATE attempts SET {column} = ? WHERE id = ?", value, bad.id)
    listed = store.attempts()
    assert [a.id for a in listed] == [good.id, bad.id, also_good.id]
    assert [a.damaged for a in listed] == ["", reason, ""]
    assert listed[1].score.overall == bad.score.overall

    runner = CliRunner()
    table = runner.invoke(cli, ["--data-dir", str(store.data_dir), "review"])
    assert table.exit_code == 0, table.output
    rows = table.stdout.splitlines()[1:]
    assert len(rows) == 3 and rows[1].endswith(f"[damaged: {reason}]")
    lines = runner.invoke(cli, ["--data-dir", str(store.data_dir), "review", "--json"]).stdout.splitlines()
    parsed = [json.loads(line, parse_constant=_no_constants) for line in lines]
    assert [p["damaged"] for p in parsed] == [None, reason, None]
    if column == "created_at":
        assert listed[1].created_at == UNKNOWN_DATE and rows[1].split()[1] == "?"


def _no_constants(name: str) -> None:
    raise AssertionError(f"review --json printed {name}, which is not JSON")


def test_scheduling_skips_a_row_with_a_damaged_date(store: AttemptStore, take: Callable[[], Path]) -> None:
    save(store, take(), phrase="a")
    bad = save(store, take(), phrase="a")
    _tamper(store, "UPDATE attempts SET created_at = 'soon' WHERE id = ?", bad.id)
    pack = Pack(id="en-basics", title="t", language="en-US", phrases=(Phrase(id="a", text="a"),))
    [item] = practice_queue(store, pack)
    assert item.stats.attempts == 1


def test_reconcile_survives_paths_the_os_refuses(store: AttemptStore, take: Callable[[], Path]) -> None:
    attempt = save(store, take())
    _tamper(store, "UPDATE attempts SET audio = ? WHERE id = ?", "a\0b" + "x" * 5000, attempt.id)
    assert store.reconcile().missing == (attempt.id,)


@pytest.mark.parametrize(("version", "match"), [(-5, "its schema version is -5"),
                                                (0, "it has an attempts table but no schema version")])
def test_a_schema_version_that_makes_no_sense_is_one_clear_error(store: AttemptStore, take: Callable[[], Path],
                                                                 version: int, match: str) -> None:
    save(store, take())
    store.close()
    conn = sqlite3.connect(store.db_path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    before = store.db_path.read_bytes()
    with pytest.raises(StoreError, match=f"was not written by pronounce or is damaged: {match} — .*mv "):
        AttemptStore(store.data_dir)
    assert store.db_path.read_bytes() == before


def test_an_io_error_on_a_disk_with_space_is_not_called_full(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"  # type: ignore[attr-defined]
    message = str(translate(error, tmp_path / DB_NAME))
    assert message.startswith(f"the disk holding {tmp_path / DB_NAME} failed to read or write (disk I/O error)")


def test_a_full_disk_says_full_even_when_sqlite_says_io_error(small_disk: Path) -> None:
    AttemptStore(small_disk / "data").close()
    fill_disk(small_disk / "filler")
    with pytest.raises(StoreError) as caught:
        AttemptStore(small_disk / "data").attempts()
    assert str(caught.value).startswith(f"the disk holding {small_disk / 'data' / DB_NAME} is full (")
    assert "disk I/O error" in str(caught.value)  # SQLITE_IOERR_SHMSIZE, which is what a full disk gives here


def test_a_take_outside_the_data_dir_is_copied_not_touched(store: AttemptStore, tmp_path: Path) -> None:
    outside = write_take(tmp_path / "elsewhere")
    content = outside.read_bytes()
    attempt = save(store, outside)
    assert outside.read_bytes() == content and attempt.audio.read_bytes() == content

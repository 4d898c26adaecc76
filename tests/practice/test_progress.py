"""Progress: due phrases, today's goal, the streak and the days practised, from real attempts in a real store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.ui.packs import copy_pack
from tui.packs.loader import load_pack
from tui.practice.progress import Day, Progress, days_practised, progress_before_start, read_progress
from tui.scoring.score import Score
from tui.store import AttemptStore

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def keep(store: AttemptStore, pack_dir: Path, phrase_id: str, overall: float, when: datetime) -> None:
    take = store.incoming_dir / f"{phrase_id}-{when:%Y%m%d%H%M%S}.wav"
    take.parent.mkdir(parents=True, exist_ok=True)
    take.write_bytes((pack_dir / "hello.wav").read_bytes())
    store.save_attempt(recording_path=take, pack_id="ui-test", pack_version="1", phrase_id=phrase_id, text=phrase_id,
                       recorder="test", duration=1.0, score=Score(overall=overall, accuracy=overall, fluency=overall, intonation=overall, completeness=100.0, scorer_version="test"), created_at=when)


def progress_of(days: list[tuple[date, int]], *, goal: int, today: date) -> Progress:
    return Progress(phrases=(), queue=(), goal=goal, today=today,
                    days=tuple(Day(day=day, takes=takes, mean=70.0, best=80.0) for day, takes in days))


def test_the_streak_counts_days_in_a_row_that_met_the_goal_up_to_today_or_yesterday() -> None:
    today = date(2026, 6, 15)
    week = [(today - timedelta(days=n), 3) for n in range(1, 5)]  # four days before today, goal met each
    assert progress_of(week, goal=3, today=today).streak == 4, "today not practised yet: the streak still stands"
    assert progress_of([*week, (today, 3)], goal=3, today=today).streak == 5
    assert progress_of([*week, (today, 2)], goal=3, today=today).streak == 4, "today's goal not met yet"
    broken = [(today - timedelta(days=1), 3), (today - timedelta(days=3), 3)]
    assert progress_of(broken, goal=3, today=today).streak == 1, "a day missed ends the streak"
    assert progress_of([(today - timedelta(days=2), 9)], goal=3, today=today).streak == 0
    assert progress_of([(today, 2)], goal=3, today=today).done_today == 2


def test_days_are_local_days_with_their_takes_mean_and_best() -> None:
    first = datetime(2026, 6, 14, 9, 0, tzinfo=UTC)
    days = days_practised([(first, 40.0), (first + timedelta(minutes=5), 80.0), (first + timedelta(days=1), 70.0)])
    assert [(d.takes, d.mean, d.best) for d in days] == [(2, 60.0, 80.0), (1, 70.0, 70.0)]


def test_read_progress_gives_best_latest_due_and_the_queue(tmp_path: Path) -> None:
    pack_dir = copy_pack(tmp_path / "pack")
    pack = load_pack(pack_dir)
    with AttemptStore(tmp_path / "data") as store:
        keep(store, pack_dir, "hello", 90.0, NOW - timedelta(days=30))
        keep(store, pack_dir, "hello", 35.0, NOW - timedelta(days=20))  # failed last: due long ago
        keep(store, pack_dir, "weather", 95.0, NOW - timedelta(hours=1))  # just said well: not due
        progress = read_progress(store, pack, goal=2, now=NOW)
    hello, numbers, weather = (progress.of(p) for p in ("hello", "numbers", "weather"))
    assert (hello.attempts, hello.best, hello.latest, hello.due) == (2, 90.0, 35.0, True)
    assert numbers.is_new and not numbers.due
    assert not weather.due and weather.due_at is not None and weather.due_at > NOW
    assert progress.queue == ("hello", "numbers", "weather"), "due first, then new, then the rest"
    assert progress.due_today == 1 and progress.done_today == 1 and progress.streak == 0
    assert progress.next_due() == "hello"
    assert progress.next_due("hello") == "numbers", "then the new phrase"
    assert [day is not None for _, day in progress.last_days()][-1], "today is the last day plotted"


def test_progress_before_start_reads_the_store_and_is_none_for_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    pack_dir = copy_pack(tmp_path / "pack")
    pack = load_pack(pack_dir)
    with AttemptStore(tmp_path / "data") as store:
        keep(store, pack_dir, "numbers", 70.0, datetime.now(UTC))
    progress = progress_before_start(pack, tmp_path / "data")
    assert progress is not None and progress.of("numbers").best == 70.0 and progress.goal == 10
    (tmp_path / "file").write_text("not a folder")
    assert progress_before_start(pack, tmp_path / "file") is None, "the app then reads it again and says what is wrong"

"""Saving, reading, deleting attempts and per-phrase stats, on a real SQLite file."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import soundfile as sf

from tests.store.helpers import make_score, run_together, save, write_take
from tui.errors import StoreError
from tui.speech.types import WordTiming
from tui.store import AttemptStore, PhraseStats


def test_save_moves_the_recording_into_the_pack_folder(store: AttemptStore, take: Callable[[], Path]) -> None:
    source = take()
    content = source.read_bytes()
    attempt = save(store, source, pack="en-basics", phrase="p.1")
    assert not source.exists()
    assert attempt.audio.read_bytes() == content
    assert attempt.audio.parent == store.recordings_dir / "en-basics"
    assert "-p.1-" in attempt.audio.name and attempt.audio.suffix == ".wav"
    assert sf.info(attempt.audio).frames == 3200


def test_saved_attempt_reads_back_whole(store: AttemptStore, take: Callable[[], Path], tmp_path: Path) -> None:
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    saved = save(store, take(), created_at=when, reference=tmp_path / "ref.wav")
    with AttemptStore(store.data_dir) as reopened:
        [again] = reopened.attempts()
    assert again == saved
    assert again.created_at == when
    assert again.score == make_score(80.0)
    assert again.reference_audio == tmp_path / "ref.wav"
    assert again.words == (WordTiming("good", 0.0, 0.3), WordTiming("morning", 0.3, 0.8))
    assert (again.pack_id, again.phrase_id, again.recorder, again.missing) == ("en-basics", "greeting", "mic-1", False)


def test_to_dict_has_the_review_json_keys(store: AttemptStore, take: Callable[[], Path]) -> None:
    data = json.loads(json.dumps(save(store, take()).to_dict()))
    assert {"id", "created_at", "pack", "phrase_id", "text", "recorder", "audio", "duration", "score"} <= data.keys()
    assert datetime.fromisoformat(data["created_at"]).tzinfo is not None
    assert set(data["score"]) >= {"overall", "accuracy", "fluency", "intonation", "completeness", "words"}
    assert data["score"]["words"][1]["text"] == "morning"


def test_packs_named_like_the_special_folders_get_their_own(store: AttemptStore, take: Callable[[], Path]) -> None:
    attempt = save(store, take(), pack="orphans")
    assert attempt.audio.parent == store.recordings_dir / "pack-orphans"
    assert store.reconcile().orphans == ()


def test_a_recording_from_outside_the_data_dir_is_copied(store: AttemptStore, tmp_path: Path) -> None:
    outside = write_take(tmp_path / "elsewhere")
    attempt = save(store, outside)
    assert outside.exists()
    assert attempt.audio.read_bytes() == outside.read_bytes()
    assert attempt.audio.is_relative_to(store.recordings_dir)


def test_a_missing_recording_is_refused(store: AttemptStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"recording .*nothing\.wav does not exist"):
        save(store, tmp_path / "nothing.wav")
    assert store.attempts() == []


def test_filters_and_oldest_first(store: AttemptStore, take: Callable[[], Path]) -> None:
    first = save(store, take(), phrase="a")
    second = save(store, take(), phrase="b")
    third = save(store, take(), phrase="a", pack="other")
    assert [a.id for a in store.attempts()] == [first.id, second.id, third.id]
    assert [a.id for a in store.attempts(phrase="a")] == [first.id, third.id]
    assert [a.id for a in store.attempts(pack="en-basics", phrase="a")] == [first.id]
    assert store.attempts(pack="nope") == []


def test_delete_removes_row_and_recording_and_ids_are_not_reused(store: AttemptStore, take: Callable[[], Path]) -> None:
    kept = save(store, take())
    gone = save(store, take())
    assert store.delete(gone.id) == gone
    assert not gone.audio.exists()
    assert kept.audio.exists()
    assert [a.id for a in store.attempts()] == [kept.id]
    assert save(store, take()).id > gone.id


def test_unknown_ids_are_clear_errors(store: AttemptStore) -> None:
    with pytest.raises(StoreError, match="there is no attempt 42"):
        store.get(42)
    with pytest.raises(StoreError, match="there is no attempt 42"):
        store.delete(42)
    with pytest.raises(StoreError, match="there is no attempt 42"):
        store.update_score(42, make_score())


def test_update_score_replaces_every_sub_score(store: AttemptStore, take: Callable[[], Path]) -> None:
    attempt = save(store, take())
    updated = store.update_score(attempt.id, make_score(55.0, version="test-2"))
    assert updated.score == make_score(55.0, version="test-2")
    assert store.phrase_stats("en-basics", "greeting").last == 55.0


def test_phrase_stats(store: AttemptStore, take: Callable[[], Path]) -> None:
    assert store.phrase_stats("en-basics", "greeting") == PhraseStats(0, None, None, None, None)
    for overall in (95, 50, 60, 70, 80, 90):
        save(store, take(), overall=overall)
    save(store, take(), phrase="other", overall=10)
    stats = store.phrase_stats("en-basics", "greeting")
    assert (stats.attempts, stats.best, stats.last) == (6, 95.0, 90.0)
    assert stats.avg_last5 == pytest.approx(70.0)
    assert stats.trend == pytest.approx(10.0)


def test_trend_is_negative_when_getting_worse() -> None:
    assert PhraseStats.from_scores([90, 80, 70]).trend == pytest.approx(-10.0)
    assert PhraseStats.from_scores([75]).trend is None


def test_each_thread_gets_its_own_connection_closed_when_it_ends(store: AttemptStore) -> None:
    with store._reading() as main:
        pass
    used: dict[int, set[int]] = {}

    def saver() -> None:
        for _ in range(10):
            with store._reading() as conn:
                used.setdefault(threading.get_ident(), set()).add(id(conn))
            save(store, write_take(store.incoming_dir))

    assert run_together(4, saver) == []
    assert len(store.attempts()) == 40
    assert len(used) == 4
    assert all(len(ids) == 1 and id(main) not in ids for ids in used.values())
    gc.collect()
    assert len(store._connections._open) == 1


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"cannot create the data dir .*file/data"):
        AttemptStore(blocker / "data")


def test_score_history_is_per_phrase_oldest_first(store: AttemptStore, take: Callable[[], Path]) -> None:
    first = save(store, take(), phrase="a", overall=40)
    save(store, take(), phrase="b", overall=50)
    last = save(store, take(), phrase="a", overall=60)
    save(store, take(), pack="other", phrase="a", overall=70)
    assert store.score_history("en-basics") == {
        "a": [(first.created_at, 40.0), (last.created_at, 60.0)],
        "b": [(store.attempts(phrase="b")[0].created_at, 50.0)],
    }

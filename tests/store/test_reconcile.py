"""reconcile(): rows without files are marked, files without rows set aside, nothing deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.store.helpers import save, write_take
from tui.store import AttemptStore, ReconcileReport


def test_a_clean_store_reconciles_to_nothing(store: AttemptStore, take: Callable[[], Path]) -> None:
    save(store, take())
    assert store.reconcile() == ReconcileReport()


def test_a_vanished_recording_marks_the_row_and_keeps_its_scores(store: AttemptStore, take: Callable[[], Path]) -> None:
    attempt = save(store, take(), overall=72.0)
    moved_away = store.data_dir / "set-aside.wav"
    attempt.audio.rename(moved_away)
    assert store.reconcile().missing == (attempt.id,)
    assert store.get(attempt.id).missing
    assert store.phrase_stats("en-basics", "greeting").last == 72.0
    assert store.reconcile().missing == ()

    moved_away.rename(attempt.audio)
    assert store.reconcile().restored == (attempt.id,)
    assert not store.get(attempt.id).missing


def test_files_without_rows_are_moved_to_orphans_not_deleted(store: AttemptStore, take: Callable[[], Path]) -> None:
    kept = save(store, take())
    stray = write_take(store.recordings_dir / "en-basics")
    loose = write_take(store.recordings_dir)
    content = stray.read_bytes()
    report = store.reconcile()
    assert report.orphans == (store.orphans_dir / "en-basics" / stray.name, store.orphans_dir / loose.name)
    assert report.orphans[0].read_bytes() == content
    assert not stray.exists() and not loose.exists()
    assert kept.audio.exists()
    assert store.reconcile().orphans == ()


def test_incoming_recordings_belong_to_the_recorder(store: AttemptStore, take: Callable[[], Path]) -> None:
    pending = take()
    assert store.reconcile() == ReconcileReport()
    assert pending.exists()


def test_an_orphan_never_overwrites_an_earlier_one(store: AttemptStore) -> None:
    first = write_take(store.recordings_dir / "p")
    store.reconcile()
    second = store.recordings_dir / "p" / first.name
    write_take(store.recordings_dir / "p").rename(second)
    [again] = store.reconcile().orphans
    assert again == store.orphans_dir / "p" / f"{first.stem}-1{first.suffix}"
    assert (store.orphans_dir / "p" / first.name).exists()


def test_a_deleted_row_whose_file_could_not_go_leaves_an_orphan(store: AttemptStore, take: Callable[[], Path]) -> None:
    attempt = save(store, take())
    copy = attempt.audio.read_bytes()
    store.delete(attempt.id)
    attempt.audio.write_bytes(copy)
    assert store.reconcile().orphans == (store.orphans_dir / attempt.audio.relative_to(store.recordings_dir),)

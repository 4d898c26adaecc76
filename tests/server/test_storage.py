"""The store's API on SQLite and PostgreSQL: takes pending → scored once, summaries kept current, the paged class table, exports.

No server process here: these call :mod:`tui.server.records`, ``summaries``,
``class_table`` and ``exports`` directly, on a real database of each kind.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from tests.server.conftest import BACKENDS
from tests.server.helpers import classroom, open_store, seed_takes
from tests.store.helpers import make_score
from tui.server import classes, exports, records, summaries
from tui.server.class_table import class_page, columns
from tui.server.db import Database
from tui.server.meta import AttemptMeta
from tui.server.records import Filters, TakeScore
from tui.server.schema import attempts

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path, database: str | None) -> Iterator[Database]:
    classroom(tmp_path, ["Ana", "Ben"], database=database)
    store = open_store(tmp_path, database)
    (store.references_dir / "ref.wav").write_bytes(b"RIFF")
    yield store
    store.close()


def _meta(phrase: str = "good-morning", *, minutes: int = 0, client_id: str | None = None) -> AttemptMeta:
    return AttemptMeta(pack="en-basics", pack_version="1", phrase_id=phrase, text="Good morning.", lang="en-US",
                       recorded_at=T0 + timedelta(minutes=minutes), client_attempt_id=client_id or str(uuid.uuid4()),
                       score=make_score(float("nan")))


def _staged(db: Database) -> Path:
    path = db.incoming_dir / f"{uuid.uuid4().hex}.part"
    path.write_bytes(b"RIFF" + bytes(100))
    return path


def _scored(db: Database, overall: float) -> TakeScore:
    return TakeScore(make_score(overall), 1.25, db.references_dir / "ref.wav")


def _add(db: Database, learner_id: int, overall: float | None, **meta: object) -> records.ServerAttempt:
    attempt, created = records.add(db, learner_id=learner_id, meta=_meta(**meta), staged=_staged(db), suffix=".wav",  # type: ignore[arg-type]
                                   scored=None if overall is None else _scored(db, overall))
    assert created
    return attempt


def _summary(db: Database, learner_id: int, phrase: str = "good-morning") -> tuple[object, ...] | None:
    with db.reading() as conn:
        row = conn.execute(text("SELECT attempts, latest, best, latest_attempt_id, trend FROM summaries"
                                " WHERE learner_id = :l AND phrase_id = :p"), {"l": learner_id, "p": phrase}).first()
    return tuple(row) if row else None


def _pending_on_the_page(db: Database) -> dict[str, int]:
    """Each learner's takes being scored, as the class page shows them."""
    page = class_page(db, 1)
    assert page is not None
    return {row.learner: row.pending for row in page.rows}


def test_a_pending_take_is_scored_once_and_only_then_counted(db: Database) -> None:
    take = _add(db, 1, None)
    assert take.status == "pending" and take.score is None and take.duration is None
    assert take.audio is not None and take.audio.is_file()
    assert take.client_score is None  # a learner's NaN (uploads refuse it; a row may hold it) is never shown...
    with db.reading() as conn:  # ...nor stored as a number
        stored = conn.execute(text("SELECT client_overall, client_score_json FROM attempts WHERE id = :id"), {"id": take.id}).one()
    assert stored[0] is None and "NaN" in stored[1]
    assert records.pending(db) == [take.id]
    assert _summary(db, 1) is None
    assert _pending_on_the_page(db) == {"Ana": 1, "Ben": 0}  # the class page shows it waiting for its score
    assert records.mark_scored(db, take.id, _scored(db, 71.0))
    assert _pending_on_the_page(db) == {"Ana": 0, "Ben": 0}
    assert not records.mark_scored(db, take.id, _scored(db, 10.0))  # scored once: the second result is dropped
    assert not records.mark_failed(db, take.id, "too late")
    stored = records.get(db, take.id)
    assert stored is not None and stored.status == "scored" and stored.score is not None and stored.score.overall == 71.0
    assert stored.reference == db.references_dir / "ref.wav" and stored.duration == 1.25
    assert _summary(db, 1) == (1, 71.0, 71.0, take.id, None)
    assert records.pending(db) == []
    failed = _add(db, 1, None, minutes=5)
    assert records.mark_failed(db, failed.id, "no speech")
    again = records.get(db, failed.id)
    assert again is not None and again.status == "failed" and again.error == "no speech"
    assert _summary(db, 1) == (1, 71.0, 71.0, take.id, None)  # a failed take changes no summary


def test_a_summary_follows_recording_time_best_count_and_trend(db: Database) -> None:
    late = _add(db, 1, 50.0, minutes=10)
    early = _add(db, 1, 90.0, minutes=1)  # recorded before, uploaded after (it waited in an outbox)
    assert _summary(db, 1) == (2, 50.0, 90.0, late.id, pytest.approx(-40.0))
    newest = _add(db, 1, 60.0, minutes=20)
    count, latest, best, latest_id, trend = _summary(db, 1) or ()
    assert (count, latest, best, latest_id) == (3, 60.0, 90.0, newest.id)
    assert trend == pytest.approx(-15.0)  # slope of 90, 50, 60 per take
    other = _add(db, 2, 40.0)
    _add(db, 2, 55.0, phrase="good-evening")
    assert _summary(db, 2) == (1, 40.0, 40.0, other.id, None)
    assert _class_phrases(db) == [("good-evening", 1), ("good-morning", 2)]  # the class page's columns
    with db.writing() as conn:  # hiding a take (issue 21) takes it out of the summaries once refreshed
        conn.execute(update(attempts).where(attempts.c.id.in_([early.id, other.id])).values(hidden_at=T0))
        summaries.refresh(conn, 1, "en-basics", "good-morning")
        summaries.refresh(conn, 2, "en-basics", "good-morning")
    assert _summary(db, 1)[:3] == (2, 60.0, 60.0)  # type: ignore[index]
    assert _summary(db, 2) is None and _class_phrases(db) == [("good-evening", 1), ("good-morning", 1)]
    incremental = _all_summaries(db), _class_phrases(db)
    with db.writing() as conn:
        assert summaries.rebuild(conn) == 2
    assert (_all_summaries(db), _class_phrases(db)) == incremental  # a rebuild gives what the refreshes kept


def _class_phrases(db: Database) -> list[tuple[object, ...]]:
    with db.reading() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT phrase_id, learners FROM class_phrases ORDER BY phrase_id"))]


def _all_summaries(db: Database) -> list[tuple[object, ...]]:
    with db.reading() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT learner_id, pack_id, phrase_id, class_id, text, attempts, latest, latest_attempt_id, best, mean_last5,"
            " trend FROM summaries ORDER BY learner_id, phrase_id"))]


def test_the_same_client_attempt_id_sent_at_once_is_stored_once(db: Database) -> None:
    client_id = str(uuid.uuid4())
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            attempt, created = records.add(db, learner_id=1, meta=_meta(client_id=client_id), staged=_staged(db),
                                           suffix=".wav", scored=_scored(db, 70.0))
            results.append((attempt.id, created))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len({id for id, _ in results}) == 1 and sorted(created for _, created in results) == [False] * 7 + [True]
    with db.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM attempts")).scalar() == 1
        audio = conn.execute(text("SELECT audio FROM attempts")).scalar()
    assert (db.root / audio).is_file()
    assert _summary(db, 1)[0] == 1  # type: ignore[index]


def test_many_learners_first_takes_of_one_phrase_stored_at_once_are_all_counted(db: Database) -> None:
    ids = [1, 2, *(_new_learner(db, f"extra-{n}") for n in range(10))]
    errors: list[BaseException] = []

    def send(learner_id: int) -> None:
        try:
            for phrase in ("good-morning", "good-evening"):
                records.add(db, learner_id=learner_id, meta=_meta(phrase), staged=_staged(db), suffix=".wav",
                            scored=_scored(db, 50.0 + learner_id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(learner_id,)) for learner_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []  # on PostgreSQL: no deadlock between the learners' and the class's row locks
    assert _class_phrases(db) == [("good-evening", len(ids)), ("good-morning", len(ids))]
    assert len(_all_summaries(db)) == 2 * len(ids)


def _new_learner(db: Database, name: str) -> int:
    classes.add_learner(db, name, "Class 1")
    with db.reading() as conn:
        return int(conn.execute(text("SELECT id FROM learners WHERE name = :n"), {"n": name}).scalar_one())


def test_the_class_table_is_paged_and_sorted_from_the_summaries(db: Database) -> None:
    from tui.paths import DEMO_PACK
    from tui.server.packs import publish

    publish(db, DEMO_PACK)
    phrases = [("good-morning", "Good morning."), ("good-evening", "Good evening."), ("thank-you", "Thank you.")]
    seed_takes(db, 1, 120, phrases, 2)
    first = class_page(db, 1, page=1, per_page=50)
    assert first is not None and first.class_name == "Class 1"
    assert (first.learners, first.pages, first.first, first.last) == (122, 3, 1, 50)  # Ana and Ben (no takes) too
    assert [r.learner for r in first.rows[:3]] == ["Ana", "Ben", "learner-00000"]
    assert [c.phrase_id for c in first.columns] == ["good-morning", "good-evening"]  # the pack's phrases, in its order
    assert [(o.phrase_id, o.learners) for o in first.others] == [("thank-you", 120)]  # not in the pack: listed apart
    last = class_page(db, 1, page=9, per_page=50)  # past the end: the last page
    assert last is not None and last.page == 3 and len(last.rows) == 22
    assert class_page(db, 1, sort="-name", per_page=5).rows[0].learner == "learner-00119"  # type: ignore[union-attr]
    by_mean = class_page(db, 1, sort="mean", per_page=200)
    assert by_mean is not None
    means = [r.mean for r in by_mean.rows]
    assert means[-2:] == [None, None] and means[:-2] == sorted(means[:-2])  # type: ignore[type-var]  (never-tried last)
    column = "phrase:en-basics/good-evening"
    by_phrase = class_page(db, 1, sort=f"-{column}", per_page=200)
    assert by_phrase is not None
    latest = [r.cells[1].latest for r in by_phrase.rows if r.cells[1]]  # type: ignore[union-attr]
    assert latest == sorted(latest, reverse=True) and len(latest) == 120
    cell = by_phrase.rows[0].cells[1]
    assert cell is not None and cell.attempts == 2 and cell.best >= cell.latest
    assert class_page(db, 1, sort="bogus; DROP TABLE x").sort == "name"  # type: ignore[union-attr]
    assert class_page(db, 99) is None


def test_column_headers_come_from_the_published_pack_in_lesson_order(db: Database) -> None:
    from tui.paths import DEMO_PACK
    from tui.server.packs import publish

    publish(db, DEMO_PACK)
    seed_takes(db, 1, 2, [("thank-you-very-much", "Class cancelled, go home"), ("good-morning", "Good morning.")], 1)
    seed_takes(db, 1, 1, [("mine", "My own phrase")], 1, pack="zz-own", first_learner=10)
    seed_takes(db, 1, 1, [("CON", "Class cancelled today, go home")], 1, pack="en-basics", first_learner=20)
    found = columns(db, 1)
    assert [(c.pack, c.phrase_id, c.text) for c in found] == [
        ("en-basics", "good-morning", "Good morning."), ("en-basics", "thank-you-very-much", "Thank you very much.")]
    page = class_page(db, 1)  # a take's text never renames a published phrase; phrases no pack has are listed apart
    assert page is not None and page.packs == ("en-basics",)  # a pack filter only for published packs
    assert [(o.pack, o.phrase_id, o.text) for o in page.others] == [
        ("en-basics", "CON", "Class cancelled today, go home"), ("zz-own", "mine", "My own phrase")]


def test_exports_stream_every_take_of_the_classes_seen(db: Database) -> None:
    classes.add_class(db, "Class 2", "Other")
    seed_takes(db, 1, 3, [("good-morning", "=cmd|' /C calc'!A0")], 700)
    seed_takes(db, 2, 1, [("good-morning", "Good morning.")], 5, first_learner=50)
    odd = _add(db, 1, 80.0)
    with db.writing() as conn:  # an old row with a learner score JSON cannot hold
        conn.execute(update(attempts).where(attempts.c.id == odd.id).values(client_score_json='{"overall": NaN}'))
    scope = Filters(class_ids=frozenset({1}))
    chunks = list(exports.csv_chunks(db, scope, batch=500))
    assert len(chunks) == 5  # written as read, 500 lines at a time, not built whole
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(rows) == 3 * 700 + 1 and {r["class"] for r in rows} == {"Class 1"}
    assert rows[0]["text"].startswith("'=")  # never a spreadsheet formula
    body = json.loads("".join(exports.json_chunks(db, scope, batch=500)))
    assert [a["id"] for a in body["attempts"]] == [int(r["id"]) for r in rows]
    assert body["attempts"][-1]["client_score"] is None  # not a valid score: null, never a broken listing
    admin = list(records.rows(db, Filters(), batch=100))
    assert len(admin) == 3 * 700 + 1 + 5
    only_two = list(records.rows(db, replace(Filters(), class_id=2, learner="learner-00050")))
    assert len(only_two) == 5

"""The outbox in the attempts database: queueing, states, back-off, and which attempts belong in it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from tests.store.helpers import save, write_take
from tui.client.uploader import BACKOFF_FIRST, BACKOFF_MAX, DEFAULT_LANG, OutboxStatus, backoff, pack_language
from tui.errors import StoreError
from tui.paths import DEMO_PACK
from tui.store import AttemptStore
from tui.store.outbox import Outbox, OutboxState, now_utc


def _saved(store: AttemptStore) -> int:
    return save(store, write_take(store.incoming_dir)).id


def test_queueing_gives_a_uuid_once_and_refuses_unknown_attempts(tmp_path: Path) -> None:
    with AttemptStore(tmp_path) as store, Outbox(tmp_path) as outbox:
        attempt = _saved(store)
        first = outbox.enqueue(attempt, lang="es-ES")
        again = outbox.enqueue(attempt, lang="fr-FR")
        with pytest.raises(StoreError, match="no attempt 999"):
            outbox.enqueue(999, lang="en-US")
    assert uuid.UUID(first.client_attempt_id).version == 4
    assert again == first  # queuing twice changes nothing, not even the language
    assert (first.state, first.tries, first.lang) == (OutboxState.PENDING, 0, "es-ES")


def test_each_take_gets_its_own_client_attempt_id(tmp_path: Path) -> None:
    with AttemptStore(tmp_path) as store, Outbox(tmp_path) as outbox:
        ids = {outbox.enqueue(_saved(store), lang="en-US").client_attempt_id for _ in range(5)}
    assert len(ids) == 5


def test_a_retry_waits_for_its_time_and_states_are_counted(tmp_path: Path) -> None:
    with AttemptStore(tmp_path) as store, Outbox(tmp_path) as outbox:
        a, b, c = (outbox.enqueue(_saved(store), lang="en-US").attempt_id for _ in range(3))
        outbox.mark_retry(a, "cannot reach the server", now_utc() + timedelta(minutes=5))
        outbox.mark_sent(b, 41)
        outbox.mark_failed(c, "the server refused (415): not audio")
        assert [item.attempt_id for item in outbox.due()] == []
        assert [item.attempt_id for item in outbox.due(now_utc() + timedelta(minutes=6))] == [a]
        counts = outbox.counts()
        retried, sent, failed = outbox.get(a), outbox.get(b), outbox.get(c)
        outbox.retry_now()
        due_now = [item.attempt_id for item in outbox.due()]
        requeued = outbox.requeue_failed()
        after = outbox.counts()
    assert (counts.pending, counts.sent, counts.failed) == (1, 1, 1)
    assert (retried.tries, retried.last_error) == (1, "cannot reach the server")
    assert (sent.state, sent.server_id, sent.sent_at is not None) == (OutboxState.SENT, 41, True)
    assert (failed.state, failed.last_error) == (OutboxState.FAILED, "the server refused (415): not audio")
    assert due_now == [a] and requeued == 1 and (after.pending, after.failed) == (2, 0)


def test_only_attempts_saved_after_login_belong_in_the_outbox(tmp_path: Path) -> None:
    with AttemptStore(tmp_path) as store, Outbox(tmp_path) as outbox:
        before = _saved(store)
        assert outbox.unqueued() == []  # not logged in: nothing belongs
        outbox.queue_from_now()
        after = [_saved(store) for _ in range(3)]
        outbox.enqueue(after[0], lang="en-US")
        missing = outbox.unqueued()
        outbox.queue_from_now()  # logging in again keeps the first mark
        still = outbox.unqueued()
        outbox.stop_queuing()
        gone = outbox.unqueued()
    assert before not in missing and missing == after[1:] == still
    assert gone == []


def test_the_outbox_survives_reopening(tmp_path: Path) -> None:
    with AttemptStore(tmp_path) as store, Outbox(tmp_path) as outbox:
        queued = outbox.enqueue(_saved(store), lang="en-US")
    with Outbox(tmp_path) as reopened:
        assert reopened.get(queued.attempt_id) == queued


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert BACKOFF_FIRST * 0.8 <= backoff(1) <= BACKOFF_FIRST * 1.2
    assert BACKOFF_FIRST * 4 * 0.8 <= backoff(3) <= BACKOFF_FIRST * 4 * 1.2
    assert backoff(50) <= BACKOFF_MAX * 1.2
    assert len({round(backoff(5), 6) for _ in range(20)}) > 1  # jitter: clients do not retry in lockstep


def test_the_status_label_says_what_waits_and_why() -> None:
    assert OutboxStatus().label() == ""
    assert OutboxStatus(3, 0, "").label() == "↑ 3 waiting"
    assert OutboxStatus(3, 1, "cannot reach http://x").label() == "↑ 3 waiting · 1 refused (pronounce sync --status) · cannot reach http://x"
    assert OutboxStatus(0, 0, "stale error").label() == ""


def test_a_takes_language_comes_from_its_pack(tmp_path: Path) -> None:
    assert pack_language(DEMO_PACK / "audio" / "good-morning.flac") == "en-US"
    spanish = DEMO_PACK.parent / "es-basics"
    reference = next((spanish / "audio").iterdir())
    assert pack_language(reference) == "es-ES"
    assert pack_language(tmp_path / "nowhere.flac") == DEFAULT_LANG
    assert pack_language(None) == DEFAULT_LANG

"""The practice session without Textual: takes bound to their phrase, rejection, saving, history, recovery."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.ui.packs import PACK_DATA, copy_pack
from tui.audio.soundserver import SoundServer
from tui.config import ConfigError, config_path
from tui.errors import RecorderError
from tui.practice.captures import Chunk
from tui.practice.playback import Play
from tui.practice.session import Session
from tui.practice.takes import Take, TakeState


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_pack(tmp_path_factory.mktemp("session") / "ui-test")


def session_on(data_dir: Path, pack_dir: Path, input_file: Path | None) -> Session:
    session = Session(data_dir, input_file=input_file)
    session.open_pack(pack_dir)
    session.update_config(auto_stop=False)
    return session


def record(session: Session, take: Take, seconds: float | None = None) -> list[Chunk]:
    """Record ``take`` from the input file for ``seconds`` (default: until the file ends), then stop and score."""
    chunks: list[Chunk] = []
    session.start_take(take, lambda event: chunks.append(event) if isinstance(event, Chunk) else None)
    deadline = time.monotonic() + (seconds if seconds is not None else 10.0)
    while time.monotonic() < deadline:
        if seconds is None and take.capture.silent_for() is not None and take.capture.silent_for() > 0.8:  # type: ignore[operator]
            break
        time.sleep(0.05)
    session.stop_and_score(take)
    return chunks


def test_the_practice_layer_does_not_load_textual() -> None:
    code = (
        "import importlib, pkgutil, sys, tui.practice\n"
        "names = [info.name for info in pkgutil.walk_packages(tui.practice.__path__, 'tui.practice.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names), sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'click')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = result.stdout.strip().split(" ", 1)
    assert int(count) >= 10 and loaded == "[]", "every module of tui.practice imports without Textual, rich or click"


def test_a_take_is_scored_and_filed_under_the_phrase_it_started_on(pack_dir: Path, tmp_path: Path) -> None:
    session = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    hello, numbers = session.pack.phrases[0], session.pack.phrases[1]  # type: ignore[union-attr]
    session.prepare_reference(hello)
    session.load_reference(numbers)
    take = session.new_take(hello)
    saved = []
    session.add_saved_listener(saved.append)
    chunks = []
    session.start_take(take, chunks.append)
    assert take.state is TakeState.RECORDING and take.recorder
    with pytest.raises(RecorderError, match="not finished"):
        session.new_take(numbers)  # one take at a time: the phrase cannot change under it
    while take.capture.silent_for() is None or take.capture.silent_for() < 0.8:  # type: ignore[operator]
        time.sleep(0.05)
    result = session.stop_and_score(take)
    assert take.state is TakeState.SCORED and result.score is not None and result.score.overall >= 70
    assert result.attempt_pitch is not None and result.reference_pitch is not None
    attempt = session.save(take)
    assert take.state is TakeState.SAVED and take.result is not None and take.result.attempt_id == attempt.id
    assert (attempt.pack_id, attempt.phrase_id, attempt.recorder) == ("ui-test", "hello", take.recorder)
    assert saved == [attempt], "a saved attempt is announced (the upload outbox listens here)"
    assert any(chunk.level.rms_dbfs > -40 for chunk in chunks)
    assert not list(session.incoming_dir.iterdir()), "the recording moved into the store, its sidecar is gone"
    session.close()


def test_takes_with_no_or_too_little_speech_are_rejected_and_not_kept(pack_dir: Path, tmp_path: Path) -> None:
    samples, samplerate = sf.read(PACK_DATA / "hello.wav", dtype="float32")
    loud = np.flatnonzero(np.abs(samples) > 0.05)
    blip = np.concatenate([samples[loud[0] : loud[0] + int(0.1 * samplerate)], np.zeros(samplerate, dtype=np.float32)])
    sf.write(tmp_path / "blip.wav", blip, samplerate)
    sf.write(tmp_path / "silence.wav", np.zeros(samplerate, dtype=np.float32), samplerate)
    for name, reason in (("blip.wav", "speech"), ("silence.wav", "no speech heard")):
        session = session_on(tmp_path / f"data-{name}", pack_dir, tmp_path / name)
        phrase = session.pack.phrases[0]  # type: ignore[union-attr]
        session.prepare_reference(phrase)
        take = session.new_take(phrase)
        record(session, take, seconds=1.2)
        assert take.state is TakeState.REJECTED and take.result is not None and take.result.score is None
        assert reason in take.result.rejected
        assert session.store.attempts() == []
        assert not list(session.incoming_dir.glob("*.flac")) and not list(session.incoming_dir.glob("*.take.json"))
        session.close()


def test_auto_stop_waits_for_speech_then_for_quiet(pack_dir: Path, tmp_path: Path) -> None:
    session = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    session.update_config(auto_stop=True, auto_stop_seconds=1.0)
    phrase = session.pack.phrases[0]  # type: ignore[union-attr]
    session.load_reference(phrase)
    take = session.new_take(phrase)
    assert not session.auto_stop_due(take), "not before it starts"
    take.started()
    assert not session.auto_stop_due(take, now=100.0), "nothing heard yet: keep recording"
    take.capture.heard_at = 99.5
    assert not session.auto_stop_due(take, now=100.0)
    assert session.auto_stop_due(take, now=100.6)
    session.update_config(auto_stop=False)
    assert not session.auto_stop_due(take, now=200.0)


def test_the_latest_attempt_and_the_progress_come_back_in_a_new_session(pack_dir: Path, tmp_path: Path) -> None:
    first = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    phrase = first.pack.phrases[0]  # type: ignore[union-attr]
    first.prepare_reference(phrase)
    take = first.new_take(phrase)
    record(first, take)
    first.save(take)
    first.close()
    again = Session(tmp_path)
    pack = again.open_pack(pack_dir)
    latest = again.latest_result(phrase)
    assert latest is not None and latest.score == take.result.score  # type: ignore[union-attr]
    assert latest.samples is not None and latest.samples.size > 16000 and latest.attempt_pitch is not None
    progress = again.read_progress(pack)
    assert again.progress is progress
    assert progress.of("hello").best == progress.of("hello").latest == take.result.score.overall  # type: ignore[union-attr]
    assert progress.of("numbers").is_new and not progress.of("numbers").due, "a new phrase reads 'new', not due"
    assert progress.done_today == 1
    assert again.latest_result(pack.phrases[1]) is None


def test_a_take_cut_by_quitting_is_kept_listed_with_its_phrase_and_can_be_scored(pack_dir: Path, tmp_path: Path) -> None:
    session = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    phrase = session.pack.phrases[0]  # type: ignore[union-attr]
    session.prepare_reference(phrase)
    take = session.new_take(phrase)
    session.start_take(take)
    time.sleep(3.0)
    kept = session.close()
    assert len(kept) == 1 and kept[0].is_file() and kept[0].parent == session.incoming_dir
    later = Session(tmp_path)
    later.open_pack(pack_dir)
    recovered = later.recovered_takes()
    assert [(r.path, r.pack_id, r.phrase_id) for r in recovered] == [(kept[0], "ui-test", "hello")]
    result, attempt = later.score_recovered(recovered[0])
    assert attempt is not None and result.score is not None and result.score.overall >= 70
    assert attempt.phrase_id == "hello" and attempt.recorder == take.recorder
    assert later.recovered_takes() == [] and not list(later.incoming_dir.iterdir())


def test_a_recovered_take_without_its_phrase_can_be_deleted(pack_dir: Path, tmp_path: Path) -> None:
    session = Session(tmp_path)
    session.incoming_dir.mkdir(parents=True)
    stray = session.incoming_dir / "20260101T000000.000Z-lost-owl.flac"
    sf.write(stray, np.zeros(1600, dtype=np.float32), 16000)
    (recovered,) = session.recovered_takes()
    assert recovered.phrase_id == ""
    with pytest.raises(Exception, match="which phrase"):
        session.score_recovered(recovered)
    session.delete_recovered(recovered)
    assert not stray.exists() and session.recovered_takes() == []


def test_a_broken_config_is_reported_and_the_defaults_used(tmp_path: Path) -> None:
    config_path(tmp_path).write_text("auto_stop = \n", encoding="utf-8")
    session = Session(tmp_path)
    assert isinstance(session.config_error, ConfigError) and session.config.auto_stop
    session.update_config(auto_stop=False)
    assert Session(tmp_path).config.auto_stop is False and Session(tmp_path).config_error is None


def test_the_status_line_and_its_listeners(tmp_path: Path) -> None:
    session = Session(tmp_path)
    seen: list[str] = []
    unsubscribe = session.add_status_listener(lambda: seen.append(session.status))
    session.set_status("↑ 3 waiting")
    unsubscribe()
    session.set_status("")
    assert seen == ["↑ 3 waiting"] and session.status == ""


def test_starting_a_take_stops_playback_unless_shadowing(sound_server: SoundServer, pack_dir: Path, tmp_path: Path) -> None:
    session = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    phrase = session.pack.phrases[0]  # type: ignore[union-attr]
    reference = session.load_reference(phrase)
    for shadowing in (False, True):
        session.update_config(shadowing=shadowing)
        session.playback.play([Play("reference", reference.samples, reference.samplerate)])
        deadline = time.monotonic() + 10
        while (session.playback.now() is None or session.playback.now().position is None) and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.02)
        take = session.new_take(phrase)
        session.start_take(take)
        assert (session.playback.now() is not None) == shadowing
        session.recording.discard(take.capture)
        take.failed()
        session.playback.stop()
    session.close()


def test_a_playback_queue_plays_in_order_and_stops(sound_server: SoundServer, tmp_path: Path) -> None:
    session = Session(tmp_path)
    tone = (0.2 * np.sin(np.arange(8000) * 2 * np.pi * 440 / 16000)).astype(np.float32)
    targets: list[str] = []
    session.playback.play([Play("reference", tone, 16000), Play("attempt", tone, 16000, speed=0.75)])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        now = session.playback.now()
        if now is None and targets:
            break
        if now is not None and now.position is not None and (not targets or targets[-1] != now.play.target):
            targets.append(now.play.target)
        time.sleep(0.01)
    assert targets == ["reference", "attempt"]
    session.playback.play([Play("reference", tone, 16000)])
    session.playback.stop()
    assert session.playback.now() is None
    session.close()


def test_closing_while_a_take_is_scored_waits_until_it_is_saved(pack_dir: Path, tmp_path: Path) -> None:
    session = session_on(tmp_path, pack_dir, PACK_DATA / "hello.wav")
    phrase = session.pack.phrases[0]  # type: ignore[union-attr]
    session.prepare_reference(phrase)
    take = session.new_take(phrase)
    session.start_take(take)
    time.sleep(3.0)
    scored = threading.Event()
    finisher = threading.Thread(target=session.finish_take, args=(take, lambda result: scored.set()))
    finisher.start()
    while take.state is TakeState.RECORDING:
        time.sleep(0.001)
    assert session.close() == [], "nothing was left unfinished"
    finisher.join()
    assert scored.is_set() and take.state is TakeState.SAVED
    assert [a.phrase_id for a in Session(tmp_path).store.attempts()] == ["hello"]

"""The app's one recording at a time (CaptureRun), through the real recorder fed from a file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.ui.packs import PACK_DATA
from tui.audio import recorder
from tui.errors import RecorderError
from tui.practice.captures import Capture, RunState
from tui.practice.session import Session


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session(tmp_path, input_file=PACK_DATA / "hello.wav")


def test_a_second_claim_is_refused_until_the_first_recording_ends(session: Session) -> None:
    run = session.recording
    test = run.claim("an input test")
    with pytest.raises(RecorderError, match="an input test is starting"):
        run.claim("a reference")
    assert run.start(test) and run.state is RunState.RECORDING
    assert test.path is not None and test.path.parent == session.incoming_dir
    with pytest.raises(RecorderError, match="an input test is recording"):
        run.claim("a take")
    with pytest.raises(RecorderError, match="not recording"):
        run.stop(Capture())  # a screen stops only its own capture
    recording = run.stop(test)
    assert recording.path == test.path and recording.path.is_file(), "the capture names the file its recorder wrote"
    assert run.state is RunState.IDLE and run.capture is None and recorder.active() == []
    again = run.claim("a reference")
    assert run.start(again)
    run.discard(again)
    assert again.path is not None and not again.path.exists() and recorder.active() == [], "discarded: stopped and deleted"
    session.close()


def test_a_capture_given_up_while_its_recorder_opens_leaves_nothing_running(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    run = session.recording
    opening, go = threading.Event(), threading.Event()
    start = recorder.start

    def slow_start(*args: object, **kwargs: object) -> recorder.RecorderHandle:
        opening.set()
        go.wait(5.0)
        return start(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recorder, "start", slow_start)
    capture = run.claim("an input test")
    started: list[bool] = []
    worker = threading.Thread(target=lambda: started.append(run.start(capture)))
    worker.start()
    assert opening.wait(5.0)
    run.discard(capture)  # the screen closed while the stream opened
    assert run.state is RunState.IDLE
    go.set()
    worker.join(10.0)
    assert started == [False] and recorder.active() == [] and not list(session.incoming_dir.glob("*.flac"))
    session.close()

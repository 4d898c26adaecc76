"""A take's state changes only through its own methods, and an illegal move is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tui.audio.recorder import Recording
from tui.errors import TakeStateError
from tui.packs.model import Pack, Phrase
from tui.practice.results import Reference, Result
from tui.practice.takes import Take, TakeState
from tui.scoring.score import Score

PHRASE = Phrase("hello", "Good morning", audio=Path("hello.wav"))
PACK = Pack("test", "Test", "en-US", phrases=(PHRASE,))
RECORDING = Recording(name="amber-otter", path=Path("take.flac"), samplerate=16000, duration=1.0, overflows=0)
SCORE = Score(overall=80.0, accuracy=80.0, fluency=80.0, intonation=80.0, completeness=100.0)
WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def a_take() -> Take:
    return Take(PACK, PHRASE, Reference("hello", np.zeros(160, np.float32), 16000, ()))


def result(score: Score | None) -> Result:
    return Result(samples=np.zeros(160, np.float32), samplerate=16000, score=score, rejected="" if score else "no speech heard")


def test_a_take_goes_from_starting_to_saved_through_its_methods() -> None:
    take = a_take()
    assert take.state is TakeState.STARTING
    take.started()
    assert take.state is TakeState.RECORDING and take.state.running
    take.stop()
    assert take.state is TakeState.SCORING and take.state.busy and not take.state.running
    take.scored(RECORDING, result(SCORE))
    assert take.state is TakeState.SCORED and take.scored_parts() == (RECORDING, take.result)
    take.saved(7, WHEN)
    assert take.state is TakeState.SAVED and take.result is not None and (take.result.attempt_id, take.result.created_at) == (7, WHEN)


def test_a_take_with_no_score_is_rejected_and_cannot_be_saved() -> None:
    take = a_take()
    take.started()
    take.stop()
    take.scored(RECORDING, result(None))
    assert take.state is TakeState.REJECTED
    with pytest.raises(TakeStateError, match="rejected cannot move"):
        take.saved(1, WHEN)
    with pytest.raises(TakeStateError, match="rejected"):
        take.scored_parts()
    with pytest.raises(TakeStateError):
        take.failed()
    assert take.state is TakeState.REJECTED


@pytest.mark.parametrize(
    ("moves", "illegal"),
    [
        ((), "stop"),  # stopped before its recorder started
        ((), "saved"),
        (("started",), "started"),  # started twice
        (("started", "stop"), "stop"),  # stopped twice (a key and auto-stop)
        (("started", "stop"), "started"),  # back to recording
        (("failed",), "started"),  # started after the app quit
        (("failed",), "failed"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(moves: tuple[str, ...], illegal: str) -> None:
    take = a_take()
    for move in moves:
        getattr(take, move)()
    before = take.state
    arguments = {"saved": (1, WHEN)}.get(illegal, ())
    with pytest.raises(TakeStateError, match=f"{before.value} cannot move"):
        getattr(take, illegal)(*arguments)
    assert take.state is before and take.result is None


def test_the_state_cannot_be_assigned() -> None:
    take = a_take()
    with pytest.raises(AttributeError):
        take.state = TakeState.SAVED  # type: ignore[misc]
    assert take.state is TakeState.STARTING


@pytest.mark.parametrize("reached", ["starting", "recording", "scoring", "scored"])
def test_a_take_can_fail_until_it_is_done(reached: str) -> None:
    take = a_take()
    steps = {"recording": ["started"], "scoring": ["started", "stop"], "scored": ["started", "stop", "scored"]}.get(reached, [])
    for step in steps:
        getattr(take, step)(*((RECORDING, result(SCORE)) if step == "scored" else ()))
    take.failed()
    assert take.state is TakeState.FAILED

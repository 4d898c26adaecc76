"""What each screen looks like at 80×24 and 120×40, with and without a result (pytest-textual-snapshot)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import reference_ready, save_attempts, until
from tui.app import PronounceApp
from tui.practice.results import Result
from tui.scoring.score import Score, WordScore
from tui.screens.author import AuthorScreen
from tui.screens.practice import PracticeScreen
from tui.widgets.plots import PitchPlot

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def fixed_result(screen: PracticeScreen) -> Result:
    """A result for the current phrase whose numbers do not depend on the scorer (four findings)."""
    assert screen.reference is not None
    words = tuple(
        WordScore(text=w.text, score=score, ref_start=w.start, ref_end=w.end, att_start=w.start * 1.1, att_end=w.end * 1.1)
        for w, score in zip(screen.reference.words, (92, 74, 41, 88, 66, 97))
    )
    issues = ("“are” sounded unlike the reference", "a little slower than the reference", "long pause before “you”",
              "the voice falls where the reference rises")
    score = Score(overall=81.0, accuracy=84.0, fluency=77.0, intonation=62.0, completeness=100.0, words=words, issues=issues,
                  path=((0.0, 0.0), (2.0, 2.2)), scorer_version="snapshot")
    times = np.linspace(0.1, 1.8, 80)
    reference_pitch = (times, 120 + 30 * np.sin(times * 3))
    attempt_pitch = (times * 1.1, 125 + 25 * np.sin(times * 3 + 0.3))
    return Result(samples=screen.reference.samples, samplerate=screen.reference.samplerate, score=score,
                  attempt_pitch=attempt_pitch, reference_pitch=reference_pitch)


async def _settled(pilot: Pilot[None]) -> None:
    await reference_ready(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _with_result(pilot: Pilot[None]) -> None:
    await _settled(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PracticeScreen)
    screen.show_result(fixed_result(screen), title="result")
    await pilot.pause()
    await pilot.pause()


async def _review(pilot: Pilot[None]) -> None:
    await _settled(pilot)
    await pilot.press("r")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    if screen.attempts:  # type: ignore[attr-defined]
        pitch = screen.query_one(PitchPlot)
        await until(pilot, lambda: pitch.attempt is not None)  # the highlighted attempt's audio and pitch
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_practice_without_result(snap_compare, app: PronounceApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_settled)


@pytest.mark.parametrize("size", SIZES)
def test_practice_with_result(snap_compare, app: PronounceApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_with_result)


@pytest.mark.parametrize("size", SIZES)
def test_review_without_attempts(snap_compare, app: PronounceApp, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_review)


@pytest.mark.parametrize("size", SIZES)
def test_review_with_attempts(snap_compare, app: PronounceApp, pack_dir: Path, data_dir: Path, size: tuple[int, int]) -> None:
    save_attempts(data_dir, pack_dir)
    assert snap_compare(app, terminal_size=size, run_before=_review)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, app: PronounceApp, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", SIZES)
def test_author(snap_compare, app: PronounceApp, size: tuple[int, int]) -> None:
    async def open_author(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, None))
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture random
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_author)


@pytest.mark.parametrize("size", SIZES)
def test_progress(snap_compare, app: PronounceApp, pack_dir: Path, data_dir: Path, size: tuple[int, int]) -> None:
    save_attempts(data_dir, pack_dir, first=datetime(2026, 6, 3, 9, 30, tzinfo=UTC))
    save_attempts(data_dir, pack_dir, (55.0, 71.0), phrase_id="weather", text="It is raining in the mountains",
                  first=datetime(2026, 6, 10, 18, 0, tzinfo=UTC))
    app.session.clock = lambda: datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

    async def open_progress(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("g")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_progress)

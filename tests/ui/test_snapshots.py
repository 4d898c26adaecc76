"""What each screen looks like, with and without a result (pytest-textual-snapshot)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import reference_ready, save_attempts
from tui.app import PronounceApp
from tui.messages import ScoreReady
from tui.scoring.score import Score, WordScore
from tui.screens.author import AuthorScreen
from tui.screens.practice import PracticeScreen

SIZE = (120, 48)


def fixed_score(screen: PracticeScreen) -> ScoreReady:
    """A result for the current phrase whose numbers do not depend on the scorer."""
    assert screen.reference is not None
    words = tuple(
        WordScore(w.text, score, w.start, w.end, w.start * 1.1, w.end * 1.1)
        for w, score in zip(screen.reference.words, (92, 74, 41, 88, 66, 97))
    )
    score = Score(81.0, 84.0, 77.0, 62.0, 100.0, words, ("“are” sounded unlike the reference", "a little slower than the reference"),
                  ((0.0, 0.0), (2.0, 2.2)), "snapshot")
    times = np.linspace(0.1, 1.8, 80)
    reference_pitch = (times, 120 + 30 * np.sin(times * 3))
    attempt_pitch = (times * 1.1, 125 + 25 * np.sin(times * 3 + 0.3))
    assert screen.phrase is not None
    attempt = (screen.reference.samples, screen.reference.samplerate)
    return ScoreReady(screen.phrase.id, score, attempt, reference_pitch, attempt_pitch)


async def _with_result(pilot: Pilot[None]) -> None:
    screen = await reference_ready(pilot)
    await pilot.app.workers.wait_for_complete()
    screen.post_message(fixed_score(screen))
    await pilot.pause()
    await pilot.pause()


async def _settled(pilot: Pilot[None]) -> None:
    await reference_ready(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_practice_without_result(snap_compare, app: PronounceApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_settled)


def test_practice_with_result(snap_compare, app: PronounceApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=_with_result)


def test_review_without_attempts(snap_compare, app: PronounceApp) -> None:
    async def open_review(pilot: Pilot[None]) -> None:
        await reference_ready(pilot)
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_review)


def test_help(snap_compare, app: PronounceApp) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_help)


def test_author(snap_compare, app: PronounceApp) -> None:
    async def open_author(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.app.push_screen(AuthorScreen(None))
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture random
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_author)


def test_review_with_attempts(snap_compare, app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    save_attempts(data_dir, pack_dir)

    async def open_review(pilot: Pilot[None]) -> None:
        await _settled(pilot)
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_review)

"""UI fixtures: a real lesson pack (espeak-ng) and an app on a temporary data dir."""

from __future__ import annotations

import asyncio
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from tests.ui.packs import copy_pack
from tui.app import PronounceApp
from tui.config import AppConfig, config_path, save_config
from tui.practice.takes import TakeState
from tui.screens.practice import PracticeScreen
from tui.widgets.phrases import PhraseList


@pytest.fixture(scope="session")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-phrase English pack with synthesized references and exact word timings."""
    return copy_pack(tmp_path_factory.mktemp("packs") / "ui-test")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data dir whose settings turn auto-stop off, so tests decide when to stop."""
    save_config(AppConfig(auto_stop=False), config_path(tmp_path))
    return tmp_path


@pytest.fixture
def app(pack_dir: Path, data_dir: Path) -> PronounceApp:
    """The app on the test pack."""
    return PronounceApp(pack_dir, data_dir=data_dir)


async def reference_ready(pilot: Pilot[None], timeout: float = 20.0) -> PracticeScreen:
    """Wait until the practice screen has loaded the current phrase's reference."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        screen = pilot.app.screen
        if isinstance(screen, PracticeScreen) and screen.reference is not None:
            await pilot.pause()
            return screen
        await asyncio.sleep(0.05)
    raise AssertionError("the reference did not load")


def row_text(phrases: PhraseList, index: int, width: int = 60) -> str:
    """What row ``index`` of the phrase list shows, as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(phrases.get_option_at_index(index).prompt)
    return console.export_text()


def take_state(app: PronounceApp) -> TakeState | None:
    """The state of the session's current take (None before the first)."""
    take = app.session.take
    return take.state if take is not None else None


def played(app: PronounceApp) -> list[str]:
    """The targets of every sequence the app's playback queue is asked to play from now on (it still plays them).

    Polling what plays now would miss a short sound while ``pilot.press`` waits for the app to be idle.
    """
    targets: list[str] = []
    queue = app.session.playback
    play = queue.play

    def recording_play(plays: Any) -> None:
        targets.extend(item.target for item in plays)
        play(plays)

    queue.play = recording_play  # type: ignore[method-assign]
    return targets


def notes(pilot: Pilot[None]) -> list[str]:
    """The messages of the notifications shown so far."""
    return [str(n.message) for n in pilot.app._notifications]


async def until(pilot: Pilot[None], condition: object, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            notes = [n.message for n in pilot.app._notifications]
            raise AssertionError(f"condition not met in {timeout} s; notifications: {notes}; {_playback(pilot.app)}")
        await asyncio.sleep(0.05)
    await pilot.pause()


def _playback(app: object) -> str:
    session = getattr(app, "session", None)
    return f"playback: {session.playback.now()!r}, take: {session.take.state if session.take else None}" if session else ""


def save_attempts(data_dir: Path, pack_dir: Path, scores: tuple[float, ...] = (42.0, 67.0, 88.0), *, phrase_id: str = "hello",
                  text: str = "Good morning", first: datetime = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)) -> None:
    """Keep one attempt at ``phrase_id`` per score, a day apart from ``first`` (fixed dates, for stable pictures)."""
    from tui.scoring.score import Score, WordScore
    from tui.store import AttemptStore

    store = AttemptStore(data_dir)
    for day, overall in enumerate(scores):
        take = store.incoming_dir / f"take-{phrase_id}-{day}.wav"
        take.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pack_dir / "hello.wav", take)
        words = (
            WordScore(text="Good", score=overall, ref_start=0.0, ref_end=0.2, att_start=0.0, att_end=0.2),
            WordScore(text="morning", score=overall - 10, ref_start=0.2, ref_end=0.65, att_start=0.2, att_end=0.7),
        )
        score = Score(overall=overall, accuracy=overall + 2, fluency=overall - 3, intonation=overall - 8, completeness=100.0,
                      words=words, issues=("a little fast",), scorer_version="test")
        store.save_attempt(
            recording_path=take, pack_id="ui-test", pack_version="1", phrase_id=phrase_id, text=text,
            recorder="test-take", duration=2.0, score=score, created_at=first + timedelta(days=day),
            reference_audio=pack_dir / "hello.wav",
        )
    store.close()

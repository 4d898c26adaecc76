"""A recording key pressed twice while the stream opens starts one recorder, on Devices and on Author.

Opening a stream takes a moment; to press the second key inside that moment every
time, the recorder's start waits (for the second key, at most 5 s) before it
opens the real stream on the private sound server.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tests.ui.conftest import reference_ready, until
from tui.app import PronounceApp
from tui.audio import recorder
from tui.audio.soundserver import SoundServer
from tui.screens.author import AuthorScreen
from tui.screens.devices import DevicesScreen


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every recorder start waits until the returned event is set (or 5 s passed), then starts for real."""
    go = threading.Event()
    start = recorder.start

    def waiting_start(*args: Any, **kwargs: Any) -> recorder.RecorderHandle:
        go.wait(5.0)
        return start(*args, **kwargs)

    monkeypatch.setattr(recorder, "start", waiting_start)
    return go


async def press_twice(pilot: Pilot[None], key: str, go: threading.Event) -> list[str]:
    """Press ``key``, press it again while the first start waits, let the starts go; the recorders then running."""
    await pilot.press(key, key)
    go.set()
    await until(pilot, lambda: bool(recorder.active()), timeout=20)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return recorder.active()


async def test_t_twice_on_devices_starts_one_recorder(sound_server: SoundServer, app: PronounceApp, slow_start: threading.Event) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await pilot.press("d")
        screen = pilot.app.screen
        assert isinstance(screen, DevicesScreen)
        await until(pilot, lambda: screen.query_one("#inputs", OptionList).option_count >= 2)
        running = await press_twice(pilot, "t", slow_start)
        assert len(running) == 1, f"two presses started {running}"
        await pilot.press("t")
        await until(pilot, lambda: recorder.active() == [])


async def test_ctrl_r_twice_on_author_starts_one_recorder(
    sound_server: SoundServer, app: PronounceApp, tmp_path: Path, slow_start: threading.Event
) -> None:
    folder = tmp_path / "mine"
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, None))
        screen = pilot.app.screen
        screen.query_one("#folder", Input).value = str(folder)
        screen.query_one("#lang", Input).value = "en-US"
        await pilot.click("#open")
        await until(pilot, lambda: (folder / "pack.toml").exists())
        screen.query_one("#text", Input).value = "Thank you"
        running = await press_twice(pilot, "ctrl+r", slow_start)
        assert len(running) == 1, f"two presses started {running}"
        await pilot.press("escape")
        await until(pilot, lambda: recorder.active() == [])

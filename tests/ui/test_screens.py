"""Screens driven with Pilot: author a pack, review attempts, the command palette."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Input, OptionList

from tests.ui.conftest import notes, reference_ready, save_attempts, until
from tui.app import PronounceApp
from tui.audio import recorder
from tui.audio.soundserver import SoundServer
from tui.config import config_path, load_config
from tui.screens.author import AuthorScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.devices import DevicesScreen
from tui.screens.review import ReviewScreen
from tui.widgets.level import LevelMeter
from tui.widgets.plots import PitchPlot, ScoreChart
from tui.widgets.scorecard import ScoreCard


async def test_author_creates_a_pack_and_adds_a_synthesized_phrase(app: PronounceApp, tmp_path: Path) -> None:
    folder = tmp_path / "my-pack"
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.press("e")
        screen = pilot.app.screen
        assert isinstance(screen, AuthorScreen)
        screen.query_one("#folder", Input).value = str(folder)
        screen.query_one("#title", Input).value = "Mine"
        screen.query_one("#lang", Input).value = "en-US"
        await pilot.click("#open")
        await until(pilot, lambda: (folder / "pack.toml").exists())
        screen.query_one("#text", Input).value = "Thank you very much"
        await pilot.click("#tts")
        await pilot.app.workers.wait_for_complete()
        await until(pilot, lambda: screen.query_one("#pack-phrases", OptionList).option_count == 1)
        assert "Thank you very much" in (folder / "pack.toml").read_text(encoding="utf-8")
        problems = screen.query_one("#problems", OptionList)
        assert "no problems" in str(problems.get_option_at_index(0).prompt)


async def test_author_refuses_a_phrase_without_a_pack(app: PronounceApp) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, None))
        await pilot.click("#tts")
        await pilot.pause()
        assert any("Open a pack" in n.message for n in pilot.app._notifications)


async def test_review_opens_on_the_current_phrase_and_goes_back(app: PronounceApp) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.press("r")
        assert isinstance(pilot.app.screen, ReviewScreen)
        assert pilot.app.screen.query_one("#filter", Input).value == "hello"
        await pilot.app.workers.wait_for_complete()
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, ReviewScreen)


async def test_command_palette_offers_the_screen_actions(app: PronounceApp) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        titles = [command.title for command in pilot.app.get_system_commands(screen)]
        for wanted in ("Play the reference", "Play my attempt", "Previous word: hear it", "Review my attempts (and recovered takes)"):
            assert wanted in titles


async def test_devices_lists_inputs_and_tests_the_microphone(sound_server: SoundServer, app: PronounceApp, data_dir: Path) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.press("d")
        screen = pilot.app.screen
        assert isinstance(screen, DevicesScreen)
        inputs = screen.query_one("#inputs", OptionList)
        await until(pilot, lambda: inputs.option_count >= 2)
        await pilot.press("t")
        meter = screen.query_one(LevelMeter)
        await until(pilot, lambda: meter.updates >= 5)
        await pilot.press("t")
        await pilot.pause()
        assert recorder.active() == []
        inputs.focus()
        inputs.highlighted = 1
        await pilot.press("enter")
        chosen = inputs.get_option_at_index(1).id
    assert load_config(config_path(data_dir)).input_device == chosen


async def test_author_records_a_reference(pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    app = PronounceApp(pack_dir, data_dir=tmp_path / "data", input_file=pack_dir / "numbers.wav")
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, None))
        screen = pilot.app.screen
        screen.query_one("#folder", Input).value = str(folder)
        await pilot.click("#open")
        await until(pilot, lambda: any("language" in n for n in notes(pilot)))
        assert not folder.exists(), "a new pack needs a language"
        screen.query_one("#lang", Input).value = "en-US"
        await pilot.click("#open")
        await until(pilot, lambda: (folder / "pack.toml").exists())
        screen.query_one("#text", Input).value = "Seven hundred and twelve"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "REC" in str(screen.query_one("#rec-state").render()))
        await until(pilot, lambda: screen.query_one(LevelMeter).updates >= 5)
        await asyncio.sleep(2.2)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.query_one("#pack-phrases", OptionList).option_count == 1, timeout=30)
        assert not list((tmp_path / "data" / "recordings" / "incoming").glob("*.flac"))
    assert "Seven hundred and twelve" in (folder / "pack.toml").read_text(encoding="utf-8")


async def test_review_shows_attempts_their_result_and_the_chart_and_deletes(app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    save_attempts(data_dir, pack_dir)
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await pilot.press("r")
        screen = pilot.app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        card = screen.query_one(ScoreCard)
        await until(pilot, lambda: card.score is not None)
        assert card.score.overall == 88.0  # newest first
        assert len(screen.query_one(ScoreChart).points) == 3
        await pilot.press("down")
        assert card.score.overall == 67.0
        pitch = card.query_one(PitchPlot)
        await until(pilot, lambda: pitch.reference is not None and pitch.attempt is not None)  # from the stored audio
        await pilot.press("delete")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        assert table.row_count == 3, "answering no keeps the attempt"
        await pilot.press("delete", "y")
        await until(pilot, lambda: table.row_count == 2)
        screen.query_one("#filter", Input).value = "numbers"
        await until(pilot, lambda: table.row_count == 0)

"""Screens driven with Pilot: author a pack, review attempts, the command palette."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import soundfile as sf
from textual.widgets import DataTable, Input, OptionList

from tests.ui.conftest import notes, played, reference_ready, save_attempts, until
from tests.ui.packs import copy_pack
from tui import paths
from tui.app import PronounceApp
from tui.audio import recorder
from tui.audio.soundserver import SoundServer
from tui.config import config_path, load_config
from tui.packs.editing import TRIM_PAD_S
from tui.packs.loader import load_pack
from tui.screens.author import AuthorScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.devices import DevicesScreen
from tui.screens.review import ReviewScreen
from tui.store import AttemptStore
from tui.widgets.level import LevelMeter
from tui.widgets.phrases import PhraseList
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
        await until(pilot, lambda: recorder.active() == [] and not meter.display)
        inputs.focus()
        inputs.highlighted = 1
        await pilot.press("enter")
        chosen = inputs.get_option_at_index(1).id
    assert load_config(config_path(data_dir)).input_device == chosen


async def test_author_records_a_reference_with_a_meter_and_trims_the_silence(pack_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "recorded"
    speech, rate = sf.read(pack_dir / "numbers.wav", dtype="float32")
    padded = tmp_path / "padded.wav"
    sf.write(padded, np.concatenate([np.zeros(rate, np.float32), speech, np.zeros(rate, np.float32)]), rate)
    app = PronounceApp(pack_dir, data_dir=tmp_path / "data", input_file=padded)
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
        await asyncio.sleep(len(speech) / rate + 1.5)
        assert "s" in str(screen.query_one("#rec-state").render())  # the timer
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.query_one("#pack-phrases", OptionList).option_count == 1, timeout=30)
        assert not list((tmp_path / "data" / "recordings" / "incoming").glob("*.flac"))
    phrase = load_pack(folder).phrases[0]
    assert phrase.text == "Seven hundred and twelve"
    kept = sf.info(phrase.audio).duration
    assert kept < len(speech) / rate + 2 * TRIM_PAD_S + 0.2, f"{kept:.2f} s kept: the silence around the speech was not trimmed"


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


async def test_author_never_writes_into_the_bundled_lessons(app: PronounceApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, paths.DEMO_PACK))
        screen = pilot.app.screen
        assert screen.query_one("#folder", Input).value == ""
        assert "read-only" in str(screen.query_one("#note").render())
        screen.query_one("#folder", Input).value = str(paths.DEMO_PACK)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any("read-only" in n for n in notes(pilot)))


async def test_author_edits_hears_removes_and_practises_a_pack(sound_server: SoundServer, app: PronounceApp, tmp_path: Path) -> None:
    folder = copy_pack(tmp_path / "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        practice = await reference_ready(pilot)
        await pilot.app.push_screen(AuthorScreen(app.session, folder), practice._authored)
        screen = pilot.app.screen
        phrases = screen.query_one("#pack-phrases", OptionList)
        await until(pilot, lambda: phrases.option_count == 3)
        phrases.focus()
        phrases.highlighted = 1
        targets = played(app)
        await pilot.press("enter")  # hear it
        await until(pilot, lambda: targets == ["reference"], timeout=20)
        await pilot.press("f2")
        assert screen.query_one("#text", Input).value == "Seven hundred and twelve"
        screen.query_one("#translation", Input).value = "Setecientos doce (712)"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Setecientos doce (712)" in (folder / "pack.toml").read_text(encoding="utf-8"))
        phrases.focus()
        phrases.highlighted = 2
        await pilot.press("delete")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: phrases.option_count == 2)
        assert "weather" not in (folder / "pack.toml").read_text(encoding="utf-8")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: pilot.app.screen is practice)
        assert practice.query_one(PhraseList).option_count == 2 and practice.sub_title == "UI test pack"
        assert practice.pack is not None and practice.pack.phrase("numbers").translation == "Setecientos doce (712)"


async def test_review_lists_recovered_takes_scores_one_and_deletes_another(app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    incoming = data_dir / "recordings" / "incoming"
    incoming.mkdir(parents=True)
    samples, rate = sf.read(pack_dir / "hello.wav", dtype="float32")
    sf.write(incoming / "20260301T093000.000Z-amber-otter.flac", samples, rate)
    sidecar = {"pack_id": "ui-test", "pack_root": str(pack_dir), "phrase_id": "hello", "text": "Good morning, how are you today?",
               "recorder": "amber-otter"}
    (incoming / "20260301T093000.000Z-amber-otter.take.json").write_text(json.dumps(sidecar), encoding="utf-8")
    sf.write(incoming / "20260302T093000.000Z-lost-owl.flac", samples[:1600], rate)
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await pilot.press("r")
        screen = pilot.app.screen
        recovered = screen.query_one("#recovered", DataTable)
        await until(pilot, lambda: recovered.row_count == 2 and recovered.display)
        assert "(unknown phrase)" in str(recovered.get_row_at(0)) and "Good morning, how are you today?" in str(recovered.get_row_at(1))
        recovered.focus()
        await pilot.press("delete")
        await pilot.press("y")
        await until(pilot, lambda: recovered.row_count == 1)
        await pilot.press("n")
        attempts = screen.query_one("#attempts", DataTable)
        await until(pilot, lambda: attempts.row_count == 1 and not recovered.display, timeout=30)
    stored = AttemptStore(data_dir).attempts()
    assert [(a.phrase_id, a.recorder) for a in stored] == [("hello", "amber-otter")] and stored[0].score.overall >= 70
    assert not list(incoming.iterdir())


async def test_the_title_follows_the_screen(app: PronounceApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        practice = await reference_ready(pilot)
        await pilot.press("r")
        assert pilot.app.screen.sub_title == "review"
        await pilot.press("escape")
        assert pilot.app.screen is practice and practice.sub_title == "UI test pack"

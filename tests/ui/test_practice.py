"""Practise for real: the app records the private sound server while we play into it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sounddevice as sd
from textual.pilot import Pilot

from tests.ui.conftest import reference_ready, until
from tui.app import PronounceApp
from tui.audio.files import load_audio
from tui.audio.soundserver import SoundServer
from tui.screens.practice import PracticeScreen
from tui.store import AttemptStore
from tui.widgets.level import LevelMeter
from tui.widgets.phrases import PhraseList
from tui.widgets.scorecard import ScoreCard
from tui.widgets.waveform import Waveform


async def say(pilot: Pilot[None], screen: PracticeScreen, audio: Path) -> None:
    """Press space, play ``audio`` into the default output (recorded back), press space."""
    samples, samplerate = load_audio(audio)
    await pilot.press("space")
    await until(pilot, lambda: screen.state == "recording")
    await asyncio.sleep(0.3)
    sd.play(samples, samplerate)
    await asyncio.sleep(len(samples) / samplerate + 0.6)
    sd.stop()  # close sounddevice's global stream so later tests' players start clean
    await pilot.press("space")
    await until(pilot, lambda: screen.state == "idle", timeout=30)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_saying_the_phrase_scores_high_and_is_kept(sound_server: SoundServer, app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await say(pilot, screen, pack_dir / "hello.wav")
        card = screen.query_one(ScoreCard)
        assert card.score is not None, [n.message for n in pilot.app._notifications]
        assert card.score.overall >= 70
        assert screen.query_one(LevelMeter).updates >= 20
        assert "REC" not in str(screen.query_one("#rec-state").render())
        phrases = screen.query_one(PhraseList)
        await until(pilot, lambda: f"{card.score.overall:.0f}" in str(phrases.get_option("hello").prompt))
    attempts = AttemptStore(data_dir).attempts(pack="ui-test", phrase="hello")
    assert len(attempts) == 1 and attempts[0].score.overall == card.score.overall
    assert attempts[0].audio.is_file()
    assert attempts[0].reference_audio is not None and attempts[0].words, "attempt cannot be re-scored"


async def test_shadowing_plays_the_reference_while_recording(sound_server: SoundServer, pack_dir: Path, data_dir: Path) -> None:
    # The take comes from --input-file: an input and an output stream open at once on the
    # ALSA pulse plugin sometimes kill the process with SIGILL (see the UI report).
    app = PronounceApp(pack_dir, data_dir=data_dir, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await pilot.press("h")
        assert app.config.shadowing
        await pilot.press("space")
        await until(pilot, lambda: screen.state == "recording")
        assert screen._play_seq == 1, "recording with shadowing on must start the reference"
        await until(pilot, lambda: app.player.is_playing)
        assert screen.reference is not None
        await asyncio.sleep(len(screen.reference.samples) / screen.reference.samplerate + 0.6)
        await pilot.press("space")
        await until(pilot, lambda: screen.state == "idle", timeout=30)
        card = screen.query_one(ScoreCard)
        assert card.score is not None, [n.message for n in pilot.app._notifications]
        assert card.score.overall >= 70


async def test_saying_another_phrase_scores_lower(sound_server: SoundServer, app: PronounceApp, pack_dir: Path) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await say(pilot, screen, pack_dir / "hello.wav")
        card = screen.query_one(ScoreCard)
        assert card.score is not None, [n.message for n in pilot.app._notifications]
        right = card.score.overall
        await say(pilot, screen, pack_dir / "weather.wav")
        assert card.score is not None and card.score.overall != right
        # Same TTS voice, other sentence: the scorer's content gate catches only part of
        # this (measured 63-79 against 88-93 for the right phrase); see issue #7's note.
        assert card.score.overall <= right - 8, "another phrase's audio must score clearly lower"


async def test_playing_the_reference_moves_the_marker_and_a_word_replays(sound_server: SoundServer, app: PronounceApp) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        waveform = screen.query_one("#reference", Waveform)
        await pilot.press("s")
        await until(pilot, lambda: (waveform.position or 0.0) > 0.2)
        await until(pilot, lambda: waveform.position is None, timeout=15)
        await pilot.press("right", "right")
        assert waveform.selected == 1
        await pilot.press("w")
        await pilot.app.workers.wait_for_complete()
        await until(pilot, lambda: not app.player.is_playing, timeout=15)
        # The player stops at the end of what it was asked to play: the selected word.
        assert abs(app.player.position - waveform.words[1].end) < 0.1
        await pilot.press("p")
        await pilot.press("escape")
        assert waveform.position is None and screen._playing is None


async def test_input_file_stands_in_for_the_microphone_and_auto_stop_ends_it(pack_dir: Path, tmp_path: Path) -> None:
    app = PronounceApp(pack_dir, data_dir=tmp_path, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        assert app.config.auto_stop
        await pilot.press("space")
        await until(pilot, lambda: screen.state == "recording")
        await until(pilot, lambda: screen.state == "idle", timeout=30)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        card = screen.query_one(ScoreCard)
        assert card.score is not None, [n.message for n in pilot.app._notifications]
        assert card.score.overall >= 70

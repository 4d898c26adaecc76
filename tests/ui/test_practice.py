"""Practise for real: the app records the private sound server while we play into it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import sounddevice as sd
import soundfile as sf
from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui.conftest import notes, played, reference_ready, row_text, take_state, until
from tui.app import PronounceApp
from tui.audio.files import load_audio
from tui.audio.soundserver import SoundServer
from tui.practice.takes import TakeState
from tui.scoring.issues import DIFFERENT_PHRASE
from tui.screens.practice import PracticeScreen
from tui.store import AttemptStore
from tui.widgets.level import LevelMeter
from tui.widgets.phrases import PhraseList
from tui.widgets.scorecard import ScoreCard
from tui.widgets.waveform import Waveform

RIGHT_PHRASE_MIN = 60
TOP = 90
"""The pack's own reference, played back through the sound server as the take, reaches the top of the scale."""
"""The reference replayed through the sound server scores well above this (scorer whisper-ctc-5: fluency and accuracy vary
with where in the take the sound starts); another phrase scores 40 or less."""


async def start_take(pilot: Pilot[None]) -> None:
    """Press space and wait until the recorder runs."""
    await pilot.press("space")
    await until(pilot, lambda: take_state(pilot.app) is TakeState.RECORDING, timeout=20)  # type: ignore[arg-type]


async def stop_take(pilot: Pilot[None]) -> None:
    """Press space and wait until the take is scored (or rejected) and saved."""
    await pilot.press("space")
    await until(pilot, lambda: not take_state(pilot.app).busy, timeout=30)  # type: ignore[arg-type, union-attr]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def play_into_microphone(samples: np.ndarray, samplerate: int) -> None:
    """Play ``samples`` on the default output: the sound server's monitor records it."""
    await asyncio.sleep(0.3)
    sd.play(samples, samplerate)
    await asyncio.sleep(len(samples) / samplerate + 0.6)
    sd.stop()  # close sounddevice's global stream so later tests' players start clean


async def say(pilot: Pilot[None], audio: Path | tuple[np.ndarray, int]) -> None:
    """Press space, play ``audio`` into the default output (recorded back), press space."""
    samples, samplerate = load_audio(audio) if isinstance(audio, Path) else audio
    await start_take(pilot)
    await play_into_microphone(samples, samplerate)
    await stop_take(pilot)


async def test_saying_the_phrase_scores_high_and_is_kept(sound_server: SoundServer, app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await until(pilot, lambda: screen.reference is not None and screen.reference.prepared is not None, timeout=60)
        await say(pilot, pack_dir / "hello.wav")
        card = screen.query_one(ScoreCard)
        assert card.score is not None, notes(pilot)
        assert card.score.overall >= TOP, card.score  # the pack's own reference, through the sound server
        assert card.score.completeness == 100, card.score
        take = app.session.take
        assert take is not None and take.live is not None and take.live.scored, "scored from the microphone's blocks"
        assert screen.query_one(LevelMeter).updates >= 20
        assert "REC" not in str(screen.query_one("#rec-state").render())
        phrases = screen.query_one(PhraseList)
        hello = phrases.index_of("hello")
        assert hello is not None
        await until(pilot, lambda: f"{card.score.overall:.0f}" in row_text(phrases, hello))
    attempts = AttemptStore(data_dir).attempts(pack="ui-test", phrase="hello")
    assert len(attempts) == 1 and attempts[0].score.overall == card.score.overall
    assert attempts[0].audio.is_file()
    assert attempts[0].reference_audio is not None and attempts[0].words, "attempt cannot be re-scored"


async def test_changing_phrase_while_recording_is_refused_and_the_take_stays_with_its_phrase(
    sound_server: SoundServer, app: PronounceApp, pack_dir: Path, data_dir: Path
) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await start_take(pilot)
        await pilot.press("j")
        await pilot.click(PhraseList, offset=(5, 4))  # the mouse on "numbers" is refused too
        assert screen.phrase is not None and screen.phrase.id == "hello"
        assert any("press space to stop it first" in note for note in notes(pilot))
        await play_into_microphone(*load_audio(pack_dir / "hello.wav"))
        await stop_take(pilot)
        assert screen.query_one(ScoreCard).score is not None, notes(pilot)
        await pilot.press("j")
        assert screen.phrase is not None and screen.phrase.id == "numbers", "after the take, j moves on"
    store = AttemptStore(data_dir)
    assert [a.phrase_id for a in store.attempts()] == ["hello"]
    assert store.attempts()[0].score.overall >= RIGHT_PHRASE_MIN


async def test_recording_stops_the_reference_so_it_is_not_recorded(sound_server: SoundServer, app: PronounceApp, data_dir: Path) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await pilot.press("S")  # half speed: still playing when the next key arrives, however busy the machine
        await until(pilot, lambda: app.session.playback.now() is not None and app.session.playback.now().position is not None, timeout=30)  # type: ignore[union-attr]
        await start_take(pilot)
        assert app.session.playback.now() is None and not app.session.player.is_playing
        await asyncio.sleep(2.0)  # nobody speaks
        await stop_take(pilot)
        card = screen.query_one(ScoreCard)
        assert card.score is None and card.has_class("-rejected")
        assert "no speech heard" in str(card.query_one("#hint").render())
    assert AttemptStore(data_dir).attempts() == [], "a take with nobody speaking is not kept"


async def test_shadowing_plays_the_reference_while_recording(sound_server: SoundServer, pack_dir: Path, data_dir: Path) -> None:
    # The take comes from --input-file: an input and an output stream open at once on the
    # ALSA pulse plugin sometimes kill the process with SIGILL (see the UI report).
    app = PronounceApp(pack_dir, data_dir=data_dir, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await pilot.press("h")
        assert app.session.config.shadowing
        targets = played(app)
        await start_take(pilot)
        await until(pilot, lambda: targets == ["reference"], timeout=30)  # recording with shadowing on starts the reference
        assert screen.reference is not None
        await asyncio.sleep(screen.reference.duration + 0.6)
        await stop_take(pilot)
        card = screen.query_one(ScoreCard)
        assert card.score is not None, notes(pilot)
        assert card.score.overall >= RIGHT_PHRASE_MIN


async def test_saying_another_phrase_scores_low_and_the_card_says_so(
    sound_server: SoundServer, app: PronounceApp, pack_dir: Path
) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await say(pilot, pack_dir / "hello.wav")
        card = screen.query_one(ScoreCard)
        assert card.score is not None, notes(pilot)
        assert card.score.overall >= RIGHT_PHRASE_MIN and DIFFERENT_PHRASE not in " ".join(card.score.issues)
        await say(pilot, pack_dir / "weather.wav")  # the pack's other phrase, through the microphone
        assert card.score is not None and card.score.overall <= 40, card.score.issues
        assert DIFFERENT_PHRASE in str(card.query_one("#findings", Static).render())


async def test_a_take_too_short_to_score_clears_the_old_result_and_is_not_kept(
    sound_server: SoundServer, app: PronounceApp, pack_dir: Path, data_dir: Path
) -> None:
    samples, samplerate = load_audio(pack_dir / "hello.wav")
    loud = np.flatnonzero(np.abs(samples) > 0.05)
    blip = samples[loud[0] : loud[0] + int(0.1 * samplerate)]
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await say(pilot, pack_dir / "hello.wav")
        card = screen.query_one(ScoreCard)
        assert card.score is not None, notes(pilot)
        await say(pilot, (blip, samplerate))
        assert card.score is None, "the previous result must not stay on screen"
        assert card.has_class("-rejected") and "Not scored" in str(card.query_one("#hint").render())
        targets = played(app)
        await pilot.press("a")  # what was heard can still be played
        await until(pilot, lambda: targets == ["attempt"])
    assert len(AttemptStore(data_dir).attempts()) == 1, "only the scored take is kept"
    assert not list((data_dir / "recordings" / "incoming").glob("*.flac")), "a rejected take leaves no file behind"


async def test_the_latest_attempt_shows_after_a_restart(sound_server: SoundServer, pack_dir: Path, data_dir: Path) -> None:
    app = PronounceApp(pack_dir, data_dir=data_dir)
    async with app.run_test(size=(120, 45)) as pilot:
        await reference_ready(pilot)
        await say(pilot, pack_dir / "hello.wav")
        first = app.screen.query_one(ScoreCard).score
        assert first is not None, notes(pilot)
    again = PronounceApp(pack_dir, data_dir=data_dir)
    async with again.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        card = screen.query_one(ScoreCard)
        await until(pilot, lambda: card.score is not None)
        assert card.score == first and card.border_title.startswith("latest attempt")
        assert screen.query_one("#attempt", Waveform).duration > 1.0
        targets = played(again)
        await pilot.press("a")
        await until(pilot, lambda: targets == ["attempt"])


async def test_playing_the_reference_moves_the_marker_and_arrows_replay_a_word(sound_server: SoundServer, app: PronounceApp) -> None:
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        waveform = screen.query_one("#reference", Waveform)
        await pilot.press("S")  # half speed: long enough to watch the marker move on a busy machine
        await until(pilot, lambda: (waveform.position or 0.0) > 0.2, timeout=30)
        await until(pilot, lambda: waveform.position is None, timeout=30)
        await pilot.press("right", "right")
        assert waveform.selected == 1
        await until(pilot, lambda: app.session.playback.now() is None and not app.session.player.is_playing, timeout=15)
        # The player stops at the end of what it was asked to play: the selected word.
        assert abs(app.session.player.position - waveform.words[1].end) < 0.1
        await pilot.press("p")
        await pilot.press("escape")
        assert waveform.position is None and app.session.playback.now() is None


async def test_input_file_stands_in_for_the_microphone_and_auto_stop_ends_it(pack_dir: Path, tmp_path: Path) -> None:
    app = PronounceApp(pack_dir, data_dir=tmp_path, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        assert app.session.config.auto_stop
        await start_take(pilot)
        await until(pilot, lambda: take_state(app) is TakeState.SAVED, timeout=30)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        card = screen.query_one(ScoreCard)
        assert card.score is not None, notes(pilot)
        assert card.score.overall >= 70


async def test_a_silent_file_take_is_rejected_like_a_silent_microphone(pack_dir: Path, tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(16000 * 2, dtype=np.float32), 16000)
    app = PronounceApp(pack_dir, data_dir=tmp_path / "data", input_file=silence)
    async with app.run_test(size=(120, 45)) as pilot:
        screen = await reference_ready(pilot)
        await start_take(pilot)
        await asyncio.sleep(1.0)
        await stop_take(pilot)
        assert isinstance(screen, PracticeScreen) and screen.query_one(ScoreCard).has_class("-rejected")
        assert take_state(app) is TakeState.REJECTED
    assert AttemptStore(tmp_path / "data").attempts() == []

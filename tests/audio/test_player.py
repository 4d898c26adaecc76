"""Player into the null sink, recorded back: whole file, a range, slow at the same pitch, stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.audio.conftest import Events, active_seconds, dominant_hz, write_tone
from tui.audio import recorder
from tui.audio.player import Player, prepare
from tui.audio.soundserver import SoundServer
from tui.errors import AudioError, AudioFormatError

RATE = 48000


def _play_and_record(events: Events, directory: Path, play: Callable[[], None]) -> np.ndarray:
    handle = recorder.start(samplerate=RATE, directory=directory)
    events.wait_for_audio(handle.name)
    play()
    time.sleep(0.3)
    return recorder.stop(handle.name).samples


def test_file_is_played_whole_with_position_and_completion(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    write_tone(tmp_path / "tone.wav", 1.0)
    player, done = Player(), threading.Event()
    positions: list[float] = []

    def play() -> None:
        player.play(tmp_path / "tone.wav", on_done=done.set)
        while player.is_playing:
            positions.append(player.position)
            time.sleep(0.05)

    recorded = _play_and_record(events, tmp_path / "rec", play)
    assert done.wait(2) and not player.is_playing
    assert player.position == pytest.approx(1.0, abs=0.03)
    assert positions == sorted(positions) and 0 <= positions[0] < 0.5
    assert active_seconds(recorded, RATE, 0.1) == pytest.approx(1.0, abs=0.05)
    assert dominant_hz(recorded, RATE) == pytest.approx(440, abs=2)


def test_a_range_plays_only_that_part(sound_server: SoundServer, events: Events, tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", 2.0)
    player = Player()

    def play() -> None:
        player.play(tone, RATE, start=0.5, end=0.9)
        assert player.wait(5)

    recorded = _play_and_record(events, tmp_path / "rec", play)
    assert active_seconds(recorded, RATE, 0.1) == pytest.approx(0.4, abs=0.03)
    assert player.position == pytest.approx(0.9, abs=0.03)


def test_half_speed_lasts_twice_as_long_at_the_same_pitch(
    sound_server: SoundServer, events: Events, tmp_path: Path
) -> None:
    tone = write_tone(tmp_path / "tone.wav", 0.8)
    player = Player()

    def play() -> None:
        player.play(tone, RATE, speed=0.5)
        assert player.wait(5)

    recorded = _play_and_record(events, tmp_path / "rec", play)
    assert active_seconds(recorded, RATE, 0.1) == pytest.approx(1.6, abs=0.08)
    assert dominant_hz(recorded, RATE) == pytest.approx(440, abs=2)
    assert player.position == pytest.approx(0.8, abs=0.03)


def test_stop_ends_playback_early_and_still_calls_on_done(sound_server: SoundServer, tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", 3.0)
    player, done = Player(), threading.Event()
    player.play(tone, RATE, on_done=done.set)
    time.sleep(0.3)
    assert player.is_playing
    player.stop()
    assert done.wait(2) and not player.is_playing
    assert 0.1 < player.position < 1.5
    player.stop()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"speed": 0.4}, "speed 0.4 is out of range"),
        ({"speed": 1.5}, "speed 1.5 is out of range"),
        ({"start": 0.8, "end": 0.2}, "cannot play 0.80–0.20 s"),
        ({"start": 5.0}, "cannot play 5.00–1.00 s of 1.00 s"),
        ({"start": -1.0}, "cannot play -1.00"),
    ],
)
def test_bad_speed_or_range_is_an_audio_error(options: dict[str, float], message: str) -> None:
    with pytest.raises(AudioError, match=message):
        prepare(np.zeros(RATE, np.float32), RATE, **options)


def test_array_without_rate_and_unreadable_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="needs its sample rate"):
        Player().play(np.zeros(100, np.float32))
    (tmp_path / "bad.wav").write_bytes(b"nope")
    with pytest.raises(AudioFormatError, match="cannot read audio file"):
        Player().play(tmp_path / "bad.wav")

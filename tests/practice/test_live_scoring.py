"""The app's scoring path: pack cohort, a take scored live from the recorder's blocks, content check, rescore.

Takes come from an input file fed in real time through the recorder (the same
machinery as a microphone), or from the private sound server's microphone.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import sounddevice as sd
import soundfile as sf
from click.testing import CliRunner

from tests.ui.packs import copy_pack
from tui.audio.files import load_audio
from tui.audio.soundserver import SoundServer
from tui.cli import cli
from tui.paths import LESSONS_DIR
from tui.practice.session import Session
from tui.practice.takes import Take, TakeState
from tui.scoring import SCORER_VERSION, compare
from tui.scoring.issues import DIFFERENT_PHRASE
from tui.speech.tts import synthesize


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_pack(tmp_path_factory.mktemp("live") / "ui-test")


def spoken(folder: Path, text: str, *, lang: str, voice: str) -> Path:
    """``text`` said by another espeak-ng voice than the references', as a learner's take file."""
    speech = synthesize(text, lang=lang, voice=voice, rate=150)
    path = folder / f"{'-'.join(text.lower().split())[:40]}.wav"
    sf.write(path, speech.samples, speech.samplerate)
    return path


def take_of(data_dir: Path, pack: Path, phrase_id: str, said: Path) -> tuple[Session, Take]:
    """Record ``said`` (from the file, in real time) as a take of ``phrase_id``, stopped when the file ends."""
    session = Session(data_dir, input_file=said)
    session.open_pack(pack)
    session.update_config(auto_stop=False)
    assert session.pack is not None
    phrase = session.pack.phrase(phrase_id)
    session.prepare_reference(phrase)
    take = session.new_take(phrase)
    session.start_take(take)
    time.sleep(sf.info(said).duration + 0.5)
    session.stop_and_score(take)
    return session, take


def test_a_take_scored_live_equals_review_rescore_byte_for_byte(pack_dir: Path, tmp_path: Path) -> None:
    said = spoken(tmp_path, "Good morning, how are you today?", lang="en-us", voice="en-gb")
    session, take = take_of(tmp_path / "data", pack_dir, "hello", said)
    assert take.state is TakeState.SCORED and take.result is not None and take.result.score is not None
    assert take.live is not None and take.live.scored, "the take was scored from the recorder's blocks"
    live = take.result.score
    assert live.evidence == "Whisper and phone evidence (English)" and live.overall >= 60
    attempt = session.save(take)
    assert attempt.lang == "en-US"
    session.close()

    db = tmp_path / "data" / "attempts.sqlite3"
    with sqlite3.connect(db) as conn:  # pretend an older scorer wrote it, so the CLI scores it again
        conn.execute("UPDATE attempts SET score_json = ?, scorer_version = 'retired-0' WHERE id = ?",
                     (live.to_json().replace(SCORER_VERSION, "retired-0"), attempt.id))
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "review", "--rescore"])
    assert result.exit_code == 0, result.output
    assert "Re-scored 1 of 1 attempts." in result.stderr
    with sqlite3.connect(db) as conn:
        [(again,)] = conn.execute("SELECT score_json FROM attempts WHERE id = ?", (attempt.id,)).fetchall()
    assert again == live.to_json(), "the app (live, pack cohort) and the CLI (file, pack cohort) agree to the byte"


def test_a_microphone_take_is_scored_live_and_equals_its_file_scored(sound_server: SoundServer, pack_dir: Path, tmp_path: Path) -> None:
    """Every block reaches the scorer, the first (before the recorder's name is known) and the last (queued at stop)."""
    session = Session(tmp_path / "data")
    session.open_pack(pack_dir)
    assert session.pack is not None
    phrase = session.pack.phrase("hello")
    reference = session.prepare_reference(phrase)
    samples, rate = load_audio(pack_dir / "hello.wav")
    take = session.new_take(phrase)
    session.start_take(take)
    time.sleep(0.3)
    sd.play(samples, rate, blocking=True)
    time.sleep(0.3)
    result = session.stop_and_score(take)
    session.close()
    assert take.live is not None and take.live.scored, "the live scorer saw every block"
    assert take.recording is not None and take.live.frames == take.recording.samples.shape[0]
    assert result.score is not None and result.score.overall >= 60  # 65-88 measured; see tests/ui/test_practice.py
    assert result.score.to_json() == compare(reference.prepared, take.recording.path).to_json()


@pytest.mark.parametrize(
    ("pack", "phrase_id", "other", "lang", "voice"),
    [
        ("ui-test", "hello", "The cat sat on the mat and looked at the dog.", "en-us", "en-gb"),
        ("ui-test", "hello", "It is raining in the mountains", "en-us", "en-gb"),  # another phrase of the pack
        ("es-basics", "buenos-dias", "¿Dónde está la estación de tren?", "es", "es-419"),
    ],
    ids=["english-other-sentence", "english-other-phrase-of-the-pack", "spanish-other-sentence"],
)
def test_saying_something_else_scores_low_and_says_so(
    pack_dir: Path, tmp_path: Path, pack: str, phrase_id: str, other: str, lang: str, voice: str
) -> None:
    folder = pack_dir if pack == "ui-test" else shutil.copytree(LESSONS_DIR / pack, tmp_path / pack)
    session, take = take_of(tmp_path / "data", folder, phrase_id, spoken(tmp_path, other, lang=lang, voice=voice))
    session.close()
    assert take.result is not None and take.result.score is not None
    assert take.result.score.overall <= 40, take.result.score.issues
    assert DIFFERENT_PHRASE in " ".join(take.result.score.issues)


def test_the_right_spanish_phrase_in_another_voice_scores_well(tmp_path: Path) -> None:
    folder = shutil.copytree(LESSONS_DIR / "es-basics", tmp_path / "es-basics")
    said = spoken(tmp_path, "Buenos días.", lang="es", voice="es-419")
    session, take = take_of(tmp_path / "data", folder, "buenos-dias", said)
    session.close()
    assert take.result is not None and take.result.score is not None
    assert take.result.score.overall >= 60 and DIFFERENT_PHRASE not in " ".join(take.result.score.issues)
    assert take.result.score.evidence == "template match"

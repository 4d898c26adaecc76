"""`pack add --audio` and `--record`: human references get word timings aligned to their audio."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from tui.cli import cli
from tui.errors import AudioFormatError
from tui.packs.authoring import add_audio_phrase, new_pack
from tui.packs.csv_import import import_csv
from tui.packs.loader import load_pack, validate_pack
from tui.speech.tts import synthesize

TEXT = "Good afternoon, my friend"


@pytest.fixture(scope="module")
def slow_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    """A 44.1 kHz stereo WAV of TEXT spoken slowly, with its true word timings."""
    speech = synthesize(TEXT, rate=120)
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    padded = np.concatenate([np.zeros(int(0.4 * speech.samplerate), np.float32), speech.samples])
    stereo = np.repeat(np.interp(np.arange(0, len(padded), 0.5), np.arange(len(padded)), padded)[:, None], 2, axis=1)
    sf.write(path, stereo.astype(np.float32), speech.samplerate * 2)
    return path, tuple((w.text, w.start + 0.4, w.end + 0.4) for w in speech.words)


def test_audio_is_converted_and_its_words_are_timed(tmp_path: Path, slow_reference: tuple[Path, tuple]) -> None:
    path, truth = slow_reference
    new_pack(tmp_path / "p", lang="en-US", title="t")
    phrase = add_audio_phrase(tmp_path / "p", TEXT, path, translation="Buenas tardes, amigo")
    info = sf.info(str(phrase.audio))
    assert (info.format, info.channels, info.samplerate) == ("FLAC", 1, 22050)
    assert [w.text for w in phrase.words] == [t[0] for t in truth]
    for word, (_, start, end) in zip(phrase.words, truth, strict=True):
        assert abs(word.start - start) < 0.12 and abs(word.end - end) < 0.12, (word, start, end)
    assert validate_pack(tmp_path / "p") == []


def test_add_audio_from_the_command_line(tmp_path: Path, slow_reference: tuple[Path, tuple]) -> None:
    folder = tmp_path / "p"
    new_pack(folder, lang="en-US", title="t")
    result = CliRunner().invoke(cli, ["pack", "add", str(folder), TEXT, "--audio", str(slow_reference[0])])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Added 'good-afternoon-my-friend' (4 words timed) to {folder}\n"


def test_unreadable_audio_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    new_pack(tmp_path / "p", lang="en-US", title="t")
    before = (tmp_path / "p/pack.toml").read_bytes()
    (tmp_path / "noise.wav").write_bytes(b"RIFF but not really a wave file")
    with pytest.raises(AudioFormatError):
        add_audio_phrase(tmp_path / "p", "hello", tmp_path / "noise.wav")
    assert (tmp_path / "p/pack.toml").read_bytes() == before and list((tmp_path / "p/audio").iterdir()) == []


def test_record_until_enter_from_the_command_line(tmp_path: Path, slow_reference: tuple[Path, tuple]) -> None:
    folder = tmp_path / "p"
    new_pack(folder, lang="en-US", title="t")
    command = [sys.executable, "-m", "tui", "--data-dir", str(tmp_path / "data"), "--input-file", str(slow_reference[0]),
               "pack", "add", str(folder), TEXT, "--record"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(sf.info(str(slow_reference[0])).duration + 0.8)  # the file plays in real time
    out, err = process.communicate("\n", timeout=60)
    assert process.returncode == 0, err
    assert "Recording — say: Good afternoon, my friend" in out and "Added 'good-afternoon-my-friend'" in out
    phrase = load_pack(folder).phrases[0]
    assert [w.text for w in phrase.words] == ["Good", "afternoon", "my", "friend"]
    assert sf.info(str(phrase.audio)).duration > 2.0


def test_csv_rows_with_audio_use_it_and_the_others_get_tts(tmp_path: Path, slow_reference: tuple[Path, tuple]) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips/friend.wav").write_bytes(slow_reference[0].read_bytes())
    csv_file = tmp_path / "mixed.csv"
    csv_file.write_text(f"audio,text\nclips/friend.wav,\"{TEXT}\"\n,Thank you\n", encoding="utf-8")
    pack = load_pack(import_csv(csv_file))
    recorded, synthesized = pack.phrases
    assert sf.info(str(recorded.audio)).duration > 2.5 > sf.info(str(synthesized.audio)).duration
    assert [w.text for w in recorded.words] == ["Good", "afternoon", "my", "friend"]
    assert [w.text for w in synthesized.words] == ["Thank", "you"]

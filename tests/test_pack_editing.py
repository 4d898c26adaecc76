"""Editing phrases already in a pack (the author screen's edit and remove) and trimming recorded references."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.ui.packs import copy_pack
from tui.errors import PackError
from tui.packs.editing import TRIM_PAD_S, remove_phrase, trim_silence, update_phrase
from tui.packs.loader import load_pack


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    folder = copy_pack(tmp_path / "ui-test")
    source = (folder / "pack.toml").read_text(encoding="utf-8")
    (folder / "pack.toml").write_text("# my comments stay\n" + source.replace("[[phrase]]", "# a phrase\n[[phrase]]", 1), encoding="utf-8")
    return folder


def test_removing_a_phrase_keeps_the_others_and_the_comments(pack_dir: Path) -> None:
    before = load_pack(pack_dir)
    remove_phrase(pack_dir, "numbers")
    after = load_pack(pack_dir)
    assert [p.id for p in after.phrases] == ["hello", "weather"]
    assert after.phrases[0] == before.phrases[0] and after.phrases[1] == before.phrases[2]
    assert (pack_dir / "pack.toml").read_text(encoding="utf-8").startswith("# my comments stay\n")


def test_removing_deletes_the_reference_only_inside_the_audio_folder(pack_dir: Path) -> None:
    (pack_dir / "audio").mkdir()
    (pack_dir / "numbers.wav").rename(pack_dir / "audio" / "numbers.wav")
    toml = pack_dir / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('audio = "numbers.wav"', 'audio = "audio/numbers.wav"'), encoding="utf-8")
    remove_phrase(pack_dir, "numbers")
    assert not (pack_dir / "audio" / "numbers.wav").exists()
    remove_phrase(pack_dir, "weather")
    assert (pack_dir / "weather.wav").exists(), "a reference outside audio/ is never deleted"


def test_editing_the_translation_keeps_the_words_and_a_new_text_gets_new_ones(pack_dir: Path) -> None:
    phrase = load_pack(pack_dir).phrase("numbers")
    edited = update_phrase(pack_dir, phrase, text=phrase.text, translation="Setecientos doce (712)")
    assert edited.translation == "Setecientos doce (712)" and edited.words == phrase.words
    renamed = update_phrase(pack_dir, edited, text="Seven hundred twelve", translation=edited.translation)
    assert renamed.text == "Seven hundred twelve" and [w.text for w in renamed.words] == ["Seven", "hundred", "twelve"]
    others = tomllib.loads((pack_dir / "pack.toml").read_text(encoding="utf-8"))["phrase"]
    assert [p["id"] for p in others] == ["hello", "numbers", "weather"]


def test_an_empty_text_or_unknown_phrase_is_refused(pack_dir: Path) -> None:
    phrase = load_pack(pack_dir).phrase("hello")
    with pytest.raises(PackError, match="empty"):
        update_phrase(pack_dir, phrase, text="  ", translation="")
    with pytest.raises(PackError, match="no phrase"):
        remove_phrase(pack_dir, "nope")


def test_trimming_keeps_the_sound_and_a_little_silence_around_it() -> None:
    rate = 16000
    sound = (0.3 * np.sin(np.arange(rate) * 2 * np.pi * 200 / rate)).astype(np.float32)
    padded = np.concatenate([np.zeros(2 * rate, np.float32), sound, np.zeros(rate, np.float32)])
    trimmed = trim_silence(padded, rate)
    assert trimmed.size == pytest.approx(sound.size + 2 * TRIM_PAD_S * rate, abs=0.03 * rate)
    silence = np.zeros(rate, np.float32)
    assert trim_silence(silence, rate).size == rate, "nothing but silence: nothing is cut"

"""Authoring: new packs, phrases from TTS or samples, atomic writes, TOML round-trips."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.packs.conftest import SR, tone
from tui.errors import PackError
from tui.packs.authoring import (
    add_phrase,
    add_tts_phrase,
    new_pack,
    pack_header,
    phrase_table,
    slugify,
)
from tui.packs.loader import load_pack, validate_pack
from tui.speech.types import WordTiming


def test_new_pack_is_valid_and_empty(tmp_path: Path) -> None:
    pack = new_pack(tmp_path / "My Spanish", lang="es-ES", title="Mi pack")
    assert (pack.id, pack.title, pack.language, pack.phrases) == ("my-spanish", "Mi pack", "es-ES", ())
    assert (tmp_path / "My Spanish/audio").is_dir()
    assert [p.severity for p in validate_pack(tmp_path / "My Spanish")] == ["warning"]


def test_new_pack_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(PackError, match="already exists and is not empty"):
        new_pack(tmp_path, lang="en-US", title="x")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_new_pack_with_a_bad_language_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="not a BCP 47 language tag"):
        new_pack(tmp_path / "p", lang="Spanish please", title="x")
    assert not (tmp_path / "p").exists()


def test_tts_phrase_uses_the_pack_language_and_times_each_word(tmp_path: Path) -> None:
    root = tmp_path / "fr"
    new_pack(root, lang="fr-FR", title="Essai")
    phrase = add_tts_phrase(root, "Merci beaucoup !", translation="Thank you very much")
    assert phrase.id == "merci-beaucoup" and phrase.translation == "Thank you very much"
    assert [w.text for w in phrase.words] == ["Merci", "beaucoup"]
    info = sf.info(str(phrase.audio))
    assert (info.format, info.channels, info.samplerate) == ("FLAC", 1, 22050)
    assert phrase.words[-1].end <= info.duration
    assert validate_pack(root) == []


def test_phrase_ids_stay_unique_and_comments_survive(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, lang="en-US", title="t")
    toml = root / "pack.toml"
    toml.write_text("# my favourite pack\n" + toml.read_text())
    first = add_phrase(root, "Hello!", tone(0.5), SR)
    second = add_phrase(root, "hello", tone(0.5), SR, words=[WordTiming("hello", 0.05, 0.45)])
    assert (first.id, second.id) == ("hello", "hello-2")
    assert toml.read_text().startswith("# my favourite pack\n")
    assert load_pack(root).phrase("hello-2").words == (WordTiming("hello", 0.05, 0.45),)


def test_faster_audio_is_stored_at_22050_hz(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, lang="en-US", title="t")
    t = np.arange(48000) / 48000
    phrase = add_phrase(root, "a tone", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 48000)
    samples, rate = sf.read(phrase.audio)
    assert rate == 22050 and abs(len(samples) / rate - 1.0) < 0.01


def test_invalid_samples_change_nothing(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, lang="en-US", title="t")
    before = (root / "pack.toml").read_bytes()
    bad = tone(0.5)
    bad[10] = np.nan
    with pytest.raises(PackError, match="empty or invalid"):
        add_phrase(root, "broken", bad, SR)
    assert (root / "pack.toml").read_bytes() == before
    assert list((root / "audio").iterdir()) == []


def test_empty_text_is_refused(tmp_path: Path) -> None:
    new_pack(tmp_path / "p", lang="en-US", title="t")
    with pytest.raises(PackError, match="the phrase text is empty"):
        add_phrase(tmp_path / "p", "   ", tone(0.5), SR)


def test_adding_to_a_folder_without_pack_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="has no pack.toml"):
        add_phrase(tmp_path, "hello", tone(0.5), SR)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("¿Dónde está el baño?", "donde-esta-el-bano"), ("Je m'appelle Marie", "je-m-appelle-marie"), ("!!!", "")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=_text, text=_text, translation=_text, tags=st.lists(_text, max_size=3),
       words=st.lists(st.tuples(_text, st.floats(0, 10), st.floats(0, 10)), max_size=3))
def test_written_toml_reads_back_the_same(title: str, text: str, translation: str, tags: list[str],
                                         words: list[tuple[str, float, float]]) -> None:
    timings = [WordTiming(w, round(a, 3), round(b, 3)) for w, a, b in words]
    source = pack_header(pack_id="x", title=title, language="en-US") + "\n" + phrase_table(
        "p", text, "audio/p.flac", translation=translation, tags=tags, words=timings
    )
    data = tomllib.loads(source)
    assert data["pack"]["title"] == title
    phrase = data["phrase"][0]
    assert phrase["text"] == text and phrase.get("translation", "") == translation and phrase.get("tags", []) == tags
    assert [(w["text"], w["start"], w["end"]) for w in phrase.get("words", [])] == [(t.text, t.start, t.end) for t in timings]

"""Exporting a pack as an Anki deck: Anki's schema, Anki itself importing it, and round trips back to the same pack."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

from tests.packs.anki_decks import anki_export, anki_import, entries
from tests.packs.conftest import WritePack
from tui.cli import cli
from tui.errors import PackError
from tui.packs.anki.exporter import export_apkg
from tui.packs.anki.importer import import_apkg
from tui.packs.authoring import add_tts_phrase, new_pack
from tui.packs.loader import load_pack
from tui.packs.model import Pack

SCHEMA_11 = {
    "col": ["id", "crt", "mod", "scm", "ver", "dty", "usn", "ls", "conf", "models", "decks", "dconf", "tags"],
    "notes": ["id", "guid", "mid", "mod", "usn", "tags", "flds", "sfld", "csum", "flags", "data"],
    "cards": ["id", "nid", "did", "ord", "mod", "usn", "type", "queue", "due", "ivl", "factor", "reps", "lapses", "left",
              "odue", "odid", "flags", "data"],
    "revlog": ["id", "cid", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type"],
    "graves": ["usn", "oid", "type"],
}
"""Tables and columns of Anki's collection schema 11 (rslib/src/storage/schema11.sql), which .anki2 files use."""


def _samples(path: Path) -> list[float]:
    return sf.read(path, dtype="int16")[0].tolist()


def _assert_same_pack(before: Pack, after: Pack) -> None:
    assert (after.id, after.title, after.language) == (before.id, before.title, before.language)
    assert [(p.id, p.text, p.translation, p.notes, p.tags) for p in after.phrases] == \
        [(p.id, p.text, p.translation, p.notes, tuple("_".join(t.split()) for t in p.tags)) for p in before.phrases]
    for a, b in zip(before.phrases, after.phrases, strict=True):
        assert _samples(a.audio) == _samples(b.audio) and sf.info(a.audio).samplerate == sf.info(b.audio).samplerate


@pytest.fixture
def pack_and_deck(tmp_path: Path) -> tuple[Path, Path]:
    """A pack as `pack add` makes it (espeak-ng references, ids from the text) and its deck."""
    root = tmp_path / "pack"
    new_pack(root, lang="en-US", title="Test pack", pack_id="test-pack")
    add_tts_phrase(root, "Tom & <Jerry> say hi")
    add_tts_phrase(root, "goodbye", translation="adiós", notes="Stress BYE.\nKeep it short.", tags=["farewell", "two words"])
    return root, export_apkg(root, tmp_path / "decks" / "test")


def test_export_then_import_gives_the_same_pack(pack_and_deck: tuple[Path, Path], tmp_path: Path) -> None:
    root, deck = pack_and_deck
    assert deck == tmp_path / "decks/test.apkg"
    report = import_apkg(deck, tmp_path / "back")  # the note type carries the language and id: no --lang
    assert report.with_audio == 2 and report.problems == []
    _assert_same_pack(load_pack(root), load_pack(tmp_path / "back"))


def test_the_collection_has_anki_schema_11_and_one_note_and_card_per_phrase(pack_and_deck: tuple[Path, Path]) -> None:
    _, deck = pack_and_deck
    files = entries(deck)
    assert set(files) == {"collection.anki2", "media", "0", "1"}
    with sqlite3.connect(":memory:") as db:
        db.deserialize(files["collection.anki2"])
        for table, columns in SCHEMA_11.items():
            assert [row[1] for row in db.execute(f"PRAGMA table_info({table})")] == columns
        [(version,)] = db.execute("SELECT ver FROM col").fetchall()
        notes = [(fields, tags.split()) for fields, tags in db.execute("SELECT flds, tags FROM notes ORDER BY id")]
        assert version == 11 and db.execute("SELECT count(*) FROM cards").fetchone() == (2,)
    assert notes[0] == ("Tom &amp; &lt;Jerry&gt; say hi\x1f\x1f\x1f[sound:test-pack-tom-jerry-say-hi.flac]", [])
    assert notes[1] == ("goodbye\x1fadiós\x1fStress BYE.<br>Keep it short.\x1f[sound:test-pack-goodbye.flac]",
                        ["farewell", "two_words"])
    assert sf.info(io.BytesIO(files["0"])).format == "FLAC"


def test_anki_imports_the_deck_and_its_export_comes_back_as_the_same_pack(pack_and_deck: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    root, deck = pack_and_deck
    col = anki_import(deck, tmp_path / "anki/collection.anki2")
    try:
        [first, second] = [col.get_note(nid) for nid in sorted(col.find_notes(""))]
        assert first.note_type()["name"] == "pronounce phrase (en-US, test-pack)"
        assert dict(second.items()) == {"Text": "goodbye", "Translation": "adiós", "Notes": "Stress BYE.<br>Keep it short.",
                                        "Audio": "[sound:test-pack-goodbye.flac]"}
        assert col.card_count() == 2 and col.media.check().missing == []
        assert "Tom &amp; &lt;Jerry&gt; say hi" in col.get_card(col.find_cards("")[0]).question()
        again = anki_export(col, tmp_path / "from-anki.apkg")  # Anki's current format: zstd collection and media
    finally:
        col.close()
    assert {"collection.anki21b", "meta"} <= set(entries(again))
    import_apkg(again, tmp_path / "back")
    _assert_same_pack(load_pack(root), load_pack(tmp_path / "back"))


def test_export_refuses_a_deck_inside_the_pack_and_an_invalid_pack(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    with pytest.raises(PackError, match="is inside the pack"):
        export_apkg(root, root / "audio/deck.apkg")
    (root / "audio/bye.flac").unlink()
    with pytest.raises(PackError, match="has errors and was not exported"):
        export_apkg(root, tmp_path / "deck.apkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]


def test_export_from_the_command_line(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    result = CliRunner().invoke(cli, ["pack", "export", str(root), "--anki", str(tmp_path / "deck.apkg")])
    assert result.exit_code == 0 and result.stdout == f"Exported {root} to the Anki deck {tmp_path / 'deck.apkg'}\n"
    assert zipfile.is_zipfile(tmp_path / "deck.apkg")
    for args in ([], [str(tmp_path / "x.zip"), "--anki", str(tmp_path / "x.apkg")]):
        result = CliRunner().invoke(cli, ["pack", "export", str(root), *args])
        assert result.exit_code == 2 and "give one of OUT (a .zip) and --anki DECK.apkg" in result.stderr

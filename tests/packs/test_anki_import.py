"""Importing decks made by Anki: basic, basic+reversed and cloze-with-audio note types, both package formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from tests.packs.anki_decks import make_deck, sound
from tui.cli import cli
from tui.errors import PackError
from tui.packs.anki.fields import plain_text
from tui.packs.anki.importer import describe_apkg, import_apkg
from tui.packs.loader import load_pack, validate_pack


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three decks as Anki exports them, with the odd notes real decks have."""
    folder = tmp_path_factory.mktemp("decks")
    hola, gracias = sound(folder / "hola.mp3", 0.8), sound(folder / "gracias.mp3", 0.9, pitch=180)
    dias = sound(folder / "dias.ogg", 0.7, pitch=250, fmt="OGG")
    picture = folder / "picture.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    basic = make_deck(folder / "basic.apkg", "Basic", [
        {"Front": "Hola <b>amigo</b> [sound:hola.mp3]", "Back": "Hello&nbsp;friend"},
        {"Front": "<div>¿Qué&nbsp;tal?</div><script>alert('x')</script>", "Back": "How are you? <img src=x onerror=alert(1)>"},
        {"Front": "", "Back": "a note without text"},
        {"Front": "hola   AMIGO", "Back": "the same text again"},
        {"Front": "Adiós [sound:missing.mp3]", "Back": "Bye"},
        {"Front": "Gracias [sound:picture.png]", "Back": "Thanks"},
    ], media=[hola, picture])
    reversed_deck = make_deck(folder / "reversed.apkg", "Basic (and reversed card)", [
        {"Front": "Buenos días", "Back": "Good morning"},
        {"Front": "Buenas noches", "Back": "Good night"},
    ], deck="Spanish::Greetings", legacy=True, tags=["greeting"])
    cloze = make_deck(folder / "cloze.apkg", "Cloze", [
        {"Text": "{{c1::Muchas}} gracias", "Back Extra": "Thank you very much", "Audio": "[sound:gracias.mp3]"},
        {"Text": "{{c1::Buenos::greeting}} {{c2::días}}", "Back Extra": "Good morning", "Audio": "[sound:dias.ogg]"},
    ], media=[gracias, dias], extra_field="Audio")
    return {"basic": basic, "reversed": reversed_deck, "cloze": cloze, "hola": hola, "gracias": gracias, "dias": dias}


def _same_audio(phrase_audio: Path, original: Path) -> bool:
    """The pack's FLAC holds the deck's sound, decoded (to 16-bit precision)."""
    stored, rate = sf.read(phrase_audio, dtype="float32")
    source, source_rate = sf.read(original, dtype="float32")
    return rate == source_rate and stored.shape == source.shape and bool(np.max(np.abs(stored - source)) < 1e-4)


def test_a_basic_deck_of_the_current_format_imports_text_translation_and_audio(decks: dict[str, Path], tmp_path: Path) -> None:
    report = import_apkg(decks["basic"], tmp_path / "basic", lang="es-ES")
    pack = load_pack(report.path)
    assert (pack.title, pack.language, pack.id) == ("Spanish", "es-ES", "spanish")
    assert [(p.text, p.translation) for p in pack.phrases] == [
        ("Hola amigo", "Hello friend"), ("¿Qué tal?", "How are you?"), ("Adiós", "Bye"), ("Gracias", "Thanks")]
    assert _same_audio(pack.phrases[0].audio, decks["hola"])
    assert [w.text for w in pack.phrases[0].words] == ["Hola", "amigo"]
    assert (report.phrases, report.with_audio, report.empty, report.repeated) == (4, 1, 1, 1)
    missing, picture = report.problems
    assert missing == "the sound 'missing.mp3' is not in the package; it was synthesized instead"
    assert picture.startswith("cannot read the sound 'picture.png': ") and picture.endswith("; it was synthesized instead")
    assert validate_pack(report.path) == []


def test_a_basic_and_reversed_deck_gives_one_phrase_per_note_with_its_tags(decks: dict[str, Path], tmp_path: Path) -> None:
    report = import_apkg(decks["reversed"], lang="es-ES")
    pack = load_pack(report.path)
    assert report.path == decks["reversed"].parent / "spanish-greetings" and report.deck == "Spanish::Greetings"
    assert [(p.text, p.translation, p.tags) for p in pack.phrases] == [
        ("Buenos días", "Good morning", ("greeting",)), ("Buenas noches", "Good night", ("greeting",))]
    assert report.with_audio == 0 and all(p.words for p in pack.phrases)


def test_a_cloze_deck_with_an_audio_field_takes_the_answers_and_the_sounds(decks: dict[str, Path], tmp_path: Path) -> None:
    report = import_apkg(decks["cloze"], tmp_path / "cloze", lang="es-ES")
    pack = load_pack(report.path)
    assert [(p.text, p.translation) for p in pack.phrases] == [("Muchas gracias", "Thank you very much"),
                                                               ("Buenos días", "Good morning")]
    assert report.with_audio == 2
    assert _same_audio(pack.phrases[0].audio, decks["gracias"]) and _same_audio(pack.phrases[1].audio, decks["dias"])


def test_list_fields_shows_the_roles_it_would_give(decks: dict[str, Path]) -> None:
    contents = describe_apkg(decks["cloze"])
    [use] = contents.notetypes
    assert contents.decks == (("Spanish", 2),) and contents.version.startswith("collection.anki21b")
    assert use.notetype.fields == ("Text", "Back Extra", "Audio")
    assert [use.choice.roles(i) for i in range(3)] == [["text"], ["translation"], ["audio"]]
    result = CliRunner().invoke(cli, ["pack", "import", str(decks["cloze"]), "--list-fields"])
    assert result.exit_code == 0
    assert "    Back Extra  translation       Thank you very much\n" in result.stdout
    assert "    Audio       audio             [sound:gracias.mp3]\n" in result.stdout


def test_fields_named_on_the_command_line_win(decks: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["pack", "import", str(decks["reversed"]), "--to", str(tmp_path / "back"),
                                      "--lang", "en-US", "--field-text", "back", "--field-translation", "Front"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (f"Imported the deck 'Spanish::Greetings' of {decks['reversed']} into {tmp_path / 'back'}: "
                             "2 phrases (0 with the deck's audio, 2 synthesized)\n")
    pack = load_pack(tmp_path / "back")
    assert [(p.text, p.translation) for p in pack.phrases] == [("Good morning", "Buenos días"), ("Good night", "Buenas noches")]


def test_the_cli_reports_what_it_skipped_and_which_sounds_it_could_not_use(decks: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["pack", "import", str(decks["basic"]), "--to", str(tmp_path / "b"), "--lang", "es-ES"])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0] == "pronounce: note: skipped 1 note without text, 1 note repeating an earlier text"
    assert lines[1] == "pronounce: note: the sound 'missing.mp3' is not in the package; it was synthesized instead"
    assert lines[2].startswith("pronounce: note: cannot read the sound 'picture.png'") and len(lines) == 3


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([], "say which language the deck's phrases are in — add --lang"),
        (["--lang", "es_ES"], "'es_ES' is not a BCP 47 language tag"),
        (["--lang", "es-ES", "--field-text", "Nope"], "no note type of the deck has a field 'Nope' (its fields: Back, Front)"),
        (["--lang", "es-ES", "--deck", "French"], "has no deck 'French'; it has 'Spanish::Greetings' (2 notes)"),
        (["--lang", "es-ES", "--deck", "default"], "the deck 'Default' has no notes; decks with notes: 'Spanish::Greetings'"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(decks: dict[str, Path], tmp_path: Path, args: list[str], match: str) -> None:
    result = CliRunner().invoke(cli, ["pack", "import", str(decks["reversed"]), "--to", str(tmp_path / "p"), *args])
    assert result.exit_code == 2 and match in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_target_is_refused_before_any_work(decks: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(PackError, match="taken already exists"):
        import_apkg(decks["reversed"], tmp_path / "taken", lang="es-ES", progress=lambda done, total: pytest.fail("worked"))
    assert [p.name for p in tmp_path.iterdir()] == ["taken"] and not any((tmp_path / "taken").iterdir())


def test_anki_options_are_refused_for_other_imports(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("Hola,Hello\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["pack", "import", str(tmp_path / "list.csv"), "--deck", "x"])
    assert result.exit_code == 2 and "--deck only applies to an Anki deck (.apkg)" in result.stderr


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<script>document.write('x')</script>Hola", "Hola"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("Uno<br>dos<div>tres</div>", "Uno dos tres"),
        ("{{c1::{{c2::Muy}} bien}}, gracias", "Muy bien, gracias"),
        ("caf&eacute; &amp; t&#233; [sound:a.mp3][sound:b.mp3]", "café & té"),
        ("\x1b[2JHola\x07", "[2JHola"),
        ("<style>p { color: red }</style><p>Hola</p>", "Hola"),
        ("unclosed <b tag", "unclosed <b tag"),
    ],
)
def test_fields_become_the_text_a_reader_sees(html: str, text: str) -> None:
    assert plain_text(html) == text


def test_notes_keep_their_lines() -> None:
    assert plain_text("Stress <b>DÓN</b>.<br>Then <i>de</i>.", lines=True) == "Stress DÓN.\nThen de."


def test_a_sound_alone_on_the_front_makes_the_back_the_phrase(tmp_path: Path) -> None:
    deck = make_deck(tmp_path / "listen.apkg", "Basic", [{"Front": "[sound:a.mp3]", "Back": "<b>Hola</b>"}])
    [use] = describe_apkg(deck).notetypes
    assert (use.choice.text, use.choice.audio, use.choice.translation) == (1, 0, None)


def test_a_deck_without_any_text_is_refused(tmp_path: Path) -> None:
    deck = make_deck(tmp_path / "empty.apkg", "Basic", [{"Front": "<br>", "Back": "x"}, {"Front": "&nbsp;<img src=a.png>", "Back": "y"}])
    with pytest.raises(PackError, match="no note of the deck 'Spanish' has text"):
        import_apkg(deck, tmp_path / "out", lang="es-ES")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".empty-collection", "empty.apkg"]


def test_one_pack_per_deck_and_a_deck_brings_its_sub_decks(tmp_path: Path) -> None:
    deck = make_deck(tmp_path / "two.apkg", "Basic", [{"Front": "Bonjour", "Back": "Hello"}, {"Front": "Hola", "Back": "Hello"},
                                                     {"Front": "Adiós", "Back": "Bye"}],
                     note_decks=["French", "Spanish", "Spanish::Farewells"])
    with pytest.raises(PackError, match="holds 3 decks: 'French' \\(1 note\\), 'Spanish' \\(1 note\\), 'Spanish::Farewells'"):
        import_apkg(deck, tmp_path / "p", lang="es-ES")
    assert describe_apkg(deck).deck == ""
    pack = load_pack(import_apkg(deck, tmp_path / "es", lang="es-ES", deck="spanish").path)
    assert (pack.title, [p.text for p in pack.phrases]) == ("Spanish", ["Hola", "Adiós"])

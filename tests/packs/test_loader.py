"""Loading and validating packs: one hostile pack per problem, each located by file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.packs.conftest import SR, VALID_TOML, WritePack, tone
from tui.errors import PackError
from tui.packs.loader import Problem, load_pack, validate_pack
from tui.speech.types import WordTiming


def _only(problems: list[Problem], severity: str) -> Problem:
    chosen = [p for p in problems if p.severity == severity]
    assert len(chosen) == 1, problems
    return chosen[0]


def _line_of(root: Path, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate((root / "pack.toml").read_text().splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def test_valid_pack_loads_as_typed_objects(write_pack: WritePack) -> None:
    root = write_pack()
    assert validate_pack(root) == []
    pack = load_pack(root)
    assert (pack.id, pack.title, pack.language, pack.version) == ("test-pack", "Test pack", "en-US", "1")
    hello = pack.phrase("hello")
    assert hello.audio == (root / "audio/hello.flac").resolve() and hello.audio.is_absolute()
    assert hello.words == (WordTiming("hello", 0.1, 0.4), WordTiming("world", 0.5, 0.9))
    assert pack.phrase("bye").translation == "adiós" and pack.phrase("bye").words == ()
    with pytest.raises(PackError, match="has no phrase 'nope'"):
        pack.phrase("nope")


@pytest.mark.parametrize(
    ("edit", "field", "needle", "match"),
    [
        (lambda t: t.replace('title = "Test pack"\n', ""), "pack.title", "[pack]", "required field 'title' is missing"),
        (lambda t: t.replace('text = "goodbye"\n', ""), "phrase[2].text", "[[phrase]]#2", "required field 'text' is missing"),
        (lambda t: t.replace('id = "bye"', 'id = "hello"'), "phrase[2].id", 'id = "hello"#2', "duplicate phrase id 'hello'"),
        (lambda t: t.replace('"en-US"', '"english please"'), "pack.language", "language =", "not a BCP 47 language tag"),
        (lambda t: t.replace('"audio/bye.flac"', '"audio/gone.flac"'), "phrase[2].audio", "gone.flac", "audio file 'audio/gone.flac' is missing"),
        (lambda t: t.replace('"audio/bye.flac"', '"audio/bye.mp4"'), "phrase[2].audio", "bye.mp4", "not FLAC, WAV or OGG"),
        (lambda t: t.replace('"audio/bye.flac"', '"/etc/passwd.wav"'), "phrase[2].audio", "passwd", "is absolute"),
        (lambda t: t.replace('"audio/bye.flac"', '"audio/../../bye.flac"'), "phrase[2].audio", "../", "contains '..'"),
        (lambda t: t.replace('"audio/bye.flac"', '"C:\\\\audio\\\\bye.flac"'), "phrase[2].audio", "C:", "is absolute"),
        (lambda t: t.replace('text = "goodbye"', "text = 42"), "phrase[2].text", "text = 42", "must be a non-empty string"),
        (lambda t: t.replace('id = "test-pack"', 'id = ""'), "pack.id", 'id = ""', "must be a non-empty string"),
    ],
    ids=["missing-title", "missing-text", "duplicate-id", "bad-language", "audio-missing", "audio-format",
         "absolute-path", "dotdot-path", "windows-absolute", "text-not-string", "empty-id"],
)
def test_each_error_names_file_line_and_field(write_pack: WritePack, edit, field: str, needle: str, match: str) -> None:
    root = write_pack(edit(VALID_TOML))
    problem = _only(validate_pack(root), "error")
    text, _, occurrence = needle.partition("#")
    assert (problem.file, problem.field) == ("pack.toml", field)
    assert problem.line == _line_of(root, text, int(occurrence or 1))
    assert problem.hint
    with pytest.raises(PackError, match=match):
        load_pack(root)


def test_toml_syntax_error_gives_its_line(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML.replace('text = "goodbye"', "text = goodbye"))
    problem = _only(validate_pack(root), "error")
    assert problem.line == _line_of(root, "text = goodbye")
    assert "TOML syntax error" in problem.message
    with pytest.raises(PackError, match="pack.toml:.*TOML syntax error"):
        load_pack(root)


def test_missing_pack_toml_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="there is no pack.toml"):
        load_pack(tmp_path)


def test_unreadable_audio_is_an_error(write_pack: WritePack) -> None:
    root = write_pack()
    (root / "audio/bye.flac").write_bytes(b"this is not audio at all" * 10)
    problem = _only(validate_pack(root), "error")
    assert problem.field == "phrase[2].audio" and "cannot read" in problem.message


def test_audio_outside_through_a_symlink_is_rejected_unread(write_pack: WritePack, tmp_path: Path) -> None:
    outside = tmp_path / "secret.flac"
    outside.write_bytes(b"not audio: reading it would report 'unreadable'")
    root = write_pack()
    (root / "audio/bye.flac").unlink()
    (root / "audio/bye.flac").symlink_to(outside)
    problem = _only(validate_pack(root), "error")
    assert problem.field == "phrase[2].audio" and "resolves outside the pack" in problem.message


def test_symlinked_audio_folder_is_rejected(write_pack: WritePack, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sf.write(elsewhere / "bye.flac", tone(0.5), SR)
    sf.write(elsewhere / "hello.flac", tone(1.0), SR)
    root = write_pack(audio={})
    (root / "audio").rmdir()
    (root / "audio").symlink_to(elsewhere, target_is_directory=True)
    errors = [p for p in validate_pack(root) if p.severity == "error"]
    assert len(errors) == 2 and all("resolves outside" in p.message for p in errors)


def test_symlink_inside_the_pack_is_fine(write_pack: WritePack) -> None:
    root = write_pack()
    (root / "audio/bye.flac").unlink()
    (root / "audio/bye.flac").symlink_to(root / "audio/hello.flac")
    assert validate_pack(root) == []


@pytest.mark.parametrize(
    ("audio", "match"),
    [
        ({"audio/hello.flac": tone(1.0), "audio/bye.flac": tone(31.0)}, "lasts 31 s, longer than 30 s"),
        ({"audio/hello.flac": tone(1.0), "audio/bye.flac": np.zeros(SR, np.float32)}, "is silent"),
    ],
    ids=["too-long", "silent"],
)
def test_long_or_silent_audio_is_a_warning(write_pack: WritePack, audio: dict[str, np.ndarray], match: str) -> None:
    root = write_pack(audio=audio)
    problem = _only(validate_pack(root), "warning")
    assert problem.field == "phrase[2].audio" and match in problem.message
    assert problem.line == _line_of(root, "audio/bye.flac")
    assert load_pack(root).phrase("bye").text == "goodbye"


@pytest.mark.parametrize(
    ("words", "match"),
    [
        ('[{ text = "hello", start = 0.1, end = 0.4 }, { text = "world", start = 0.5, end = 1.9 }]', "after the audio"),
        ('[{ text = "hello", start = 0.5, end = 0.9 }, { text = "world", start = 0.1, end = 0.4 }]', "before the previous word ends"),
        ('[{ text = "hello", start = 0.4, end = 0.1 }]', "0 <= start < end"),
        ('[{ text = "hello", start = "soon", end = 0.1 }]', "list of {text, start, end}"),
    ],
    ids=["outside-audio", "out-of-order", "reversed", "wrong-type"],
)
def test_bad_word_timings_are_warnings_and_dropped(write_pack: WritePack, words: str, match: str) -> None:
    toml = VALID_TOML.replace(VALID_TOML[VALID_TOML.index("words = [") : VALID_TOML.index("]\n\n") + 1], f"words = {words}")
    root = write_pack(toml)
    problem = _only(validate_pack(root), "warning")
    assert problem.field.startswith("phrase[1].words") and match in str(problem)
    assert problem.line == _line_of(root, "words =")
    assert load_pack(root).phrase("hello").words == ()


def test_unknown_keys_are_warnings_with_lines(write_pack: WritePack) -> None:
    toml = VALID_TOML.replace('language = "en-US"', 'language = "en-US"\nlevel = 3').replace(
        'translation = "adiós"', 'translation = "adiós"\ncolour = "blue"'
    ) + "\n[extra]\nx = 1\n"
    root = write_pack(toml)
    problems = validate_pack(root)
    assert all(p.severity == "warning" for p in problems)
    located = {p.field: p.line for p in problems}
    assert located == {
        "pack.level": _line_of(root, "level = 3"),
        "phrase[2].colour": _line_of(root, "colour"),
        "extra": _line_of(root, "[extra]"),
    }
    assert len(load_pack(root).phrases) == 2


def test_problem_reads_as_one_line() -> None:
    problem = Problem("error", "pack.toml", 12, "phrase[3].audio", "audio file 'a.flac' is missing", "put it there")
    assert str(problem) == "pack.toml:12: error: phrase[3].audio: audio file 'a.flac' is missing — put it there"


def test_a_pack_argument_is_a_path_or_a_bundled_id_and_a_near_miss_is_suggested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.packs.locate import locate_pack
    from tui.paths import LESSONS_DIR

    assert locate_pack(Path("es-basics")) == LESSONS_DIR / "es-basics"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "pack.toml").write_text("", encoding="utf-8")
    assert locate_pack(tmp_path / "mine") == tmp_path / "mine"
    with pytest.raises(PackError, match="there is no pack") as caught:
        locate_pack(tmp_path / "mien")
    assert caught.value.hint == f"did you mean {tmp_path / 'mine'}?"
    monkeypatch.chdir(LESSONS_DIR.parent)
    with pytest.raises(PackError) as caught:
        locate_pack(Path("lessons/fr-basic"))
    assert caught.value.hint == "did you mean lessons/fr-basics?"
    with pytest.raises(PackError) as caught:
        locate_pack(Path("es-basic"))
    assert caught.value.hint == "did you mean es-basics?"
    with pytest.raises(PackError) as caught:
        locate_pack(Path("nothing-like-it"))
    assert "en-basics" in caught.value.hint and "did you mean" not in caught.value.hint

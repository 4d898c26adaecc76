"""Hostile and odd packs: unsafe ids, linked or nested pack.toml, BOMs, tricky zips, outputs inside inputs."""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.hostile.world import mark_encrypted
from tests.packs.conftest import SR, VALID_TOML, WritePack, tone
from tui.errors import PackError
from tui.packs.authoring import add_phrase, export_pack, import_zip, new_pack
from tui.packs.csv_import import import_csv
from tui.packs.ids import id_problem, is_safe_id
from tui.packs.loader import load_pack, read_pack, validate_pack

UNSAFE_IDS = ["../../x", "/home/me/.ssh", "a/b", "a\\b", "..", ".hidden", "-dash-first", "a b", "x" * 65, "a\x1b[2J",
              "café\u0000"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _errors(root: Path) -> list[str]:
    return [str(p) for p in validate_pack(root) if p.severity == "error"]


@pytest.mark.parametrize("value", UNSAFE_IDS)
def test_unsafe_ids_are_not_ids(value: str) -> None:
    assert id_problem(value) is not None and not is_safe_id(value)


@pytest.mark.parametrize("value", ["good-morning", "p1", "ou_est.la-gare", "café", "日本語"])
def test_slugs_in_any_script_are_ids(value: str) -> None:
    assert is_safe_id(value)


@pytest.mark.parametrize("value", UNSAFE_IDS)
def test_an_unsafe_pack_id_is_an_error_on_load(write_pack: WritePack, value: str) -> None:
    root = write_pack(VALID_TOML.replace('id = "test-pack"', f"id = {_toml(value)}"))
    assert any("pack.id: pack id" in e for e in _errors(root))
    with pytest.raises(PackError):
        load_pack(root)


@pytest.mark.parametrize("value", UNSAFE_IDS)
def test_an_unsafe_phrase_id_is_an_error_on_load(write_pack: WritePack, value: str) -> None:
    root = write_pack(VALID_TOML.replace('id = "bye"', f"id = {_toml(value)}"))
    assert any(e.startswith("pack.toml:16: error: phrase[2].id: phrase id") for e in _errors(root))


def _toml(value: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'


@pytest.mark.parametrize("pack_id", ["../escaped", "/tmp/abs", ".."])
def test_import_of_a_zip_whose_id_points_elsewhere_writes_nothing_anywhere(write_pack: WritePack, tmp_path: Path,
                                                                           pack_id: str) -> None:
    root = write_pack(VALID_TOML.replace('id = "test-pack"', f'id = "{pack_id}"'))
    drop = tmp_path / "drop" / "inner"
    drop.mkdir(parents=True)
    archive = drop / "evil.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in _tree(root).items():
            out.writestr(f"p/{name}", data)
    before = _tree(tmp_path)
    with pytest.raises(PackError, match="holds an invalid pack: .*pack id"):
        import_zip(archive)
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in drop.parent.rglob("*")) == ["evil.zip", "inner"]


def test_new_pack_refuses_an_unsafe_id(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="pack id '../x' is not a safe id"):
        new_pack(tmp_path / "p", lang="en-US", title="t", pack_id="../x")
    assert not (tmp_path / "p").exists()


def test_nfc_and_nfd_spellings_of_a_phrase_id_are_one_id(write_pack: WritePack) -> None:
    nfd = unicodedata.normalize("NFD", "café")
    toml = VALID_TOML.replace('id = "hello"', 'id = "café"').replace('id = "bye"', f'id = "{nfd}"')
    errors = _errors(write_pack(toml))
    assert len(errors) == 1 and "duplicate phrase id 'café'" in errors[0]


def test_a_phrase_id_is_stored_in_nfc(write_pack: WritePack) -> None:
    nfd = unicodedata.normalize("NFD", "café")
    pack = load_pack(write_pack(VALID_TOML.replace('id = "bye"', f'id = "{nfd}"')))
    assert pack.phrases[1].id == "café" == unicodedata.normalize("NFC", nfd)
    assert pack.phrase(nfd.replace(nfd, "café")).text == "goodbye"


def test_a_symlinked_pack_toml_is_refused_unread(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-FIRST-LINE\n")
    (root / "pack.toml").unlink()
    (root / "pack.toml").symlink_to(secret)
    problems = validate_pack(root)
    assert [p.message for p in problems] == ["pack.toml is a symbolic link; it was not read"]
    assert "SECRET" not in str(problems)
    with pytest.raises(PackError, match="symbolic link"):
        add_phrase(root, "hello", tone(0.5), SR)
    assert secret.read_text() == "root:x:0:0:SECRET-FIRST-LINE\n"


def test_a_pack_toml_that_is_a_fifo_is_refused_without_blocking(write_pack: WritePack) -> None:
    root = write_pack()
    (root / "pack.toml").unlink()
    os.mkfifo(root / "pack.toml")
    assert [p.message for p in validate_pack(root)] == ["pack.toml is not a regular file (a named pipe (FIFO))"]


def test_a_utf8_bom_is_accepted(write_pack: WritePack) -> None:
    root = write_pack()
    (root / "pack.toml").write_bytes(b"\xef\xbb\xbf" + VALID_TOML.encode())
    assert validate_pack(root) == []
    add_phrase(root, "third", tone(0.5), SR)
    assert [p.id for p in load_pack(root).phrases] == ["hello", "bye", "third"]


def test_ten_thousand_nested_brackets_are_one_error(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML + "\nextra = " + "[" * 10_000 + "\n")
    problems = validate_pack(root)
    assert [(p.severity, p.message) for p in problems] == [("error", "arrays or tables are nested too deeply to read")]


def test_non_utf8_pack_toml_names_its_line(write_pack: WritePack) -> None:
    root = write_pack()
    (root / "pack.toml").write_bytes(VALID_TOML.encode().replace(b"goodbye", b"good\xffbye"))
    [problem] = validate_pack(root)
    assert problem.line == 17 and "is not UTF-8 text" in problem.message


@pytest.mark.parametrize("audio", ["audio/\\u0000hello.flac", "audio/\\u001bhello.flac"])
def test_control_characters_in_an_audio_path_are_an_error(write_pack: WritePack, audio: str) -> None:
    root = write_pack(VALID_TOML.replace('"audio/bye.flac"', f'"{audio}"'))
    [error] = _errors(root)
    assert "phrase[2].audio: audio path" in error and "contains control characters" in error


def test_huge_values_are_cut_short_in_messages(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML.replace('title = "Test pack"', "title = [" + "1, " * 100_000 + "]"))
    [error] = _errors(root)
    assert len(error) < 300


def test_line_numbers_stay_right_in_a_big_pack(write_pack: WritePack) -> None:
    phrases = "".join(f'\n[[phrase]]\nid = "p{i}"\ntext = "t{i}"\naudio = "audio/hello.flac"\n' for i in range(3000))
    root = write_pack(VALID_TOML + phrases + '\n[[phrase]]\nid = "p1"\ntext = "again"\naudio = "audio/hello.flac"\n')
    [error] = _errors(root)
    lines = (root / "pack.toml").read_text().splitlines()
    assert error.startswith(f"pack.toml:{len(lines) - 2}: error: phrase[3003].id: duplicate phrase id 'p1'")


def test_load_reads_headers_only_and_validate_decodes(write_pack: WritePack) -> None:
    corrupt = np.full(SR, np.nan, dtype=np.float32)
    root = write_pack(audio={"audio/hello.flac": tone(1.0), "audio/bye.wav": corrupt, })
    (root / "pack.toml").write_text(VALID_TOML.replace("audio/bye.flac", "audio/bye.wav"))
    sf.write(root / "audio/bye.wav", corrupt, SR, subtype="FLOAT")
    pack = load_pack(root)
    assert pack.phrase("bye").duration == 1.0
    assert any("contains NaN or infinite samples" in e for e in _errors(root))


def test_silence_is_found_by_validate(write_pack: WritePack) -> None:
    root = write_pack(audio={"audio/hello.flac": tone(1.0), "audio/bye.flac": np.zeros(SR, np.float32)})
    assert load_pack(root).phrase("bye").duration == 1.0
    assert [p.message for p in validate_pack(root)] == ["audio 'audio/bye.flac' is silent"]


def test_a_reference_of_an_hour_is_an_error_from_its_header(write_pack: WritePack) -> None:
    root = write_pack()
    with sf.SoundFile(root / "audio/bye.flac", "w", samplerate=8000, channels=1, format="FLAC") as long:
        for _ in range(60):
            long.write(np.zeros(8000 * 60, np.float32))
    pack, problems = read_pack(root, decode_audio=False)
    assert pack is None and "lasts 3600 s, more than 600 s" in str(problems)


def _zip_with(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as out:
        for name, data in entries:
            out.writestr(name, data)
    return path


def test_an_encrypted_entry_is_refused(write_pack: WritePack, tmp_path: Path) -> None:
    archive = _zip_with(tmp_path / "locked.zip", [("p/pack.toml", VALID_TOML.encode())])
    mark_encrypted(archive)
    with pytest.raises(PackError, match="has an encrypted entry 'p/pack.toml' — export the pack again without a password"):
        import_zip(archive, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.zip"]


def test_entries_two_thousand_folders_deep_are_refused(tmp_path: Path) -> None:
    archive = _zip_with(tmp_path / "deep.zip", [("a/" * 2000 + "x.flac", b"x")])
    with pytest.raises(PackError, match="nested 2001 folders deep"):
        import_zip(archive, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.zip"]


def test_export_into_the_pack_is_refused_and_changes_nothing(write_pack: WritePack) -> None:
    root = write_pack()
    before = _tree(root)
    for out in (root / "pack.toml", root / "audio" / "x.zip", root / "sub" / "x"):
        with pytest.raises(PackError, match="is inside the pack"):
            export_pack(root, out)
    assert _tree(root) == before


def test_export_adds_zip_and_writes_a_shareable_file(write_pack: WritePack, tmp_path: Path) -> None:
    out = export_pack(write_pack(), tmp_path / "shared" / "out")
    assert out == tmp_path / "shared" / "out.zip" and zipfile.is_zipfile(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.zip"]


def test_export_and_import_to_an_unwritable_place_are_one_error(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PackError, match="cannot write"):
        export_pack(root, blocker / "out.zip")
    good = export_pack(root, tmp_path / "good.zip")
    with pytest.raises(PackError, match="cannot write"):
        import_zip(good, blocker / "imported")
    assert blocker.read_text() == "not a folder"


def test_a_csv_row_with_missing_audio_says_not_found_once(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("text,audio\nHello,gone.wav\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        import_csv(tmp_path / "list.csv")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'list.csv'}:2: audio file ") and " not found — " in message
    assert message.count("list.csv:2:") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]


def test_a_csv_with_a_duplicate_text_is_refused(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("Merci\nmerci \n", encoding="utf-8")
    with pytest.raises(PackError, match=r"list.csv:2: the pack already has the phrase 'Merci' \(id 'merci'\)"):
        import_csv(tmp_path / "list.csv", lang="fr-FR")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]


def test_csv_import_takes_a_title(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("Merci\n", encoding="utf-8")
    pack = load_pack(import_csv(tmp_path / "list.csv", lang="fr-FR", title="Mes mots"))
    assert (pack.title, pack.id) == ("Mes mots", "list")


def test_adding_the_same_text_again_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_pack(root, lang="fr-FR", title="t")
    add_phrase(root, "Où est la gare ?", tone(0.5), SR)
    before = _tree(root)
    with pytest.raises(PackError, match=r"already has the phrase 'Où est la gare \?' \(id 'ou-est-la-gare'\)"):
        add_phrase(root, "où  est la gare ?", tone(0.5), SR)
    assert _tree(root) == before

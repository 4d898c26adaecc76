"""Export and import: zip round-trips, hostile archives refused without leftovers, CSV import with TTS."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from tests.packs.conftest import WritePack
from tui.errors import PackError
from tui.packs import archive
from tui.packs.authoring import export_pack, import_zip
from tui.packs.csv_import import import_csv
from tui.packs.loader import load_pack, validate_pack


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            out.writestr(info, target)
    return path


def _pack_entries(root: Path, prefix: str = "p/") -> dict[str, bytes]:
    return {prefix + str(f.relative_to(root)): f.read_bytes() for f in root.rglob("*") if f.is_file()}


def test_export_then_import_gives_the_same_pack(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    out = export_pack(root, tmp_path / "out/test.zip")
    with zipfile.ZipFile(out) as made:
        assert sorted(made.namelist()) == ["test-pack/audio/bye.flac", "test-pack/audio/hello.flac", "test-pack/pack.toml"]
    imported = import_zip(out, tmp_path / "imported")
    before, after = load_pack(root), load_pack(imported)
    assert after.root == imported
    assert (after.id, after.title, after.language) == (before.id, before.title, before.language)
    for a, b in zip(before.phrases, after.phrases, strict=True):
        assert (a.id, a.text, a.translation, a.words) == (b.id, b.text, b.translation, b.words)
        assert a.audio.read_bytes() == b.audio.read_bytes()


def test_import_defaults_to_a_folder_beside_the_zip_named_after_the_pack(write_pack: WritePack, tmp_path: Path) -> None:
    out = export_pack(write_pack(), tmp_path / "drop/any-name.zip")
    assert import_zip(out) == tmp_path / "drop/test-pack"


def test_export_refuses_an_invalid_pack(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    (root / "audio/bye.flac").unlink()
    with pytest.raises(PackError, match="has errors and was not exported"):
        export_pack(root, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_export_leaves_out_links_and_hidden_files(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    (root / ".git").mkdir()
    (root / ".git/config").write_text("secret")
    (root / "audio/link.flac").symlink_to(root / "audio/hello.flac")
    with zipfile.ZipFile(export_pack(root, tmp_path / "x.zip")) as made:
        assert not any(".git" in n or "link" in n for n in made.namelist())


def test_a_zip_pack_loads_in_place_of_a_folder(write_pack: WritePack, tmp_path: Path, private_cache: Path) -> None:
    out = export_pack(write_pack(), tmp_path / "p.zip")
    pack = load_pack(out)
    assert pack.root.is_relative_to(private_cache) and pack.phrase("hello").audio.is_file()
    assert load_pack(out).root == pack.root  # extracted once, then reused
    assert validate_pack(out) == []


@pytest.mark.parametrize(
    ("entries", "links", "match"),
    [
        ({"p/pack.toml": b"x", "../evil.txt": b"x"}, None, "unsafe entry '../evil.txt'"),
        ({"p/pack.toml": b"x", "p/../../evil.txt": b"x"}, None, "unsafe entry"),
        ({"/etc/evil": b"x"}, None, "unsafe entry '/etc/evil'"),
        ({"C:/evil": b"x"}, None, "unsafe entry"),
        ({"p/pack.toml": b"x"}, {"p/audio/a.flac": "/etc/passwd"}, "link entry 'p/audio/a.flac'"),
    ],
    ids=["zip-slip", "nested-slip", "absolute", "drive", "symlink"],
)
def test_hostile_archives_are_refused_and_leave_nothing(tmp_path: Path, entries: dict[str, bytes],
                                                       links: dict[str, str] | None, match: str) -> None:
    source = _zip(tmp_path / "hostile.zip", entries, links)
    before = _listing(tmp_path)
    with pytest.raises(PackError, match=match):
        import_zip(source, tmp_path / "target")
    assert _listing(tmp_path) == before
    assert not (tmp_path.parent / "evil.txt").exists()


def test_too_many_files_are_refused(tmp_path: Path) -> None:
    source = _zip(tmp_path / "many.zip", {f"p/f{i}": b"" for i in range(archive.MAX_FILES + 1)})
    before = _listing(tmp_path)
    with pytest.raises(PackError, match="holds 10001 files, more than 10000"):
        import_zip(source, tmp_path / "target")
    assert _listing(tmp_path) == before


def test_too_many_bytes_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _zip(tmp_path / "big.zip", {"p/pack.toml": b"x" * 4096, "p/audio/a.flac": b"y" * 4096})
    monkeypatch.setattr(archive, "MAX_BYTES", 6000)  # the real limit (500 MB) is too slow to build here
    before = _listing(tmp_path)
    with pytest.raises(PackError, match="unpacks to"):
        import_zip(source, tmp_path / "target")
    assert _listing(tmp_path) == before


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "pack.zip"
    source.write_bytes(b"PK but not really")
    with pytest.raises(PackError, match="is not a readable zip"):
        import_zip(source, tmp_path / "target")
    assert _listing(tmp_path) == ["pack.zip"]


def test_a_zip_with_an_invalid_pack_is_refused(write_pack: WritePack, tmp_path: Path) -> None:
    root = write_pack()
    entries = _pack_entries(root)
    entries["p/pack.toml"] = entries["p/pack.toml"].replace(b'"audio/bye.flac"', b'"audio/../../../etc/x.flac"')
    source = _zip(tmp_path / "bad.zip", entries)
    with pytest.raises(PackError, match="holds an invalid pack.*contains '..'"):
        import_zip(source, tmp_path / "target")
    assert not (tmp_path / "target").exists() and not any(p.name.startswith(".pronounce") for p in tmp_path.iterdir())


def test_import_refuses_an_existing_target(write_pack: WritePack, tmp_path: Path) -> None:
    out = export_pack(write_pack(), tmp_path / "p.zip")
    (tmp_path / "taken").mkdir()
    with pytest.raises(PackError, match="already exists"):
        import_zip(out, tmp_path / "taken")
    assert list((tmp_path / "taken").iterdir()) == []


def test_csv_import_synthesizes_rows_without_audio(tmp_path: Path) -> None:
    csv_file = tmp_path / "Spanish words.csv"
    csv_file.write_text("text,translation\nHola,Hello\n\"Buenos días, señor\",\"Good morning, sir\"\n", encoding="utf-8")
    root = import_csv(csv_file, lang="es-ES")
    pack = load_pack(root)
    assert root == tmp_path / "spanish-words" and pack.language == "es-ES" and pack.title == "Spanish words"
    assert [(p.text, p.translation) for p in pack.phrases] == [("Hola", "Hello"), ("Buenos días, señor", "Good morning, sir")]
    assert [w.text for w in pack.phrases[1].words] == ["Buenos", "días", "señor"]
    assert validate_pack(root) == []


def test_csv_without_header_reads_text_translation_audio(tmp_path: Path) -> None:
    csv_file = tmp_path / "plain.csv"
    csv_file.write_text("Good night,Buenas noches\n\nSee you,Hasta luego\n", encoding="utf-8")
    pack = load_pack(import_csv(csv_file, tmp_path / "out"))
    assert [p.id for p in pack.phrases] == ["good-night", "see-you"]


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ("text,translation,audio\nHello,Hola,../outside.wav\n", "list.csv:2: audio path '../outside.wav' is absolute or contains '..'"),
        ("text,translation,audio\nHello,Hola,missing.wav\n", "list.csv:2: .*missing.wav"),
        ("text,colour\nHello,blue\n", "unknown columns \\['colour'\\]"),
        ("text\n", "has no phrases"),
        ("Hello\n\n,only a translation\n", "list.csv:3: the text is empty"),
    ],
    ids=["unsafe-audio", "missing-audio", "unknown-column", "empty", "empty-text"],
)
def test_bad_csv_is_refused_and_leaves_nothing(tmp_path: Path, rows: str, match: str) -> None:
    (tmp_path / "in").mkdir()
    csv_file = tmp_path / "in/list.csv"
    csv_file.write_text(rows, encoding="utf-8")
    with pytest.raises(PackError, match=match):
        import_csv(csv_file)
    assert _listing(tmp_path / "in") == ["list.csv"]


def test_a_zip_with_pack_toml_at_its_root_imports(write_pack: WritePack, tmp_path: Path) -> None:
    source = _zip(tmp_path / "flat.zip", _pack_entries(write_pack(), prefix=""))
    root = import_zip(source, tmp_path / "flat")
    assert load_pack(root).phrase("hello").audio == (tmp_path / "flat/audio/hello.flac").resolve()

"""Hostile Anki packages: each is one line on stderr, exit 2, and nothing written anywhere."""

from __future__ import annotations

import json
import sqlite3
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.packs.anki_decks import entries, make_deck, protobuf_media, rezip, sound, zstd
from tui.cli import cli
from tui.packs.anki import collection, package

Change = Callable[[dict[str, bytes]], dict[str, bytes]]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small deck with a sound, as Anki exports it in the legacy and in the current format."""
    folder = tmp_path_factory.mktemp("base")
    hola = sound(folder / "hola.mp3")
    notes = [{"Front": "Hola [sound:hola.mp3]", "Back": "Hello"}, {"Front": "Adiós", "Back": "Bye"}]
    return {"legacy": make_deck(folder / "legacy.apkg", "Basic", notes, media=[hola], legacy=True),
            "latest": make_deck(folder / "latest.apkg", "Basic", notes, media=[hola])}


def _with_collection(sql: str) -> Change:
    """Run ``sql`` on the legacy package's collection.anki21."""
    def change(files: dict[str, bytes]) -> dict[str, bytes]:
        with sqlite3.connect(":memory:") as db:
            db.deserialize(files["collection.anki21"])
            db.executescript(sql)
            files["collection.anki21"] = db.serialize()
        return files
    return change


def _set(name: str, data: bytes) -> Change:
    return lambda files: {**files, name: data}


def _bomb(name: str) -> Change:
    return _set(name, zstd(bytes(3 * 1024 * 1024)))


CASES: list[tuple[str, str, Change, str]] = [
    ("entry-traversal", "legacy", _set("../../evil.txt", b"x"), "has an unsafe entry '../../evil.txt'"),
    ("entry-absolute", "legacy", _set("/tmp/evil.txt", b"x"), "has an unsafe entry '/tmp/evil.txt'"),
    ("media-name-traversal", "legacy", _set("media", json.dumps({"0": "../../evil.mp3"}).encode()),
     "has an unsafe media name '../../evil.mp3'"),
    ("media-name-absolute-zstd", "latest", _set("media", zstd(protobuf_media(["/etc/passwd"]))),
     "has an unsafe media name '/etc/passwd'"),
    ("media-map-garbage", "latest", _set("media", zstd(b"\xff\xff\xff")), "has an unreadable media map"),
    ("collection-bomb", "latest", _bomb("collection.anki21b"), "the collection unpacks to more than 1 MB"),
    ("media-bomb", "latest", _bomb("0"), "the sound file 'hola.mp3' unpacks to more than 1 MB"),
    ("not-zstd", "latest", _set("collection.anki21b", b"plain bytes"), "cannot read the collection"),
    ("newer-anki", "latest", _set("meta", b"\x08\x63"), "written by an Anki newer than pronounce reads (package version 99)"),
    ("no-collection", "legacy", lambda f: {k: v for k, v in f.items() if not k.startswith("collection")},
     "has no collection.anki21"),
    ("not-sqlite", "legacy", _set("collection.anki21", b"SQLite format 3\x00" + bytes(4000)), "cannot read the collection"),
    ("text-not-sqlite", "legacy", _set("collection.anki21", b"hello " * 1000), "file is not a database"),
    ("empty-sqlite", "legacy", _with_collection("DROP TABLE col; DROP TABLE notes; DROP TABLE cards;"),
     "the collection has no 'col' table; it is not an Anki collection"),
    ("notes-as-endless-view", "legacy", _with_collection(
        "DROP TABLE notes; CREATE VIEW notes AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
        "SELECT i AS id, 1 AS mid, 'x' AS flds, '' AS tags FROM r;"),
     "the collection has a view instead of the 'notes' table"),
    ("missing-column", "legacy", _with_collection("ALTER TABLE notes DROP COLUMN flds;"), "'notes' table lacks flds"),
    ("huge-generated-field", "legacy", _with_collection(
        "ALTER TABLE notes RENAME TO old; CREATE TABLE notes (id integer primary key, mid integer, tags text, "
        "flds blob GENERATED ALWAYS AS (zeroblob(100000000)) VIRTUAL); INSERT INTO notes (id, mid, tags) SELECT id, mid, tags FROM old;"),
     "string or blob too big"),
    ("note-types-nested-json", "legacy", _with_collection("UPDATE col SET models = '" + "[" * 100_000 + "';"),
     "the collection's note types or decks are unreadable"),
    ("note-types-wrong-shape", "legacy", _with_collection("UPDATE col SET models = '{\"1\": {\"flds\": 3}}';"),
     "the collection's note types or decks are unreadable"),
    ("too-many-notes", "legacy", lambda f: f, "the deck has more than 1 notes"),
    ("runaway-query", "latest", lambda f: f, "it is too large to read"),
]


@pytest.mark.parametrize(("kind", "change", "match"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_hostile_package_is_one_line_exit_2_and_writes_nothing(base: dict[str, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
                                                                 kind: str, change: Change, match: str) -> None:
    monkeypatch.setattr(package, "MAX_COLLECTION_BYTES", 1024 * 1024)  # the real 512 MB is too slow to unpack here
    monkeypatch.setattr(package, "MAX_MEDIA_BYTES", 1024 * 1024)
    case = request.node.callspec.id
    if case == "too-many-notes":
        monkeypatch.setattr(collection, "MAX_NOTES", 1)
    if case == "runaway-query":
        monkeypatch.setattr(collection, "STEP", 100)  # a deck of two notes needs a few thousand instructions
        monkeypatch.setattr(collection, "STEP_BUDGET", 5)
    (tmp_path / "in").mkdir()
    hostile = rezip(base[kind], tmp_path / "in/deck.apkg", change)
    before = sorted(p.name for p in (tmp_path / "in").iterdir())
    result = CliRunner().invoke(cli, ["pack", "import", str(hostile), "--to", str(tmp_path / "in/out"), "--lang", "es-ES"])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.startswith("pronounce: error: ") and result.stderr.count("\n") == 1
    assert match in result.stderr
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == before
    assert not (tmp_path / "evil.txt").exists()


def test_a_link_entry_is_refused(base: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "link.apkg"
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries(base["legacy"]).items():
            archive.writestr(name, data)
        info = zipfile.ZipInfo("1")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    result = CliRunner().invoke(cli, ["pack", "import", str(out), "--lang", "es-ES"])
    assert result.exit_code == 2 and "has a link entry '1'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.apkg"]


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "deck.apkg").write_bytes(b"SQLite format 3\x00 but not a package")
    result = CliRunner().invoke(cli, ["pack", "import", str(tmp_path / "deck.apkg"), "--lang", "es-ES"])
    assert result.exit_code == 2 and "is not an Anki package (not a readable zip" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["deck.apkg"]


def test_both_formats_import_the_same_deck(base: dict[str, Path], tmp_path: Path) -> None:
    """The base packages themselves are fine: the refusals above come from the changes alone."""
    for kind in ("legacy", "latest"):
        result = CliRunner().invoke(cli, ["pack", "import", str(base[kind]), "--to", str(tmp_path / kind), "--lang", "es-ES"])
        assert result.exit_code == 0 and "2 phrases (1 with the deck's audio, 1 synthesized)" in result.stdout


def test_a_collection_backup_is_refused_with_what_to_do(base: dict[str, Path], tmp_path: Path) -> None:
    backup = tmp_path / "collection.colpkg"
    backup.write_bytes(base["latest"].read_bytes())
    result = CliRunner().invoke(cli, ["pack", "import", str(backup)])
    assert result.exit_code == 2 and "is a whole Anki collection (.colpkg), not a deck — export one deck" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["collection.colpkg"]

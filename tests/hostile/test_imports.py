"""Zips and CSVs that cannot be imported: one line, exit 2, nothing extracted, nothing left beside the target."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, assert_refused
from tests.hostile.world import World, mark_encrypted


def _entries(world: World) -> dict[str, bytes]:
    pack = Path(world.paths["pack"])
    return {f"p/{p.relative_to(pack).as_posix()}": p.read_bytes() for p in sorted(pack.rglob("*")) if p.is_file()}


def _zip(entries: dict[str, bytes], *, links: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as out:
            for name, data in entries.items():
                out.writestr(name, data)
            for name in links:
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                out.writestr(info, "../../victim/victim.txt")
    return build


def _lying_size(path: Path, entries: dict[str, bytes], claimed: int) -> None:
    """A zip whose central directory claims ``claimed`` bytes for an entry that inflates to 2 MB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
        out.writestr("p/audio/bomb.flac", bytes(2 << 20))
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")  # the last central directory entry: the bomb
    data[at + 24 : at + 28] = claimed.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def zips(world: World) -> dict[str, tuple[Callable[[Path], None], str]]:
    good = _entries(world)
    toml = good["p/pack.toml"].decode()
    return {
        "empty": (_zip({}), "pack.toml"),
        "no-pack-toml": (_zip({k: v for k, v in good.items() if not k.endswith("pack.toml")}), "no pack.toml"),
        "slip": (_zip({**good, "../../victim/slip.txt": b"x"}), "unsafe entry"),
        "backslash-slip": (_zip({**good, "..\\..\\victim\\slip.txt": b"x"}), "unsafe entry"),
        "absolute": (_zip({**good, "/tmp/abs.txt": b"x"}), "unsafe entry"),
        "drive": (_zip({**good, "C:/x.txt": b"x"}), "unsafe entry"),
        "link-entry": (_zip(good, links=("p/audio/link.flac",)), "link entry"),
        "linked-pack-toml": (_zip({k: v for k, v in good.items() if not k.endswith("pack.toml")}, links=("p/pack.toml",)),
                             "link entry"),
        "deep": (_zip({**good, "a/" * 40 + "x": b"x"}), "folders deep"),
        "many-files": (_zip({**good, **{f"p/x/{n}": b"" for n in range(10_001)}}), "more than 10000"),
        "size-lies-small": (lambda p: _lying_size(p, good, 1000), "cannot extract"),
        "size-claims-huge": (lambda p: _lying_size(p, good, 600 << 20), "unpacks to 629 MB, more than 500 MB"),
        "encrypted": (lambda p: (_zip(good)(p), mark_encrypted(p)), "encrypted entry"),
        "not-a-zip": (lambda p: p.write_bytes(b"PK\x03\x04 but not really"), "is not a readable zip"),
        "truncated": (lambda p: (_zip(good)(p), p.write_bytes(p.read_bytes()[:200])), "is not a readable zip"),
        "text": (lambda p: p.write_text("hello"), "is not a readable zip"),
        "id-dotdot": (_zip({**good, "p/pack.toml": toml.replace('id = "world-pack"', 'id = "../../x"').encode()}),
                      "is not a safe id"),
        "audio-missing": (_zip({k: v for k, v in good.items() if not k.endswith("hello.flac")}), "is missing"),
        "audio-outside": (_zip({**good, "p/pack.toml": toml.replace('"audio/hello.flac"', '"../../victim/victim.wav"').encode()}),
                          "contains '..'"),
    }


@pytest.fixture(scope="module")
def archives(world: World) -> Path:
    folder = world.root / "zips-hostile"
    folder.mkdir(exist_ok=True)
    for name, (make, _) in zips(world).items():
        make(folder / f"{name}.zip")
    os.mkfifo(folder / "fifo.zip")
    return folder


ZIP_NAMES = sorted(["empty", "no-pack-toml", "slip", "backslash-slip", "absolute", "drive", "link-entry", "linked-pack-toml",
                    "deep", "many-files", "size-lies-small", "size-claims-huge", "encrypted", "not-a-zip", "truncated", "text", "id-dotdot", "audio-missing",
                    "audio-outside"])


@pytest.mark.parametrize("how", ["beside", "to", "to-new-folders", "show"])
@pytest.mark.parametrize("name", ZIP_NAMES)
def test_a_zip_that_cannot_be_imported_leaves_nothing(harness: Harness, world: World, archives: Path, tmp_path: Path,
                                                      name: str, how: str) -> None:
    source = archives / f"{name}.zip"
    says = zips(world)[name][1]
    args = {
        "beside": ["pack", "import", str(source)],
        "to": ["pack", "import", str(source), "--to", str(tmp_path / "new")],
        "to-new-folders": ["pack", "import", str(source), "--to", str(tmp_path / "a" / "b" / "new")],
        "show": ["pack", "show", str(source)],
    }[how]
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(args)
    assert_refused(ran)
    assert says in ran.stderr, ran.stderr
    before.check()


@pytest.mark.parametrize("command", ["import", "show"])
def test_a_zip_that_is_a_pipe_is_refused_without_blocking(harness: Harness, world: World, archives: Path,
                                                          command: str) -> None:
    before = Unchanged(world.root, world.victim)
    says = "is not a regular file" if command == "import" else "is not a pack folder or .zip"
    assert_refused(harness.run(["pack", command, str(archives / "fifo.zip")]), says)
    before.check()


CSVS: dict[str, tuple[str | bytes, str]] = {
    "empty": ("", "has no phrases"),
    "header-only": ("text,translation,audio\n", "has no phrases"),
    "unknown-column": ("text,voice\nhello,x\n", "has unknown columns"),
    "latin1": (b"text\ncaf\xe9\n", "cannot read"),
    "nul": (b"text\nHel\x00lo\n", "contains control characters"),
    "escape": ("text\nhi\x1b[2J\n", "contains control characters"),
    "bidi": ("text\n\u202eolleh\n", "contains control characters"),
    "empty-text": ("text,audio\n,ref.flac\n", "the text is empty"),
    "audio-absolute": ("text,audio\nhello,/etc/passwd\n", "is absolute or contains '..'"),
    "audio-dotdot": ("text,audio\nhello,../victim/victim.wav\n", "is absolute or contains '..'"),
    "audio-link-outside": ("text,audio\nhello,audio-link.wav\n", "resolves outside the CSV's folder"),
    "audio-missing": ("text,audio\nhello,gone.wav\n", "not found"),
    "audio-folder": ("text,audio\nhello,pack\n", "is a folder, not a file"),
    "audio-fifo": ("text,audio\nhello,fifo.wav\n", "is a named pipe (FIFO), not a file"),
    "audio-not-audio": ("text,audio\nhello,a-file\n", "it is not audio"),
    "duplicate": ("text,audio\nHello,ref.flac\nhello ,ref.flac\n", "already has"),
    "too-many-rows": ("text\n" + "".join(f"phrase {n}\n" for n in range(10_002)), "more than 10000 rows"),
}
"""CSVs to import from (written in the world, beside its ref.flac): what the one line says."""


@pytest.fixture(scope="module")
def csvs(world: World) -> Path:
    (world.root / "audio-link.wav").symlink_to(world.victim / "victim.wav")
    for name, (content, _) in CSVS.items():
        path = world.root / f"import-{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return world.root


@pytest.mark.parametrize("how", ["beside", "to"])
@pytest.mark.parametrize("name", sorted(CSVS))
def test_a_csv_that_cannot_be_imported_leaves_nothing(harness: Harness, world: World, csvs: Path, tmp_path: Path,
                                                      name: str, how: str) -> None:
    args = ["pack", "import", str(csvs / f"import-{name}.csv")] + (["--to", str(tmp_path / "new")] if how == "to" else [])
    before = Unchanged(world.root, world.victim, tmp_path)
    assert_refused(harness.run(args), CSVS[name][1])
    before.check()

"""Packs that cannot be used, given to every pack command: one line (problems listed above it), exit 2, pack unchanged.

``pack add`` checks the pack before it records, synthesizes or writes anything,
so a pack with errors is never half-extended; ``export`` writes no zip of it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile as sf

from tests.hostile.harness import Harness, Unchanged, assert_refused
from tests.hostile.world import PACK_TOML, SR, World, tone

GOOD = PACK_TOML.format(id="p", title="T", translation="t", audio="audio/hello.flac")


def _toml(text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / "pack.toml").write_text(text, encoding="utf-8")


def _replace_toml(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        (folder / "pack.toml").unlink()
        make(folder / "pack.toml")
    return build


def _audio(name: str, make: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        (folder / "audio" / "hello.flac").unlink()
        make(folder / "audio" / "hello.flac")
        _toml(GOOD)(folder)
    return build


def _rate(path: Path) -> None:
    sf.write(path, tone(1.0), SR, format="WAV", subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[24:32] = struct.pack("<II", 10_000_000, 20_000_000)
    path.write_bytes(bytes(data))


PACKS: dict[str, tuple[Callable[[Path], None], str]] = {
    # name: (what is done to a good pack folder, what the pack's problem says)
    "no-pack-toml": (lambda f: (f / "pack.toml").unlink(), "no pack.toml"),
    "empty": (_toml(""), "[pack] table"),
    "not-toml": (_toml("[pack\nid = "), "TOML syntax error"),
    "latin1": (lambda f: (f / "pack.toml").write_bytes(GOOD.encode().replace(b"title = \"T\"", b"title = \"\xe9\"")),
               "is not UTF-8 text"),
    "bom-garbage": (lambda f: (f / "pack.toml").write_bytes(b"\xef\xbb\xbf\x00\x01\x02"), "TOML syntax error"),
    "nested": (_toml(GOOD + "deep = " + "[" * 10_000 + "\n"), "nested too deeply"),
    "link-outside": (lambda f: _replace_toml(lambda p: p.symlink_to(f.parent.parent / "victim" / "victim.txt"))(f),
                     "is a symbolic link; it was not read"),
    "fifo": (_replace_toml(os.mkfifo), "is not a regular file"),
    "folder": (_replace_toml(lambda p: p.mkdir()), "is not a regular file (a folder)"),
    "huge": (_replace_toml(lambda p: p.write_bytes(b"# " + b"x" * (17 << 20))), "is more than 16 MB"),
    "no-pack-table": (_toml(GOOD.replace("[pack]", "[other]")), "[pack] table"),
    "pack-a-string": (_toml('pack = "p"\n' + GOOD.split("\n\n", 1)[1]), "[pack] table"),
    "id-dotdot": (_toml(GOOD.replace('id = "p"', 'id = "../../x"')), "is not a safe id"),
    "id-absolute": (_toml(GOOD.replace('id = "p"', 'id = "/etc"')), "is not a safe id"),
    "id-escape": (_toml(GOOD.replace('id = "p"', 'id = "\\u001b[2J"')), "is not a safe id"),
    "id-too-long": (_toml(GOOD.replace('id = "p"', f'id = "{"p" * 65}"')), "is longer than 64"),
    "language-newline": (_toml(GOOD.replace('language = "en-US"', 'language = "en-US\\n"')), "is not a BCP 47 language tag"),
    "language-empty": (_toml(GOOD.replace('language = "en-US"', 'language = ""')), "must be a non-empty string"),
    "title-a-list": (_toml(GOOD.replace('title = "T"', "title = [1, 2]")), "must be a non-empty string"),
    "phrases-not-tables": (_toml('phrase = "x"\n' + GOOD.split("[[phrase]]")[0]), "phrases must be [[phrase]] tables"),
    "duplicate-ids": (_toml(GOOD.replace('id = "bye"', 'id = "hello"')), "duplicate phrase id"),
    "audio-absolute": (_toml(GOOD.replace('"audio/hello.flac"', '"/etc/passwd"')), "is absolute"),
    "audio-dotdot": (_toml(GOOD.replace('"audio/hello.flac"', '"../../victim/victim.wav"')), "contains '..'"),
    "audio-nul": (_toml(GOOD.replace('"audio/hello.flac"', '"audio/\\u0000x.flac"')), "contains control characters"),
    "audio-link-outside": (_audio("link", lambda p: p.symlink_to(p.parents[3] / "victim" / "victim.wav")),
                           "resolves outside the pack"),
    "audio-missing": (lambda f: (f / "audio" / "hello.flac").unlink(), "is missing"),
    "audio-folder": (_audio("folder", lambda p: p.mkdir()), "is not a regular file"),
    "audio-fifo": (_audio("fifo", os.mkfifo), "is not a regular file"),
    "audio-garbage": (_audio("garbage", lambda p: p.write_bytes(b"fLaC" + bytes(5000))), "it is a FLAC file, but damaged"),
    "audio-not-audio": (_audio("text", lambda p: p.write_text("hello " * 500)), "it is not audio"),
    "audio-empty": (_audio("empty", lambda p: p.write_bytes(b"")), "is empty (0 bytes)"),
    "audio-10-mhz": (_audio("rate", _rate), "says its sample rate is 10000000 Hz"),
}
"""Packs with errors: (how a copy of a good pack is broken, what its problem says)."""


@pytest.fixture(scope="module")
def packs(world: World) -> Path:
    """One broken copy of the world's good pack per kind of damage, in the world."""
    folder = world.root / "packs-hostile"
    folder.mkdir(exist_ok=True)
    for name, (damage, _) in PACKS.items():
        pack = folder / name
        (pack / "audio").mkdir(parents=True)
        for audio in ("hello", "bye"):
            sf.write(os.fsencode(pack / "audio" / f"{audio}.flac"), tone(1.0), SR)
        _toml(GOOD)(pack)
        damage(pack)
    return folder


COMMANDS = {
    "validate": ["pack", "validate", "{pack}"],
    "show": ["pack", "show", "{pack}"],
    "show-json": ["pack", "show", "--json", "{pack}"],
    "add-tts": ["pack", "add", "{pack}", "brand new words"],
    "add-audio": ["pack", "add", "{pack}", "brand new words", "--audio", "{ref}"],
    "export": ["pack", "export", "{pack}", "{tmp}/out.zip"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(PACKS))
def test_a_pack_with_errors_is_refused_by_every_command_and_left_as_it_was(
        harness: Harness, world: World, packs: Path, tmp_path: Path, name: str, command: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    names = {"pack": str(packs / name), "ref": world.paths["ref"], "tmp": str(tmp_path)}
    ran = harness.run([arg.format(**names) for arg in COMMANDS[command]])
    assert_refused(ran)
    says = PACKS[name][1]
    assert says in ran.stdout + ran.stderr, (ran.stdout, ran.stderr)
    before.check()

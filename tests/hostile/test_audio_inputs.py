"""Audio files that cannot be used, given to every command that reads one: one line in our own words, exit 2.

Never libsndfile's text (``Error opening b'/full/path'``), never the notes its
MP3 decoder prints below Python, never a duration rounded onto its limit or a
rate taken from a damaged header.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.hostile.harness import Harness, Unchanged, assert_refused
from tests.hostile.world import SR, World, tone


def _wav(path: Path, samples: np.ndarray, rate: int = SR, subtype: str = "PCM_16") -> None:
    sf.write(path, samples, rate, subtype=subtype)


def _patched(path: Path, offset: int, value: bytes, base: Callable[[Path], None]) -> None:
    base(path)
    data = bytearray(path.read_bytes())
    data[offset : offset + len(value)] = value
    path.write_bytes(bytes(data))


def _aiff_rate(path: Path, rate_bytes: bytes) -> None:
    sf.write(path, tone(1.0), SR, format="AIFF")
    data = bytearray(path.read_bytes())
    at = data.find(b"COMM") + 16
    data[at : at + 10] = rate_bytes
    path.write_bytes(bytes(data))


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


GOOD_WAV = lambda path: _wav(path, tone(1.2))  # noqa: E731

AUDIO: dict[str, tuple[Callable[[Path], None], str]] = {
    # name: (how the file is made, what the one line must say)
    "empty.wav": (lambda p: _write(p, b""), "is empty (0 bytes)"),
    "text.wav": (lambda p: _write(p, b"hello, I am not audio\n" * 50), "it is not audio"),
    "random.flac": (lambda p: _write(p, np.random.default_rng(7).bytes(20_000)), "it is not audio"),
    "no-header.wav": (lambda p: _write(p, (tone(1.0) * 3000).astype(np.int16).tobytes()), "it is not audio"),
    "riff-not-wave.wav": (lambda p: _write(p, b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(200)), "it is not audio"),
    "header-only.wav": (lambda p: _write(p, b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00"
                                         + struct.pack("<IIHH", SR, SR * 2, 2, 16)), "it is a WAV file, but damaged"),
    "cut-header.wav": (lambda p: (GOOD_WAV(p), _write(p, p.read_bytes()[:30])), "it is a WAV file, but damaged"),
    "garbage.mp3": (lambda p: _write(p, b"\xff\xfb\x90\x64" + np.random.default_rng(2).bytes(6000)),
                    "it is an MP3 file whose frames are damaged"),
    "id3-only.mp3": (lambda p: _write(p, b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(30) + np.random.default_rng(3).bytes(4000)),
                     "it is an MP3 file whose frames are damaged"),
    "garbage.flac": (lambda p: _write(p, b"fLaC" + np.random.default_rng(4).bytes(3000)), "it is a FLAC file, but damaged"),
    "garbage.ogg": (lambda p: _write(p, b"OggS" + np.random.default_rng(5).bytes(3000)), "it is an OGG file, but damaged"),
    "garbage.aiff": (lambda p: _write(p, b"FORM\x00\x00\x10\x00AIFF" + np.random.default_rng(6).bytes(3000)),
                     "it is an AIFF file, but damaged"),
    "rate-10mhz.wav": (lambda p: _patched(p, 24, struct.pack("<II", 10_000_000, 20_000_000), GOOD_WAV),
                       "says its sample rate is 10000000 Hz"),
    "rate-1hz.wav": (lambda p: _patched(p, 24, struct.pack("<II", 1, 2), GOOD_WAV), "says its sample rate is 1 Hz"),
    "rate-zero.aiff": (lambda p: _aiff_rate(p, bytes(10)), "says its sample rate is 1 Hz"),
    "rate-huge.aiff": (lambda p: _aiff_rate(p, b"\x40\x3f" + b"\xff" * 8), "says its sample rate is"),
    "no-samples.wav": (lambda p: _wav(p, np.zeros(0, np.float32)), "is empty (0 samples)"),
    "nan.wav": (lambda p: _wav(p, np.r_[tone(0.5), [np.nan]].astype(np.float32), subtype="FLOAT"), "contains NaN or infinite"),
    "inf.wav": (lambda p: _wav(p, np.r_[tone(0.5), [np.inf]].astype(np.float32), subtype="FLOAT"), "contains NaN or infinite"),
    "huge-floats.wav": (lambda p: _wav(p, np.r_[tone(0.5), [1e30]].astype(np.float32), subtype="FLOAT"), "absurdly large"),
    "32-channels.wav": (lambda p: _wav(p, np.tile(tone(0.5)[:, None], (1, 32))), "has 32 channels"),
    "silent.wav": (lambda p: _wav(p, np.zeros(SR, np.float32)), "silent"),
}
"""Files that no command can use (a silent file is refused as a reference, and scored 0 as an attempt)."""

SPECIAL = {
    "missing.wav": ("not found", "does not exist"),
    "a-folder.wav": ("is a folder", "is a directory"),
    "fifo.wav": ("is a named pipe (FIFO), not a file", "is a named pipe (FIFO), not a file"),
    "link-to-zero.wav": ("is a device, not a file", "is a device, not a file"),
    "dangling.wav": ("not found", "does not exist"),
    "loop.wav": ("cannot open", "does not exist"),
}
"""Paths that are not audio files at all: (what read_audio says, what the command line says before reading)."""


@pytest.fixture(scope="module")
def audio(world: World) -> Path:
    """The hostile audio files, in the world."""
    folder = world.root / "audio-hostile"
    folder.mkdir(exist_ok=True)
    for name, (make, _) in AUDIO.items():
        make(folder / name)
    (folder / "a-folder.wav").mkdir(exist_ok=True)
    os.mkfifo(folder / "fifo.wav")
    (folder / "link-to-zero.wav").symlink_to("/dev/zero")
    (folder / "dangling.wav").symlink_to(world.victim / "nothing-here.wav")
    (folder / "loop.wav").symlink_to(folder / "loop.wav")
    _wav(folder / "long-31.wav", tone(30.1))
    _wav(folder / "long-121.wav", tone(121.0))
    return folder


def _copy_pack(world: World, tmp_path: Path) -> Path:
    return Path(shutil.copytree(world.paths["pack"], tmp_path / "pack"))


@pytest.mark.parametrize(("name", "role"), [(name, role) for name in sorted(AUDIO) for role in ("reference", "attempt")
                                             if (name, role) != ("silent.wav", "attempt")])  # a silent take scores 0
def test_an_unusable_file_to_score_is_one_line(harness: Harness, world: World, audio: Path, unchanged: Unchanged,
                                               name: str, role: str) -> None:
    pair = [str(audio / name), world.paths["ref"]]
    says = AUDIO[name][1]
    ran = harness.run(["score", *(pair if role == "reference" else pair[::-1])])
    assert_refused(ran, says)
    unchanged.check()


@pytest.mark.parametrize("name", sorted(AUDIO))
def test_an_unusable_file_as_a_pack_reference_is_one_line(harness: Harness, world: World, audio: Path, tmp_path: Path,
                                                          name: str) -> None:
    pack = _copy_pack(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["pack", "add", str(pack), "new phrase", "--audio", str(audio / name)])
    assert_refused(ran, "" if name == "silent.wav" else AUDIO[name][1])
    before.check()


@pytest.mark.parametrize("name", sorted(AUDIO))
def test_an_unusable_input_file_is_one_line(harness: Harness, world: World, audio: Path, tmp_path: Path, name: str) -> None:
    pack = _copy_pack(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--input-file", str(audio / name), "pack", "add", str(pack), "new phrase", "--record"], stdin="\n")
    assert_refused(ran, "silent" if name == "silent.wav" else AUDIO[name][1])
    before.check()


@pytest.mark.parametrize("name", sorted(SPECIAL))
@pytest.mark.parametrize("command", ["score", "pack-add", "input-file"])
def test_a_path_that_is_not_an_audio_file_is_one_line(harness: Harness, world: World, audio: Path, tmp_path: Path,
                                                      name: str, command: str) -> None:
    pack = _copy_pack(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    path = str(audio / name)
    args = {
        "score": ["score", world.paths["ref"], path],
        "pack-add": ["pack", "add", str(pack), "new phrase", "--audio", path],
        "input-file": ["--input-file", path, "pack", "add", str(pack), "new phrase", "--record"],
    }[command]
    ran = harness.run(args, stdin="\n")
    read_says, cli_says = SPECIAL[name]
    line = assert_refused(ran)
    assert read_says in line or cli_says in line
    before.check()


@pytest.mark.parametrize(("name", "role", "says"), [
    ("long-31.wav", "reference", "long-31.wav lasts 30.1 s, more than the 30 s limit"),
    ("long-121.wav", "attempt", "long-121.wav lasts 121 s, more than the 120 s limit"),
])
def test_a_long_file_says_how_long_it_really_is(harness: Harness, world: World, audio: Path, unchanged: Unchanged,
                                                name: str, role: str, says: str) -> None:
    pair = [str(audio / name), world.paths["ref"]]
    ran = harness.run(["score", *(pair if role == "reference" else pair[::-1])])
    assert_refused(ran, says)
    unchanged.check()


@pytest.mark.parametrize("name", ["long-31.wav", "rate-zero.aiff"])
def test_a_pack_reference_check_says_the_true_length_or_rate(harness: Harness, world: World, audio: Path, tmp_path: Path,
                                                             name: str) -> None:
    pack = _copy_pack(world, tmp_path)
    shutil.copy(audio / name, pack / "audio" / "bye.flac")
    ran = harness.run(["pack", "validate", str(pack)])
    if name == "long-31.wav":
        assert ran.code == 0 and "lasts 30.1 s, longer than 30 s" in ran.stdout, ran.stdout
    else:
        assert_refused(ran, "is not a valid pack")
        assert "says its sample rate is 1 Hz" in ran.stdout and "15386" not in ran.stdout

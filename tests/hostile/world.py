"""A folder of hostile inputs for CLI tests: bad packs, zips, manifests, databases, odd file names.

Everything lives under one ``world`` folder; ``victim`` beside it holds files an
attack would reach (``../victim/...``). :func:`snapshot` fingerprints a folder
(databases by their rows) so a test can show that nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.store.helpers import save, write_take
from tui.store import AttemptStore

SR = 16000
NON_UTF8 = os.fsdecode(b"caf\xe9")
"""A file-name stem that is not UTF-8 (Latin-1 'café'): Python holds it with a lone surrogate."""
PACK_TOML = """\
[pack]
id = "{id}"
title = "{title}"
language = "en-US"

[[phrase]]
id = "hello"
text = "hello world"
translation = "{translation}"
audio = "{audio}"

[[phrase]]
id = "bye"
text = "goodbye"
audio = "audio/bye.flac"
"""


def tone(seconds: float) -> np.ndarray:
    """A 220 Hz tone with a little noise (not silent, not clipped)."""
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)).astype(np.float32)


@dataclass(frozen=True)
class World:
    """Paths of the hostile world, by name (see :func:`build`)."""

    root: Path
    victim: Path
    paths: dict[str, str]

    def env(self) -> dict[str, str]:
        """Environment for a child ``pronounce``: every user folder inside the world."""
        home = self.root / "home"
        return {
            **os.environ,
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "PRONOUNCE_DATA_DIR": self.paths["data"],
            "COLUMNS": "100",
        }


def _pack(folder: Path, *, id: str = "world-pack", title: str = "World", translation: str = "hola",
          audio: str = "audio/hello.flac") -> Path:
    (folder / "audio").mkdir(parents=True)
    for name, seconds in (("hello", 1.0), ("bye", 0.6)):
        sf.write(os.fsencode(folder / "audio" / f"{name}.flac"), tone(seconds), SR)
    text = PACK_TOML.format(id=id, title=title, translation=translation, audio=audio)
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    return folder


def _zip(path: Path, entries: dict[str, bytes], *, link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as out:
        for name, data in entries.items():
            out.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            out.writestr(info, "../../victim/victim.txt")
    return path


def _entries(pack: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{p.relative_to(pack).as_posix()}": p.read_bytes() for p in sorted(pack.rglob("*")) if p.is_file()}


def mark_encrypted(path: Path) -> Path:
    """Set the 'encrypted' flag of every entry of the zip ``path``, in local headers and the central directory."""
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flags_at] |= 0x1
            start += 4
    path.write_bytes(bytes(data))
    return path


def _data_dir(folder: Path, victim: Path) -> tuple[Path, int]:
    """A store with three attempts, the second's score JSON broken, and a fourth row pointing at the victim (its id)."""
    with AttemptStore(folder) as store:
        for phrase in ("hello", "bye", "hello"):
            save(store, write_take(store.incoming_dir), pack="world-pack", phrase=phrase)
        store.reconcile()
    conn = sqlite3.connect(folder / "attempts.sqlite3")
    with conn:
        conn.execute("UPDATE attempts SET score_json = '{broken' WHERE id = 2")
        conn.execute(
            "INSERT INTO attempts (created_at, pack_id, pack_version, phrase_id, text, recorder, audio, duration,"
            " overall, accuracy, fluency, intonation, completeness, score_json, scorer_version)"
            " SELECT created_at, pack_id, pack_version, phrase_id, 'tampered \x1b[2J', recorder, ?,"
            " duration, overall, accuracy, fluency, intonation, completeness, score_json, scorer_version"
            " FROM attempts WHERE id = 1",
            (str(victim / "victim.wav"),),
        )
        tampered = conn.execute("SELECT max(id) FROM attempts").fetchone()[0]
    conn.close()
    return folder, int(tampered)


def build(base: Path) -> World:
    """Write the world under ``base`` (``base/world`` and ``base/victim``)."""
    root, victim = base / "world", base / "victim"
    root.mkdir()
    victim.mkdir()
    (victim / "victim.txt").write_text("keep me\n")
    sf.write(victim / "victim.wav", tone(0.5), SR)
    (root / "home").mkdir()
    p: dict[str, Path] = {}
    p["ref"] = root / "ref.flac"
    sf.write(p["ref"], tone(1.2), SR)
    p["utf8_audio"] = root / f"{NON_UTF8}.flac"
    shutil.copy(p["ref"], p["utf8_audio"])
    p["utf8_text"] = root / f"{NON_UTF8}.txt"
    p["utf8_text"].write_text("not audio")
    p["utf8_missing"] = root / f"{NON_UTF8}-gone.wav"
    p["a_file"] = root / "a-file"
    p["a_file"].write_text("I am a file, not a folder\n")
    p["fifo"] = root / "fifo.wav"
    os.mkfifo(p["fifo"])

    p["pack"] = _pack(root / "pack")
    p["pack_utf8"] = _pack(root / f"pack-{NON_UTF8}")
    p["pack_escape"] = _pack(root / "pack-escape", title="\\u001b]0;owned\\u0007\\u001b[2J Title",
                             translation="\\u202eevil\\u009b31m")
    for name, toml_id in (("pack_dotdot", "../../victim/x"), ("pack_abs", "/tmp/x"), ("pack_space", "a b")):
        p[name] = _pack(root / name.replace("_", "-"), id=toml_id)
    p["pack_escape_bad"] = _pack(root / "pack-escape-bad", id="\\u001b[2Jx", title="\\u009b31m")
    with open(p["pack_escape_bad"] / "pack.toml", "a", encoding="utf-8") as bad:
        bad.write('"\\u001b]0;owned\\u0007" = 1\n')
    p["pack_nul_audio"] = _pack(root / "pack-nul", audio="audio/\\u0000hello.flac")
    p["pack_nested"] = _pack(root / "pack-nested")
    with open(p["pack_nested"] / "pack.toml", "a", encoding="utf-8") as nested:
        nested.write("deep = " + "[" * 10_000 + "\n")
    p["pack_link"] = _pack(root / "pack-link")
    (p["pack_link"] / "pack.toml").unlink()
    (p["pack_link"] / "pack.toml").symlink_to(victim / "victim.txt")
    p["pack_latin1"] = _pack(root / "pack-latin1")
    (p["pack_latin1"] / "pack.toml").write_bytes((p["pack"] / "pack.toml").read_bytes().replace(b"hola", b"ol\xe9"))
    p["pack_bom"] = _pack(root / "pack-bom")
    (p["pack_bom"] / "pack.toml").write_bytes(b"\xef\xbb\xbf" + (p["pack"] / "pack.toml").read_bytes())

    good = _entries(p["pack"], "world-pack")
    p["zip_good"] = _zip(root / "good.zip", good)
    p["zip_dotdot_id"] = _zip(root / "dotdot-id.zip", _entries(p["pack_dotdot"], "p"))
    p["zip_abs_id"] = _zip(root / "abs-id.zip", _entries(p["pack_abs"], "p"))
    p["zip_slip"] = _zip(root / "slip.zip", {**good, "../../victim/slip.txt": b"x"})
    p["zip_link"] = _zip(root / "link.zip", good, link="world-pack/audio/link.flac")
    p["zip_deep"] = _zip(root / "deep.zip", {**good, "a/" * 2000 + "x.flac": b"x"})
    p["zip_encrypted"] = mark_encrypted(_zip(root / "encrypted.zip", good))
    p["zip_not"] = root / "not-a.zip"
    p["zip_not"].write_bytes(b"PK\x03\x04 but not really")

    p["csv_missing_audio"] = root / "missing-audio.csv"
    p["csv_missing_audio"].write_text("text,audio\nHello,gone.wav\n", encoding="utf-8")
    p["csv_duplicate"] = root / "duplicate.csv"
    p["csv_duplicate"].write_text("text,audio\nHello,ref.flac\nhello ,ref.flac\n", encoding="utf-8")
    p["csv_nul"] = root / "nul.csv"
    p["csv_nul"].write_bytes(b"text\nHel\x00lo\n")
    p["csv_escape"] = root / "escape.csv"
    p["csv_escape"].write_text("text,audio\nHello,../victim/victim.wav\n", encoding="utf-8")
    p["csv_good"] = root / "good.csv"
    p["csv_good"].write_text("text,audio\nHello there,ref.flac\n", encoding="utf-8")

    p["manifest"] = root / "manifest.csv"
    p["manifest"].write_text("id,reference,attempt\nr1,ref.flac,ref.flac\n", encoding="utf-8")
    p["manifest_bom"] = root / "manifest-bom.csv"
    p["manifest_bom"].write_bytes(b"\xef\xbb\xbf" + p["manifest"].read_bytes())
    p["manifest_latin1"] = root / "manifest-latin1.csv"
    p["manifest_latin1"].write_bytes(b"id,reference,attempt\nr1,ref.flac,caf\xe9.flac\n")
    p["manifest_columns"] = root / "manifest-columns.csv"
    p["manifest_columns"].write_text("\ufeffname,file\nx,ref.flac\n", encoding="utf-8")

    p["data"], tampered = _data_dir(root / "data", victim)
    p["db_negative"] = root / "db-negative"
    shutil.copytree(p["data"], p["db_negative"])
    conn = sqlite3.connect(p["db_negative"] / "attempts.sqlite3")
    conn.execute("PRAGMA user_version = -5")
    conn.close()
    p["db_garbage"] = root / "db-garbage"
    p["db_garbage"].mkdir()
    (p["db_garbage"] / "attempts.sqlite3").write_bytes(b"garbage " * 1000)
    paths = {name: str(path) for name, path in p.items()}
    paths["tampered_id"] = str(tampered)
    paths["world"] = str(root)
    return World(root, victim, paths)


def snapshot(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Relative path → fingerprint of every entry under ``folder``; SQLite databases by their rows.

    SQLite's ``-wal``/``-shm`` files and the top-level entries named in ``skip`` are left out. A file
    whose inode, size and change times (with its ``-wal``, for a database) are as at the last
    snapshot keeps its fingerprint without being read again: every write changes its ctime.
    """
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.name.endswith(("-wal", "-shm")) or relative.split(os.sep)[0] in skip:
            continue
        if path.is_symlink():
            found[relative] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[relative] = "dir"
        elif not path.is_file():
            found[relative] = "special"
        else:
            key = (str(path), _stat_key(path), _stat_key(path.with_name(path.name + "-wal")))
            if key not in _FINGERPRINTS:
                _FINGERPRINTS[key] = _fingerprint(path)
            found[relative] = _FINGERPRINTS[key]
    return found


_FINGERPRINTS: dict[tuple[str, tuple[int, ...], tuple[int, ...]], str] = {}


def _stat_key(path: Path) -> tuple[int, ...]:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ()
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _fingerprint(path: Path) -> str:
    """SHA-256 of a file, of a database's schema version and rows."""
    if path.name.endswith(".sqlite3") and path.read_bytes()[:16] == b"SQLite format 3\x00" and _readable_db(path):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = "\n".join(conn.iterdump())
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
        return hashlib.sha256(f"{version}\n{rows}".encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _readable_db(path: Path) -> bool:
    """Whether SQLite reads the database at ``path`` in place (a damaged one, or one with a linked or foreign
    companion file, is fingerprinted by its bytes instead: opening it could change it)."""
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.is_symlink() or (os.path.lexists(companion) and not companion.is_file()):
            return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return True

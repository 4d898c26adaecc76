"""Fixtures for pack tests: small packs written from TOML text, and a private cache folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 16000
VALID_TOML = """\
[pack]
id = "test-pack"
title = "Test pack"
language = "en-US"

[[phrase]]
id = "hello"
text = "hello world"
audio = "audio/hello.flac"
words = [
  { text = "hello", start = 0.1, end = 0.4 },
  { text = "world", start = 0.5, end = 0.9 },
]

[[phrase]]
id = "bye"
text = "goodbye"
translation = "adiós"
audio = "audio/bye.flac"
"""


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    """A 220 Hz tone of ``seconds`` at ``level`` peak."""
    t = np.arange(int(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep extracted .zip packs out of the user's cache."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


WritePack = Callable[..., Path]


@pytest.fixture
def write_pack(tmp_path: Path) -> WritePack:
    """Write ``pack.toml`` (text) and audio files (name → samples) into a new pack folder."""

    def write(toml: str = VALID_TOML, audio: dict[str, np.ndarray] | None = None, name: str = "pack") -> Path:
        root = tmp_path / name
        (root / "audio").mkdir(parents=True)
        (root / "pack.toml").write_text(toml, encoding="utf-8")
        files = {"audio/hello.flac": tone(1.0), "audio/bye.flac": tone(0.6)} if audio is None else audio
        for relative, samples in files.items():
            sf.write(root / relative, samples, SR)
        return root

    return write

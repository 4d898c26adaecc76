"""The one atomic-write helper: all or nothing, no temporary files left, shared file mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import AppConfig, ConfigError, save_config
from tui.fsio import atomic_output, atomic_write


def test_atomic_write_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "pack.toml"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and len(list(tmp_path.iterdir())) == 1
    assert target.stat().st_mode & 0o777 == 0o644


def test_failed_atomic_write_keeps_the_old_file_and_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "pack.toml"
    target.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(IsADirectoryError):
        atomic_write(target, b"new")
    assert target.is_dir() and [p.name for p in tmp_path.iterdir()] == ["pack.toml"]


def test_a_failing_writer_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as staged:
        staged.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failed_config_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.mkdir()
    with pytest.raises(ConfigError, match="cannot save settings"):
        save_config(AppConfig(), target)
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]

"""Settings out of range or unreadable: one message naming the file, the good settings kept, defaults for the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.config import AppConfig, ConfigError, load_config


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("auto_stop_seconds = -1\n", "'auto_stop_seconds' in {path} must be between 0.3 and 10.0 seconds, not -1.0"),
        ("auto_stop_seconds = 1e300\n", "'auto_stop_seconds' in {path} must be between"),
        ("auto_stop_seconds = nan\n", "'auto_stop_seconds' in {path} must be between"),
        ('input_device = "mic\\u001b]0;owned\\u0007"\n', "'input_device' in {path} is not a device name"),
        ("output_device = " + '"' + "x" * 300 + '"\n', "'output_device' in {path} is not a device name"),
    ],
)
def test_out_of_range_settings_are_refused_and_the_rest_kept(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text("shadowing = true\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert match.format(path=path) in str(caught.value)
    assert caught.value.usable == AppConfig(shadowing=True)


def test_every_bad_setting_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('auto_stop_seconds = 0\nauto_stop = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'auto_stop' .* must be a bool.*; setting 'auto_stop_seconds'"):
        load_config(path)


@pytest.mark.parametrize("data", [b"auto_stop = " + b"[" * 10_000, b"\xff\xfe", b"shadowing = tru"])
def test_unreadable_settings_give_the_defaults(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=f"cannot read settings {path}") as caught:
        load_config(path)
    assert caught.value.usable == AppConfig()


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbfauto_stop_seconds = 2\n")
    assert load_config(path) == AppConfig(auto_stop_seconds=2.0)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    with pytest.raises(ConfigError, match=r"is a named pipe \(FIFO\), not a regular file"):
        load_config(path)

"""Settings saved as TOML in the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import AppConfig, ConfigError, config_path, load_config, save_config


def test_settings_round_trip(tmp_path: Path) -> None:
    path = config_path(tmp_path)
    assert load_config(path) == AppConfig()
    chosen = AppConfig(input_device="USB mic", auto_stop=False, auto_stop_seconds=2)
    save_config(chosen, path)
    assert load_config(path) == chosen
    assert not list(tmp_path.glob(".config-*"))


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('auto_stop = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'auto_stop' .* must be a bool"):
        load_config(path)


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("auto_stop = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read settings"):
        load_config(path)

"""App settings (input and output device, auto-stop, shadowing), kept as TOML."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from tui.errors import PronounceError
from tui.fsio import atomic_write
from tui.paths import APP_NAME

CONFIG_NAME = "config.toml"


class ConfigError(PronounceError):
    """The settings file cannot be read or written."""


@dataclass(frozen=True)
class AppConfig:
    """What the user chose in the app.

    ``input_device``/``output_device`` are PortAudio device names ("" = system
    default); auto-stop ends a recording after ``auto_stop_seconds`` of trailing
    silence once something was said. ``server_url`` is the class server
    takes are uploaded to ("" = none; its token is kept apart, see
    :mod:`tui.client.login`), ``server_insecure`` skips its TLS check.
    """

    input_device: str = ""
    output_device: str = ""
    auto_stop: bool = True
    auto_stop_seconds: float = 1.2
    shadowing: bool = False
    server_url: str = ""
    server_insecure: bool = False

    def with_changes(self, **changes: Any) -> AppConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


def config_path(data_dir: Path | None = None) -> Path:
    """``<data_dir>/config.toml`` when a data dir was chosen, else the user config dir."""
    base = data_dir if data_dir is not None else Path(platformdirs.user_config_dir(APP_NAME))
    return base / CONFIG_NAME


def load_config(path: Path) -> AppConfig:
    """Read ``path``; a missing file gives the defaults, unknown keys are ignored.

    Raises
    ------
    ConfigError
        The file is not TOML or a value has the wrong type.
    """
    if not path.exists():
        return AppConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read settings {path}: {exc}", hint="fix or delete the file") from exc
    values: dict[str, Any] = {}
    for field in fields(AppConfig):
        if field.name not in data:
            continue
        value, default = data[field.name], getattr(AppConfig, field.name)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise ConfigError(
                f"setting {field.name!r} in {path} must be a {type(default).__name__}, not {value!r}",
                hint="fix or delete the file",
            )
        values[field.name] = value
    return AppConfig(**values)


def save_config(config: AppConfig, path: Path) -> None:
    """Write ``config`` to ``path`` atomically (temp file, fsync, rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, tomli_w.dumps(asdict(config)).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot save settings to {path}: {exc}", hint="check the folder's permissions") from exc

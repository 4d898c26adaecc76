"""App settings (input and output device, auto-stop, shadowing), kept as TOML."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from tui.errors import PronounceError
from tui.fsio import atomic_write
from tui.paths import APP_NAME
from tui.text import brief

CONFIG_NAME = "config.toml"


class ConfigError(PronounceError):
    """The settings file cannot be read or written, or holds a value out of range.

    ``usable`` is what to run with meanwhile: the file's valid settings, the
    defaults for the rest (all defaults when the file cannot be read).
    """

    def __init__(self, message: str, *, hint: str = "", usable: AppConfig | None = None) -> None:
        super().__init__(message, hint=hint)
        self.usable = usable if usable is not None else AppConfig()


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
    daily_goal: int = 10
    order: str = "pack"
    server_url: str = ""
    server_insecure: bool = False

    def with_changes(self, **changes: Any) -> AppConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


AUTO_STOP_RANGE = (0.3, 10.0)
"""Seconds of trailing silence before auto-stop: shorter cuts words off, longer is no auto-stop at all."""
MAX_DEVICE_NAME = 256
DAILY_GOAL_RANGE = (1, 500)
"""Takes a day the goal may ask for."""
ORDERS = ("pack", "due")
"""How the phrase list may be ordered: as the pack lists them, or most urgent first."""


def config_path(data_dir: Path | None = None) -> Path:
    """``<data_dir>/config.toml`` when a data dir was chosen, else the user config dir."""
    base = data_dir if data_dir is not None else Path(platformdirs.user_config_dir(APP_NAME))
    return base / CONFIG_NAME


def load_config(path: Path) -> AppConfig:
    """Read ``path``; a missing file gives the defaults, unknown keys are ignored.

    Raises
    ------
    ConfigError
        The file is not UTF-8 TOML, or a value has the wrong type or is out of
        range; the message names the file and the first bad setting, and
        ``usable`` keeps the good ones.
    """
    if not path.exists():
        return AppConfig()
    if not path.is_file():
        raise ConfigError(f"settings {path} is not a regular file", hint="delete it; pronounce writes a new one")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"cannot read settings {path}: {exc or 'nested too deeply'}",
                          hint="fix or delete the file; the defaults are used meanwhile") from exc
    values: dict[str, Any] = {}
    problems = []
    for field in fields(AppConfig):
        if field.name not in data:
            continue
        value, default = data[field.name], getattr(AppConfig, field.name)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            problems.append(f"setting {field.name!r} in {path} must be a {type(default).__name__}, not {brief(value)}")
        elif problem := _out_of_range(field.name, value):
            problems.append(f"setting {field.name!r} in {path} {problem}")
        else:
            values[field.name] = value
    if problems:
        raise ConfigError("; ".join(problems), hint="fix or delete the file; the defaults are used for these meanwhile",
                          usable=AppConfig(**values))
    return AppConfig(**values)


def _out_of_range(name: str, value: Any) -> str | None:
    """Why a well-typed setting is unusable, or None."""
    if name == "auto_stop_seconds":
        low, high = AUTO_STOP_RANGE
        if not low <= value <= high:
            return f"must be between {low} and {high} seconds, not {value}"
    if name == "daily_goal" and not DAILY_GOAL_RANGE[0] <= value <= DAILY_GOAL_RANGE[1]:
        return f"must be between {DAILY_GOAL_RANGE[0]} and {DAILY_GOAL_RANGE[1]} takes, not {value}"
    if name == "order" and value not in ORDERS:
        return f"must be one of {', '.join(repr(o) for o in ORDERS)}, not {brief(value)}"
    device = name in ("input_device", "output_device")
    if device and (len(value) > MAX_DEVICE_NAME or any(unicodedata.category(c) == "Cc" for c in value)):
        return f"is not a device name ({brief(value)})"
    return None


def save_config(config: AppConfig, path: Path) -> None:
    """Write ``config`` to ``path`` atomically (temp file, fsync, rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, tomli_w.dumps(asdict(config)).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot save settings to {path}: {exc}", hint="check the folder's permissions") from exc

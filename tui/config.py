"""App settings (input and output device, auto-stop, shadowing), kept as TOML."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
import tomli_w

from tui.errors import PronounceError
from tui.fsio import NotAFileError, atomic_write, read_regular
from tui.paths import APP_NAME
from tui.text import brief

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 1 << 20
"""A settings file is a few hundred bytes; a larger one is not ours."""


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


MAX_URL = 2000
"""Longest server address: real ones are a few dozen characters."""


def server_url_problem(url: str) -> str | None:
    """Why ``url`` is not a class server address ``http(s)://host[:port][/path]``, or None when it is one.

    Strict: no spaces, control, bidirectional or invisible characters anywhere
    (not even a trailing newline), a port in ASCII digits from 1 to 65535, no
    user name, query or fragment.
    """
    if len(url) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    if any(unicodedata.category(char)[0] in "CZ" for char in url):
        return "holds a space, a control or an invisible character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535"
        return f"does not parse ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http:// or https:// address with a host"
    if parts.username is not None or parts.query or parts.fragment or url.endswith(("?", "#")):
        return "has a user name, query or fragment"
    digits = parts.netloc.rpartition("]")[2].rpartition(":")[2] if ":" in parts.netloc.rpartition("]")[2] else ""
    if port is not None and not (digits.isascii() and digits.isdigit() and 1 <= port <= 65535):
        return f"has the port {digits!r}; a port is a number from 1 to 65535"
    return None


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
    try:
        data = tomllib.loads(read_regular(path, limit=MAX_CONFIG_BYTES).decode("utf-8-sig"))
    except FileNotFoundError:
        return AppConfig()
    except NotAFileError as exc:
        raise ConfigError(f"settings {path} is {exc.kind}, not a regular file",
                          hint="delete it; pronounce writes a new one") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read settings {path}: {exc.strerror or exc}",
                          hint="fix or delete the file; the defaults are used meanwhile") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
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
    if name == "server_url" and value and (problem := server_url_problem(value)):
        return f"{problem} ({brief(value)})"
    return None


def save_config(config: AppConfig, path: Path) -> None:
    """Write ``config`` to ``path`` atomically (temp file, fsync, rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, tomli_w.dumps(asdict(config)).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot save settings to {path}: {exc}", hint="check the folder's permissions") from exc

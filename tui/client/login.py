"""Which class server takes go to: its URL in the settings, its token in a file only the user can read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tui.config import config_path, load_config, save_config, server_url_problem
from tui.errors import ClassroomError
from tui.fsio import NotAFileError, atomic_write, read_regular
from tui.text import brief

TOKEN_FILE = "server-token"
TOKEN_MODE = 0o600
MAX_TOKEN = 200


@dataclass(frozen=True)
class Login:
    """Where to upload and with what token.

    Attributes
    ----------
    url : str
        The server's base URL, ``http(s)://host[:port]`` without a trailing slash.
    token : str
        The learner token the teacher handed out.
    insecure : bool
        Skip TLS certificate checks (only when asked for with ``--insecure``).
    """

    url: str
    token: str
    insecure: bool = False


def normalise_url(url: str) -> str:
    """``url`` checked (see :func:`tui.config.server_url_problem`) and without a trailing slash.

    Raises
    ------
    ClassroomError
        Not an http(s) URL with a host and a valid port, or with spaces,
        control characters, a user name, query or fragment.
    """
    if problem := server_url_problem(url):
        raise ClassroomError(f"{brief(url)} is not a server address: it {problem}",
                             hint="give it as http://HOST:PORT or https://HOST")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def check_token(token: str) -> str:
    """``token`` itself; :class:`ClassroomError` when empty, too long, or not printable ASCII without spaces."""
    if not token or len(token) > MAX_TOKEN or not token.isascii() or not token.isprintable() or " " in token:
        raise ClassroomError("that does not look like a token", hint="copy the whole token the teacher gave you")
    return token


def token_path(data_dir: Path) -> Path:
    """The token file, beside the settings file."""
    return config_path(data_dir).parent / TOKEN_FILE


def load_login(data_dir: Path) -> Login | None:
    """The saved login, None when not logged in.

    Raises
    ------
    ClassroomError
        The token file exists but cannot be read.
    """
    config = load_config(config_path(data_dir))
    path = token_path(data_dir)
    if not config.server_url:
        return None
    try:
        token = read_regular(path, limit=MAX_TOKEN + 2).decode("ascii").strip()
        check_token(token)
    except FileNotFoundError:
        return None
    except NotAFileError as exc:
        raise ClassroomError(f"the server token {path} is {exc.kind}, not a file",
                             hint="remove it and run `pronounce login URL TOKEN` again") from exc
    except (OSError, UnicodeDecodeError, ClassroomError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it does not hold a token"
        raise ClassroomError(f"cannot read the server token {path}: {why}",
                             hint="run `pronounce login URL TOKEN` again") from exc
    return Login(config.server_url, token, config.server_insecure)


def save_login(data_dir: Path, login: Login) -> None:
    """Keep ``login``: the token in a mode-0600 file (written atomically), the URL in the settings."""
    path = token_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, login.token.encode("ascii"), mode=TOKEN_MODE)
    except OSError as exc:
        raise ClassroomError(f"cannot save the server token to {path}: {exc.strerror or exc}",
                             hint="check the folder's permissions, or pass another --data-dir") from exc
    settings = config_path(data_dir)
    save_config(load_config(settings).with_changes(server_url=login.url, server_insecure=login.insecure), settings)


def clear_login(data_dir: Path) -> bool:
    """Forget the server and its token; whether there was a login."""
    settings = config_path(data_dir)
    config = load_config(settings)
    path = token_path(data_dir)
    had = bool(config.server_url) or path.exists()
    if config.server_url or config.server_insecure:
        save_config(config.with_changes(server_url="", server_insecure=False), settings)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ClassroomError(f"cannot remove the server token {path}: {exc.strerror}", hint="remove the file by hand") from exc
    return had

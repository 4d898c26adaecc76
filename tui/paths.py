"""Where pronounce keeps its data: attempts database, recordings, config."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from tui.errors import PronounceError

APP_NAME = "pronounce"
DATA_DIR_ENV = "PRONOUNCE_DATA_DIR"
CACHE_DIR_ENV = "PRONOUNCE_CACHE_DIR"
LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
DEMO_PACK = LESSONS_DIR / "en-basics"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``override``, else ``$PRONOUNCE_DATA_DIR``, else the user data dir.

    Raises
    ------
    PronounceError
        ``override`` is empty (it would name the current folder), or the path
        starts with ``~user`` for a user that does not exist.
    """
    if override is not None and not os.fspath(override).strip():
        raise PronounceError("--data-dir is empty", hint="give the folder for attempts and recordings, e.g. --data-dir ~/pronounce")
    chosen = override or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    try:
        return Path(chosen).expanduser()
    except RuntimeError as exc:  # "~someone" naming no user
        raise PronounceError(
            f"the data dir {os.fsdecode(chosen)!r} starts with an unknown user's home folder",
            hint="give a full path, or ~/… for your own home folder",
        ) from exc


def cache_dir() -> Path:
    """The cache folder (things made again when lost, e.g. slowed references): ``$PRONOUNCE_CACHE_DIR``, else the user cache dir."""
    return Path(os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir(APP_NAME)).expanduser()

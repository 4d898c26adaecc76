"""Reading ``pack.toml`` safely, and finding the line of a table or key in it.

``pack.toml`` is opened without following a symbolic link (a link could make a
pack show another file's first line in an error), only when it is a regular
file of a sane size; a UTF-8 byte-order mark is accepted. It is parsed with
rtoml (Rust): ten times faster than the standard library's pure-Python
:mod:`tomllib`, which took 2 s for a 10,000-phrase pack. :class:`TomlLines`
maps tables and keys to line numbers in one pass, because parsers give no
positions.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path
from typing import Any

import rtoml

from tui.fsio import NotAFileError, read_regular

MAX_TOML_BYTES = 16 * 1024 * 1024
"""A 10,000-phrase pack with word timings is about 3 MB; larger files are not packs."""


class TomlFileError(Exception):
    """``pack.toml`` cannot be used; ``str(exc)`` says why, ``hint`` what to do, ``line`` where (or None)."""

    def __init__(self, message: str, hint: str, line: int | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.line = line


def read_text(path: Path) -> str:
    """The text of ``path``, refusing links, non-regular files, huge files and non-UTF-8.

    Raises
    ------
    FileNotFoundError
        There is no such file.
    TomlFileError
        It is a symbolic link, a folder, pipe or device, too large, unreadable, or not UTF-8.
    """
    try:
        data = read_regular(path, limit=MAX_TOML_BYTES, follow=False)
    except FileNotFoundError:
        raise
    except NotAFileError as exc:
        raise TomlFileError(f"{path.name} is not a regular file ({exc.kind})", f"make {path.name} a plain text file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise TomlFileError(f"{path.name} is a symbolic link; it was not read",
                                "put the file itself in the pack folder, not a link to it") from exc
        if exc.errno == errno.EFBIG:
            raise TomlFileError(f"{path.name} is more than {MAX_TOML_BYTES // 2**20} MB", "split it into several packs") from exc
        raise TomlFileError(f"cannot read {path.name}: {exc.strerror}", "check the file's permissions") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TomlFileError(f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                            "save it as UTF-8 text", line) from exc


def parse(source: str) -> dict[str, Any]:
    """Parse TOML text.

    Raises
    ------
    TomlFileError
        A syntax error (with its line) or nesting too deep to parse.
    """
    try:
        data = rtoml.loads(source)
    except rtoml.TomlParsingError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        if "recursion" in str(exc):
            raise TomlFileError("arrays or tables are nested too deeply to read",
                                "a pack nests at most a list of word tables; remove the extra brackets", line) from exc
        raise TomlFileError(f"TOML syntax error: {exc}",
                            "fix the syntax (strings in double quotes, one key = value per line)", line) from exc
    return dict(data)


class TomlLines:
    """Line numbers of tables and keys in TOML source, found in one pass.

    Each ``[name]`` or ``[[name]]`` header opens a block that runs until the
    next header that is not one of its sub-tables (``[name.sub]``); a key's
    line is the first line of its block that assigns it.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
    _KEY = re.compile(r"""^\s*["']?([A-Za-z0-9_\-]+)["']?\s*=""")

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self._tables: dict[str, list[int]] = {}
        self._keys: dict[int, dict[str, int]] = {}
        self._top: dict[str, int] = {}
        block: dict[str, int] | None = None
        owner = ""
        for number, line in enumerate(self.lines, 1):
            header = self._HEADER.match(line)
            if header:
                name = header.group(2)
                self._top.setdefault(name.split(".")[0], number)
                if block is not None and name.startswith(owner + "."):
                    continue
                self._tables.setdefault(name, []).append(number)
                block, owner = self._keys.setdefault(number, {}), name
                continue
            key = self._KEY.match(line)
            if key:
                (self._top if block is None else block).setdefault(key.group(1), number)

    def top(self, name: str) -> int | None:
        """Line of the top-level key ``name``, or of the first table header named after it."""
        return self._top.get(name)

    def table(self, name: str, index: int = 0) -> int | None:
        """Line of the ``index``-th ``[name]`` / ``[[name]]`` header."""
        found = self._tables.get(name, [])
        return found[index] if index < len(found) else None

    def key(self, table: str, index: int, key: str) -> int | None:
        """Line of ``key = ...`` inside the ``index``-th ``table`` (else the table's line)."""
        start = self.table(table, index)
        if start is None:
            return None
        return self._keys[start].get(key, start)

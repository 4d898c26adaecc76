"""What the CLI prints and writes: untrusted text made safe, output files that never clobber an input.

Text from packs, the database and file names (which may not even be UTF-8)
reaches the terminal only through :func:`shown`; JSON through :func:`safe_json`.
Output files are refused when they are, or lie inside, one of the command's
inputs, and are written atomically (:func:`output_file`).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from click._termui_impl import ProgressBar

from tui.errors import PronounceError
from tui.fsio import NotAFileError, output, output_target, resolved
from tui.text import printable

_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)} | {
    ord(char): f"\\u{ord(char):04x}" for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
}
"""Characters ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal may act on (DEL, C1, bidi)."""


class OutputError(PronounceError):
    """An output file would overwrite an input, or cannot be written."""


def shown(value: object, *, single_line: bool = True) -> str:
    """``value`` as text safe for a terminal (see :func:`tui.text.printable`), on one line by default.

    File names that are not UTF-8 hold lone surrogates (``\\udcff``), which no
    terminal encoding accepts; they are shown as that escape.
    """
    return printable(str(value), single_line=single_line)


def safe_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with DEL, C1 and bidi controls as ``\\uXXXX``.

    The data is unchanged (a JSON parser reads the same strings back); only the
    characters a terminal could act on are written as escapes.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_JSON_ESCAPES)


class InputGuard:
    """Refuses an output that is one of the command's inputs or lies inside an input folder, one input at a time.

    Inputs can be checked as they are read (a streamed manifest): each costs
    one ``stat``. Files are compared by identity, so a hard link or another
    spelling of an input is caught too.
    """

    def __init__(self, out: Path, *, what: str = "the output") -> None:
        self.out, self.what = out, what
        self.target = output_target(out)
        try:
            info = os.stat(self.target)
            self.identity: tuple[int, int] | None = (info.st_dev, info.st_ino)
        except OSError:
            self.identity = None

    def check(self, source: Path) -> None:
        """Raise :class:`OutputError` when the output would overwrite ``source`` or land inside it."""
        try:
            info = os.stat(source)
        except (OSError, ValueError):
            return  # a missing input fails on its own, with its own message
        same = self.identity == (info.st_dev, info.st_ino)
        if same or (stat.S_ISDIR(info.st_mode) and self.target.is_relative_to(resolved(source))):
            where = "is" if same else "is inside"
            raise OutputError(
                f"{self.what} {shown(self.out)} {where} the input {shown(source)}; nothing was written",
                hint="choose an output path outside the inputs",
            )


def refuse_overlap(out: Path, inputs: Iterable[Path], *, what: str = "the output") -> None:
    """Refuse ``out`` when it is one of ``inputs`` or lies inside an input folder (see :class:`InputGuard`).

    Raises
    ------
    OutputError
        Naming the input that would be overwritten.
    """
    guard = InputGuard(out, what=what)
    for source in inputs:
        guard.check(source)


@contextmanager
def output_file(out: Path) -> Iterator[Path]:
    """Yield the path to write ``out``'s content to; it becomes ``out`` only when the block succeeds.

    See :func:`tui.fsio.output`: a failure, Ctrl+C or a stop signal leaves the
    old file and no temporary; a device or a pipe being read is written directly.

    Raises
    ------
    OutputError
        ``out`` is a folder, a pipe nobody reads, lies under a file, or cannot
        be written (permission, read-only, disk full).
    """
    try:
        with output(out) as target:
            yield target
    except NotAFileError as exc:
        raise OutputError(f"cannot write {shown(out)}: it is {exc.kind}",
                          hint="give the name of a file (a pipe only once something reads it); nothing was written") from exc
    except OSError as exc:
        raise _unwritable(out, exc) from exc


def progress(length: int, label: str) -> ProgressBar[int]:
    """A progress bar on stderr when it is a terminal; elsewhere (a log, a pipe) nothing at all is printed."""
    return click.progressbar(length=length, label=label, file=sys.stderr, hidden=not sys.stderr.isatty(), show_pos=True)


def _unwritable(out: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {shown(out)}: {exc.strerror or exc}",
                       hint="choose a writable folder with free space; nothing was written")

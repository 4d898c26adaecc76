"""What the CLI prints and writes: untrusted text made safe, output files that never clobber an input.

Text from packs, the database and file names (which may not even be UTF-8)
reaches the terminal only through :func:`shown`; JSON through :func:`safe_json`.
Output files are refused when they are, or lie inside, one of the command's
inputs, and are written atomically (:func:`output_file`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.errors import PronounceError
from tui.fsio import atomic_output
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


def refuse_overlap(out: Path, inputs: Iterable[Path], *, what: str = "the output") -> None:
    """Refuse ``out`` when it is one of ``inputs`` or lies inside an input folder.

    Raises
    ------
    OutputError
        Naming the input that would be overwritten.
    """
    target = out.resolve()
    for source in inputs:
        resolved = source.resolve()
        same = target == resolved or (target.exists() and resolved.exists() and os.path.samefile(target, resolved))
        if same or (resolved.is_dir() and target.is_relative_to(resolved)):
            where = "is" if same else "is inside"
            raise OutputError(
                f"{what} {shown(out)} {where} the input {shown(source)}; nothing was written",
                hint="choose an output path outside the inputs",
            )


@contextmanager
def output_file(out: Path) -> Iterator[Path]:
    """Yield the path to write ``out``'s content to; it becomes ``out`` only when the block succeeds.

    A new or regular file is written atomically (a failure leaves the old file
    and no temporary); missing folders are created. An existing device or pipe
    (``/dev/stdout``) is written directly. The temporary file is made before
    the block runs, so a long job does not fail at its end for an unwritable
    folder.

    Raises
    ------
    OutputError
        ``out`` is a folder or lies under a file, or cannot be written
        (permission, read-only, disk full).
    """
    try:
        mode = os.stat(out).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _unwritable(out, exc) from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {shown(out)}: it is a folder", hint="give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        try:
            yield out
        except OSError as exc:
            raise _unwritable(out, exc) from exc
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(out) as staged:
            yield staged
    except OSError as exc:
        raise _unwritable(out, exc) from exc


def _unwritable(out: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {shown(out)}: {exc.strerror or exc}",
                       hint="choose a writable folder with free space; nothing was written")

"""While the app runs, the terminal is Textual's alone; what C libraries print goes to a log file.

Textual draws each frame as the difference from the one before, written to
file descriptor 2. Two other writers shared that descriptor: importing
sounddevice (and rescanning devices) points fd 2 at ``/dev/null`` while
PortAudio starts, so a frame Textual wrote meanwhile was lost and the screen
kept what it showed before (the phrase list's scores stayed "new" after a
restart, a phrase change never reached the main pane); and ALSA prints lines
such as "underrun occurred" over the picture. :func:`own_terminal` gives Textual
a descriptor of its own on the terminal and points fd 2 at ``pronounce.log`` in
the data dir until the app ends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

LOG_NAME = "pronounce.log"
"""In the data dir: what the sound libraries and Python's warnings printed during the last run of the app."""


@contextmanager
def own_terminal(data_dir: Path) -> Iterator[TextIO | None]:
    """A file on the terminal for Textual alone, with fd 2 sent to ``data_dir/pronounce.log`` meanwhile.

    Yields None, changing nothing, when stderr is not a terminal. The log is
    started afresh each run; when it cannot be written, fd 2 goes to
    ``/dev/null``. fd 2 is the terminal again when the block ends, however it ends.
    """
    if not os.isatty(2):
        yield None
        return
    stream = sys.__stderr__
    terminal: TextIO = open(  # noqa: SIM115  (closed when the block ends)
        os.dup(2), "w", buffering=1 << 16, encoding=stream.encoding if stream else "utf-8", errors="replace"
    )  # Textual flushes each frame: no flush at every line
    log = _open_log(data_dir / LOG_NAME)
    saved = os.dup(2)
    sys.stderr.flush()
    os.dup2(log, 2)
    os.close(log)
    try:
        yield terminal
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
        terminal.close()


def _open_log(path: Path) -> int:
    """A descriptor writing to ``path`` (created, emptied), else to ``/dev/null``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)

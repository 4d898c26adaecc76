"""Run ``pronounce`` in this process as a user runs it, and check what a refused or odd input must leave.

Most hostile cases need no process of their own: click's runner calls the same
``cli`` the console script calls, with its own arguments, standard input,
environment and working folder, and pytest's descriptor capture sees what C
libraries write below Python. A case that hangs (a pipe opened for reading) is
stopped by an alarm and fails. Cases where the process boundary matters
(signals, tracebacks at exit, libraries a command loads) run ``python -m tui``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner

from tests.hostile.world import snapshot
from tui.cli import cli

TIMEOUT_S = 60
LIBRARY_WORDS = ("Error opening", "b'/", 'b"/', "possibly a pipe", "Note: ", "libsndfile", "RuntimeWarning",
                 "Traceback", "Exception ignored")
"""Text that only a library (or a crash) prints: never part of what pronounce says."""


@dataclass(frozen=True)
class Ran:
    """What one run printed and how it ended.

    ``below`` is what reached descriptors 1 and 2 without passing through
    Python (a C library's notes); ``trace`` the traceback of an exception that
    escaped the command ("" when none did).
    """

    code: int
    stdout: str
    stderr: str
    below: str
    trace: str

    def errors(self) -> list[str]:
        """The stderr lines that are not notes or warnings."""
        return [line for line in self.stderr.splitlines() if not line.startswith(("pronounce: note: ", "pronounce: warning: "))]


class Timeout(Exception):
    """A run took longer than :data:`TIMEOUT_S`: something blocked."""


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Timeout(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def user_env(home: Path, data: Path) -> dict[str, str]:
    """The environment of a user whose every folder lies under ``home``, with ``data`` as the data dir."""
    return {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PRONOUNCE_DATA_DIR": str(data),
        "COLUMNS": "100",
        "TZ": "UTC",
    }


class Harness:
    """Runs ``pronounce`` in-process with a user's environment, folder and capture of the descriptors."""

    def __init__(self, capfd: pytest.CaptureFixture[str], env: Mapping[str, str], cwd: Path) -> None:
        self.capfd, self.env, self.cwd = capfd, dict(env), cwd

    def run(self, args: Sequence[str], *, stdin: str = "", env: Mapping[str, str | None] | None = None) -> Ran:
        """``pronounce ARGS`` with ``stdin``; ``env`` adds to (or, with None, removes from) the user's environment."""
        self.capfd.readouterr()
        merged = {**self.env, **(env or {})}
        with chdir(self.cwd), _alarm(TIMEOUT_S):
            result = CliRunner().invoke(cli, list(args), input=stdin, env=merged, prog_name="pronounce")
        below = self.capfd.readouterr()
        trace = ""
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
        return Ran(result.exit_code, result.stdout, result.stderr, below.out + below.err, trace)


def printed_safely(text: str) -> bool:
    """No character a terminal acts on: C0 controls but newline, DEL, C1, bidi overrides."""
    return not any((ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) < 0xA0 or 0x202A <= ord(c) <= 0x202E
                   or 0x2066 <= ord(c) <= 0x2069 for c in text)


def assert_refused(ran: Ran, says: str = "", *, code: int = 2) -> str:
    """One ``pronounce: error: what — what to do`` line, exit ``code``, no traceback, no library noise; the line."""
    assert not ran.trace, ran.trace
    assert ran.code == code, (ran.code, ran.stderr, ran.stdout)
    errors = ran.errors()
    assert len(errors) == 1 and errors[0].startswith("pronounce: error: "), ran.stderr
    assert " — " in errors[0], "every error says what to do"
    assert says in errors[0], errors[0]
    printed = ran.stdout + ran.stderr + ran.below
    assert not any(word in printed for word in LIBRARY_WORDS), printed
    assert ran.below == "", ran.below
    assert printed_safely(printed), printed
    return errors[0]


def assert_worked(ran: Ran, *, code: int = 0) -> None:
    """Exit ``code``, no traceback, no library noise, nothing a terminal would act on."""
    assert not ran.trace, ran.trace
    assert ran.code == code, (ran.code, ran.stderr, ran.stdout)
    printed = ran.stdout + ran.stderr + ran.below
    assert not any(word in printed for word in LIBRARY_WORDS), printed
    assert printed_safely(printed), printed


def strict_json(text: str) -> object:
    """``json.loads`` that refuses ``NaN`` and ``Infinity`` (which are not JSON)."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


class Unchanged:
    """Fingerprints of folders before a run, to show after it that nothing in them changed."""

    def __init__(self, *folders: Path, skip: tuple[str, ...] = ("home",)) -> None:
        self.folders, self.skip = folders, skip
        self.before = self._now()

    def _now(self) -> list[dict[str, str]]:
        return [snapshot(folder, skip=self.skip) for folder in self.folders]

    def check(self, *, except_: Sequence[Path] = ()) -> None:
        """Every entry is as it was, but those at or under the paths in ``except_``."""
        after = self._now()
        for folder, old, new in zip(self.folders, self.before, after):
            ignored = [str(Path(p).relative_to(folder)) for p in except_ if Path(p).is_relative_to(folder)]
            keep = {k: v for k, v in old.items() if not _under(k, ignored)}
            now = {k: v for k, v in new.items() if not _under(k, ignored)}
            assert now == keep, _difference(keep, now)


def _under(relative: str, ignored: list[str]) -> bool:
    return any(relative == i or relative.startswith(i + os.sep) for i in ignored)


def _difference(old: dict[str, str], new: dict[str, str]) -> str:
    changed = sorted(k for k in old.keys() & new.keys() if old[k] != new[k])
    return f"gone {sorted(old.keys() - new.keys())}, new {sorted(new.keys() - old.keys())}, changed {changed}"


PYTHON = sys.executable

"""Checking a pack's reference audio: the path first (never leaving the pack), then the file.

Each distinct path is checked once per pack, however many phrases use it. The
file's header gives its duration and readability (fast: the app's start-up);
decoding it as well finds corrupt samples and silence (``pack validate``,
authoring).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from tui.audio.files import audio_duration, format_seconds, read_audio
from tui.errors import AudioFormatError
from tui.text import brief

AUDIO_SUFFIXES = (".flac", ".wav", ".ogg")
MAX_AUDIO_SECONDS = 30.0
"""References longer than this get a warning."""
MAX_DECODE_SECONDS = 600.0
"""References longer than this are an error, found from the header without decoding them."""
SILENCE_DBFS = -60.0
"""Reference audio whose RMS stays below this level counts as silent."""
_INSIDE_HINT = 'use a path inside the pack, e.g. audio = "audio/hello.flac"'
_REEXPORT = "re-export it as FLAC, WAV or OGG"

Finding = tuple[str, str, str]
"""(severity, message, hint): ``severity`` is ``"error"`` or ``"warning"``."""


@dataclass(frozen=True)
class Reference:
    """What checking one ``audio = "..."`` value found.

    Attributes
    ----------
    path : Path or None
        The resolved file, or None when it cannot be used (an error is among the findings).
    duration : float
        Seconds (0 when unknown).
    findings : tuple of Finding
        Errors and warnings about it.
    """

    path: Path | None
    duration: float = 0.0
    findings: tuple[Finding, ...] = field(default_factory=tuple)


class ReferenceChecker:
    """Checks the reference paths of one pack, each distinct one once.

    Parameters
    ----------
    root : Path
        The pack folder.
    decode : bool
        Decode each file (corrupt samples, silence) rather than read its header only.
    """

    def __init__(self, root: Path, *, decode: bool) -> None:
        self.root = root
        self.decode = decode
        self._resolved_root: Path | None = None
        self._seen: dict[str, Reference] = {}

    def check(self, relative: str) -> Reference:
        """The :class:`Reference` for the pack-relative path ``relative``."""
        if relative not in self._seen:
            self._seen[relative] = self._check(relative)
        return self._seen[relative]

    def _check(self, relative: str) -> Reference:
        name = brief(relative)
        if any(unicodedata.category(char) == "Cc" for char in relative):
            return _refused(f"audio path {name} contains control characters", _INSIDE_HINT)
        posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
        if posix.is_absolute() or windows.is_absolute() or windows.drive or relative.startswith(("/", "\\")):
            return _refused(f"audio path {name} is absolute", _INSIDE_HINT)
        if ".." in posix.parts or ".." in windows.parts:
            return _refused(f"audio path {name} contains '..'", _INSIDE_HINT)
        try:
            if self._resolved_root is None:
                self._resolved_root = self.root.resolve()
            path = (self._resolved_root / relative).resolve()
            inside, regular = path.is_relative_to(self._resolved_root), path.is_file()
        except (OSError, ValueError) as exc:
            return _refused(f"audio path {name} cannot be used: {exc}", _INSIDE_HINT)
        if not inside:
            return _refused(f"audio path {name} resolves outside the pack (a symlink?)",
                            "copy the file into the pack instead of linking to it")
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            return _refused(f"audio {name} is not FLAC, WAV or OGG",
                            "convert it, or add it with `pronounce pack add --audio FILE`, which converts")
        if not regular:
            missing = "is not a regular file" if path.exists() else "is missing"
            return _refused(f"audio file {name} {missing}",
                            "put the file there, or fix the path (relative to the pack folder)")
        duration, findings = (_decoded if self.decode else _from_header)(path, f"audio {name}")
        usable = not any(severity == "error" for severity, _, _ in findings)
        return Reference(path if usable else None, duration, tuple(findings))


def _refused(message: str, hint: str) -> Reference:
    return Reference(None, 0.0, (("error", message, hint),))


def _from_header(path: Path, name: str) -> tuple[float, list[Finding]]:
    """Duration and problems of the reference ``name`` from its header alone (no decoding: fast start-up)."""
    try:
        duration = audio_duration(path, what=name)
    except AudioFormatError as exc:
        return 0.0, [("error", exc.message, _REEXPORT)]
    return _length_findings(duration, name)


def _decoded(path: Path, name: str) -> tuple[float, list[Finding]]:
    """Duration and problems of the reference ``name``, decoding it to check its samples and level."""
    try:
        samples, samplerate = read_audio(path, what=name, max_seconds=MAX_DECODE_SECONDS)
    except AudioFormatError as exc:
        return 0.0, [("error", exc.message, _REEXPORT)]
    duration, findings = _length_findings(len(samples) / samplerate, name)
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if not np.isfinite(rms) or 20 * math.log10(max(rms, 1e-12)) < SILENCE_DBFS:
        findings.append(("warning", f"{name} is silent", "record or synthesize the reference again"))
    return duration, findings


def _length_findings(duration: float, name: str) -> tuple[float, list[Finding]]:
    if duration > MAX_DECODE_SECONDS:
        return duration, [("error", f"{name} lasts {format_seconds(duration, MAX_DECODE_SECONDS)} s, "
                                    f"more than {MAX_DECODE_SECONDS:g} s", "a reference is one phrase: cut it")]
    if duration > MAX_AUDIO_SECONDS:
        return duration, [("warning", f"{name} lasts {format_seconds(duration, MAX_AUDIO_SECONDS)} s, "
                                      f"longer than {MAX_AUDIO_SECONDS:g} s",
                           "split the phrase: long references are hard to practise and slow to score")]
    return duration, []

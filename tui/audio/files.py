"""Reading audio files: the one reader every part of pronounce uses, with one set of errors in our own words.

An error says what the file is (a folder, an empty file, something that is not
audio, a damaged FLAC, a WAV whose header claims 10 MHz) and what was expected,
never libsndfile's text (``Error opening b'/full/path'``). Files are opened
here, without blocking, and handed to libsndfile as open files; what its MP3
decoder prints below Python is kept off the terminal (see :mod:`tui.audio.quiet`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
import soxr

from tui.audio.quiet import library_output_hidden
from tui.errors import AudioFormatError
from tui.fsio import kind_of

READ_HINT = "use a WAV, FLAC, OGG or MP3 file that plays in other programs"
REEXPORT_HINT = "export or record the file again"
MAX_SAMPLE = 1e6
"""Float files may exceed full scale (±1) a little; magnitudes beyond this are corrupt data, not sound."""
RATE_RANGE = (4000, 768_000)
"""Sample rates (Hz) of real audio files; a header outside them is damaged (an AIFF whose rate reads 0 or 1 Hz)."""
MAX_CHANNELS = 8
_SIGNATURES = (
    (b"RIFF", b"WAVE", "WAV"), (b"RIFX", b"WAVE", "WAV"), (b"RF64", b"WAVE", "WAV"), (b"FORM", b"AIFF", "AIFF"),
    (b"FORM", b"AIFC", "AIFF"), (b"fLaC", b"", "FLAC"), (b"OggS", b"", "OGG"), (b"ID3", b"", "MP3"),
    (b".snd", b"", "AU"), (b"caff", b"", "CAF"),
)
"""How a file starts (and what its bytes 8-11 say), by format: enough to say what a file that cannot be decoded is."""
_UNSUPPORTED = 4
"""libsndfile's code for an encoding it cannot decode (``SF_ERR_UNSUPPORTED_ENCODING``)."""


def format_seconds(seconds: float, limit: float) -> str:
    """``seconds`` with as many decimals as it takes to differ from ``limit`` (30.1 s, never "30 s" over a 30 s limit)."""
    for digits in range(4):
        text = f"{seconds:.{digits}f}"
        if seconds <= limit or float(text) > limit:
            return text
    return repr(seconds)


def read_audio(
    path: str | os.PathLike[str], *, what: str | None = None, max_seconds: float | None = None
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 frames × channels, as stored.

    Only regular files are opened (a FIFO or device would block or never end),
    and the length, rate and channels are checked from the header before
    anything is decoded, so an hour-long file costs nothing.

    Parameters
    ----------
    path : path-like
        Any file libsndfile reads (WAV, FLAC, OGG, MP3, AIFF...).
    what : str, optional
        How error messages name the file [default: ``audio file <path>``].
    max_seconds : float, optional
        Refuse longer files.

    Returns
    -------
    samples : np.ndarray [shape=(n, channels)], float32
    samplerate : int

    Raises
    ------
    AudioFormatError
        When the file is missing, not a regular file, empty, not audio,
        damaged, has an impossible rate or too many channels, is too long, or
        holds NaN, infinite or absurdly large samples.
    """
    source = Path(path)
    name = what or f"audio file {source}"
    with _open(source, name) as handle:
        kind = _kind(handle)
        try:
            with library_output_hidden():
                info = sf.info(handle)
                _check_header(info, name, max_seconds)
                handle.seek(0)
                samples, rate = sf.read(handle, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError, EOFError) as exc:
            raise _undecodable(exc, name, kind) from exc
    if samples.shape[0] == 0:
        raise AudioFormatError(f"{name} is empty (0 samples)", hint="record or choose another file")
    if not np.isfinite(samples).all():
        raise AudioFormatError(f"{name} contains NaN or infinite samples", hint="re-export the file")
    if float(np.max(np.abs(samples))) > MAX_SAMPLE:
        raise AudioFormatError(f"{name} holds absurdly large samples (corrupt float data)", hint="re-export the file")
    return samples, int(rate)


def audio_duration(path: str | os.PathLike[str], *, what: str | None = None) -> float:
    """Seconds of audio in the file at ``path``, from its header alone (nothing is decoded).

    Raises
    ------
    AudioFormatError
        As :func:`read_audio` does for what its header shows; a file with no
        samples too.
    """
    source = Path(path)
    name = what or f"audio file {source}"
    with _open(source, name) as handle:
        kind = _kind(handle)
        try:
            with library_output_hidden():
                info = sf.info(handle)
        except (sf.LibsndfileError, RuntimeError, OSError, EOFError) as exc:
            raise _undecodable(exc, name, kind) from exc
    _check_header(info, name, None)
    if info.frames <= 0:
        raise AudioFormatError(f"{name} is empty (0 samples)", hint="record or choose another file")
    return float(info.frames / info.samplerate)


def _open(source: Path, name: str) -> BinaryIO:
    """``source`` opened for reading, if it is a regular file with something in it."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise AudioFormatError(f"{name} not found", hint="check the path") from exc
    except IsADirectoryError as exc:
        raise AudioFormatError(f"{name} is a folder, not a file", hint="give an audio file") from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "the path is not usable"
        raise AudioFormatError(f"cannot open {name}: {reason}", hint="check the path and its permissions") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        os.close(fd)
        if info.st_size == 0 and stat.S_ISREG(info.st_mode):
            raise AudioFormatError(f"{name} is empty (0 bytes)", hint="record or choose another file")
        raise AudioFormatError(f"{name} is {kind_of(info.st_mode)}, not a file",
                               hint="give an audio file, not a folder, pipe or device")
    return os.fdopen(fd, "rb")


def _kind(handle: BinaryIO) -> str:
    """The format the file's first bytes announce ("" when none we know)."""
    start = handle.read(16)
    handle.seek(0)
    for signature, form, kind in _SIGNATURES:
        if start.startswith(signature) and start[8:12].startswith(form):
            return kind
    if _mpeg_frame(start[:4]):
        return "MP3"
    return ""


def _mpeg_frame(header: bytes) -> bool:
    """Whether four bytes are an MPEG audio frame header: sync, a defined version, layer, bit rate and rate."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 0b11, (header[1] >> 1) & 0b11
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and rate != 0b11


def _check_header(info: Any, name: str, max_seconds: float | None) -> None:
    low, high = RATE_RANGE
    if not low <= info.samplerate <= high:
        raise AudioFormatError(f"{name} says its sample rate is {info.samplerate} Hz; audio files use {low}–{high} Hz",
                               hint=f"its header is damaged: {REEXPORT_HINT}")
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise AudioFormatError(f"{name} has {info.channels} channels; expected mono or stereo (at most {MAX_CHANNELS})",
                               hint="mix it down to mono or stereo")
    duration = info.frames / info.samplerate
    if max_seconds is not None and duration > max_seconds:
        raise AudioFormatError(
            f"{name} lasts {format_seconds(duration, max_seconds)} s, more than the {max_seconds:g} s limit",
            hint="cut it to the phrase you practise",
        )


def _undecodable(exc: Exception, name: str, kind: str) -> AudioFormatError:
    """What a file libsndfile could not decode is, in our words."""
    code = getattr(exc, "code", None)
    if not kind:
        return AudioFormatError(f"cannot read {name}: it is not audio (it does not start like a WAV, FLAC, OGG, MP3 "
                                "or AIFF file)", hint=READ_HINT)
    article = "an" if kind[0] in "AEIMOU" else "a"  # an MP3, an OGG, an AIFF; a WAV, a FLAC
    if code == _UNSUPPORTED:
        why = f"it is {article} {kind} file in an encoding pronounce cannot decode"
    elif kind == "MP3":
        why = "it is an MP3 file whose frames are damaged"
    else:
        why = f"it is {article} {kind} file, but damaged or cut short"
    return AudioFormatError(f"cannot read {name}: {why}", hint=READ_HINT)


def load_audio(
    path: str | os.PathLike[str],
    *,
    samplerate: int | None = None,
    mono: bool = True,
    what: str | None = None,
    max_seconds: float | None = None,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples, optionally downmixed and resampled.

    Parameters
    ----------
    path : path-like
        Any file :func:`read_audio` reads.
    samplerate : int, optional
        Resample to this rate in Hz; the file's own rate by default.
    mono : bool
        Average the channels into one.
    what : str, optional
        How error messages name the file.
    max_seconds : float, optional
        Refuse longer files, before decoding them.

    Returns
    -------
    samples : np.ndarray [shape=(n,) if mono else (n, channels)], float32
    samplerate : int

    Raises
    ------
    AudioFormatError
        See :func:`read_audio`.
    """
    samples, rate = read_audio(path, what=what, max_seconds=max_seconds)
    if mono:
        samples = samples.mean(axis=1, dtype=np.float32)
    if samplerate is not None and samplerate != rate:
        samples = soxr.resample(samples, rate, samplerate).astype(np.float32, copy=False)
        rate = samplerate
    return samples, rate

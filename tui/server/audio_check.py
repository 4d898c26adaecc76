"""What an uploaded recording must be before the server stores it: audio a scorer can use.

The web node decodes every take once before it keeps it (a few milliseconds
for a phrase), so audio that cannot be scored — not audio, cut short, a
sample rate no microphone records, too short or too long to be a phrase —
is refused at upload with the reason, and never stored with a score of 0.
Replies never quote libsndfile's own messages: they name the server's files.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui.server.errors import ApiError

MIN_TAKE_SECONDS = 0.3
"""Shorter than this is no phrase (the scorer needs 0.2 s of speech)."""
MAX_TAKE_SECONDS = 60.0
MIN_RATE, MAX_RATE = 8000, 192_000
MAX_CHANNELS = 8
MAGIC = {b"RIFF": ".wav", b"fLaC": ".flac", b"OggS": ".ogg"}
AUDIO_HINT = "record the take again; the app saves FLAC, and WAV or OGG work too"
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
"""A WAV written as a stream may leave its sizes at these: libsndfile then reads to the end of the file."""


@dataclass(frozen=True)
class TakeAudio:
    """A recording that passed :func:`check_take`: its file suffix and length."""

    suffix: str
    duration: float


def sniff(path: Path) -> str | None:
    """The file suffix its first bytes announce (``.wav``, ``.flac``, ``.ogg``), None for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    suffix = MAGIC.get(head[:4])
    if suffix == ".wav" and head[8:12] != b"WAVE":
        return None
    return suffix


def wav_cut_short(path: Path) -> bool:
    """Whether a RIFF/WAVE file holds fewer bytes than its header announces (libsndfile reads such a file quietly)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(12)
        riff = struct.unpack("<I", head[4:8])[0]
        if riff not in _UNKNOWN_SIZES and riff + 8 > size:
            return True
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return False
            name, length = chunk[:4], struct.unpack("<I", chunk[4:8])[0]
            if name == b"data":
                return length not in _UNKNOWN_SIZES and handle.tell() + length > size
            handle.seek(length + (length & 1), os.SEEK_CUR)


def _refuse(message: str) -> ApiError:
    return ApiError(422, message, hint=AUDIO_HINT)


def check_take(path: Path) -> TakeAudio:
    """Check that the received file at ``path`` is a take the server can score; decode it to its end.

    Raises
    ------
    ApiError
        415 when it is not FLAC, WAV or OGG or cannot be opened as audio;
        422 when it is cut short, its sample rate or channels are not a
        microphone's, it holds no samples, invalid samples, or lasts less than
        :data:`MIN_TAKE_SECONDS` or more than :data:`MAX_TAKE_SECONDS`.
    """
    import soundfile as sf

    suffix = sniff(path)
    if suffix is None:
        raise ApiError(415, "the audio is not FLAC, WAV or OGG", hint="send the recording as the app saves it")
    try:
        info = sf.info(os.fsencode(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise ApiError(415, "the audio cannot be decoded", hint="send the recording as the app saves it") from exc
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise _refuse(f"the recording's sample rate is {info.samplerate} Hz; a microphone records {MIN_RATE:,} to {MAX_RATE:,} Hz")
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise _refuse(f"the recording has {info.channels} channels; a take has 1 to {MAX_CHANNELS}")
    if info.duration > MAX_TAKE_SECONDS:
        raise _refuse(f"the take lasts {info.duration:.0f} s; a take lasts at most {MAX_TAKE_SECONDS:.0f} s")
    if suffix == ".wav" and wav_cut_short(path):
        raise _refuse("the WAV file is cut short: it holds less audio than its header announces")
    try:
        samples, rate = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise _refuse("the recording cannot be decoded to its end: it is cut short or damaged") from exc
    if 0 < info.frames != samples.shape[0] and suffix != ".ogg":
        raise _refuse("the recording is cut short: it holds less audio than its header announces")
    duration = samples.shape[0] / rate
    if duration < MIN_TAKE_SECONDS:
        raise _refuse(f"the take lasts {duration:.2f} s; a phrase takes at least {MIN_TAKE_SECONDS} s")
    if not np.isfinite(samples).all():
        raise _refuse("the recording holds samples that are not numbers")
    return TakeAudio(suffix, duration)

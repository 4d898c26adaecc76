"""A teacher's own recording attached to feedback: checked, decoded in a worker process and kept as FLAC.

The browser records with MediaRecorder and hands the server WAV (the page
decodes the recorder's WebM/Opus with the browser's own decoder, since
libsndfile, which the learner's app plays with, reads no WebM); an uploaded
file may be WAV, FLAC, OGG or MP3. Whatever arrives is decoded by a scoring
worker (the embedded pool's process or a Dask worker: a hostile file can
crash a decoder, never the web node), mixed to mono, limited in length, and
encoded as 16-bit FLAC, which both the browser and the learner's app play.
Like a scoring job, the task carries bytes both ways, so a worker on another
machine needs no shared folder.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

MAX_CLIP_SECONDS = 30.0
MIN_CLIP_SECONDS = 0.2
MAX_CLIP_BYTES = 8 * 1024 * 1024
MIN_RATE, MAX_RATE = 8000, 48000
CLIP_HINT = "record up to 30 s in the page, or attach a WAV, FLAC, OGG or MP3 file"
_MAGIC = {b"RIFF": ".wav", b"fLaC": ".flac", b"OggS": ".ogg", b"ID3\x03": ".mp3", b"ID3\x04": ".mp3"}


@dataclass(frozen=True)
class Clip:
    """What converting a recording gave: the FLAC and its length in seconds, or why it was refused (HTTP status, reason, hint)."""

    flac: bytes = b""
    seconds: float = 0.0
    status: int = 0
    error: str = ""
    hint: str = ""


def clip_kind(data: bytes) -> str | None:
    """The format the first bytes announce (``.wav``, ``.flac``, ``.ogg``, ``.mp3``), None for anything else."""
    head = data[:12]
    kind = _MAGIC.get(head[:4])
    if kind == ".wav" and head[8:12] != b"WAVE":
        return None
    if kind is None and len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return ".mp3"  # an MPEG audio frame without an ID3 tag
    return kind


def convert_clip(data: bytes) -> Clip:
    """Decode ``data`` and encode it as mono 16-bit FLAC (a worker's task; never raises for bad input).

    Returns
    -------
    Clip
        ``flac`` and ``seconds`` set, or ``status`` 415 (not audio) or 422
        (too long, too short, silent, an unusable sample rate).
    """
    kind = clip_kind(data)
    if kind is None:
        return Clip(status=415, error="the recording is not WAV, FLAC, OGG or MP3 audio", hint=CLIP_HINT)
    handle, name = tempfile.mkstemp(prefix="pronounce-clip-", suffix=kind)
    try:
        with os.fdopen(handle, "wb") as staged:
            staged.write(data)
        return _convert(name)
    finally:
        os.unlink(name)


def _convert(path: str) -> Clip:
    import io

    import numpy as np
    import soundfile as sf

    from tui.audio.files import load_audio
    from tui.errors import AudioFormatError

    try:
        rate = int(sf.info(path).samplerate)
    except (sf.LibsndfileError, RuntimeError) as exc:
        return Clip(status=415, error=f"the recording cannot be decoded ({exc})", hint=CLIP_HINT)
    if not MIN_RATE <= rate <= 4 * MAX_RATE:
        return Clip(status=422, error=f"the recording's sample rate of {rate} Hz is not one of a voice recording", hint=CLIP_HINT)
    try:
        samples, rate = load_audio(path, samplerate=min(rate, MAX_RATE), what="the recording", max_seconds=MAX_CLIP_SECONDS)
    except AudioFormatError as exc:
        return Clip(status=422, error=exc.message, hint=CLIP_HINT)
    seconds = samples.shape[0] / rate
    if seconds > MAX_CLIP_SECONDS + 0.5:  # a header may understate the length; the decoded samples do not
        return Clip(status=422, error=f"the recording lasts {seconds:.0f} s, more than {MAX_CLIP_SECONDS:.0f} s", hint=CLIP_HINT)
    if seconds < MIN_CLIP_SECONDS:
        return Clip(status=422, error=f"the recording lasts {seconds:.2f} s: too short to hear", hint=CLIP_HINT)
    peak = float(np.max(np.abs(samples)))
    if peak < 1e-4:
        return Clip(status=422, error="the recording is silent", hint="check the microphone and record again")
    if peak > 1.0:
        samples = samples / peak
    out = io.BytesIO()
    sf.write(out, samples, rate, format="FLAC", subtype="PCM_16")
    return Clip(flac=out.getvalue(), seconds=seconds)

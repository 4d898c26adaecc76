"""What a scoring job is and the functions it runs, in a local process or on a Dask worker alike.

A job carries bytes, not paths: the take as uploaded and the reference it is
scored against (the published pack's recording of the phrase, or the one
espeak-ng made from its text on the web node), with the phrase's words, text
and language. A worker therefore needs only pronounce installed and a route to
the scheduler — no shared folder, no database. Each worker keeps the
references it prepared (keyed by their content), so a class practising one
pack prepares each phrase once per worker.

:func:`score_take` is the task: it calls the engine through :func:`prepared`
(the one place the server prepares a phrase) and :func:`tui.scoring.compare`,
and never raises for bad input: it answers why the take cannot be scored.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui.errors import AudioFormatError, PronounceError
from tui.scoring import PreparedReference, compare, pitch_track, prepare_phrase
from tui.scoring.score import Score
from tui.speech.types import WordTiming

REFERENCE_CACHE = 256
"""Prepared references a worker keeps."""


@dataclass(frozen=True)
class ReferenceSpec:
    """What a take is scored against.

    Attributes
    ----------
    text, lang : str
        The phrase and its BCP 47 language.
    audio : Path or None
        A published pack's reference audio; None to synthesize one from ``text``.
    words : tuple of WordTiming
        The pack's word boundaries (empty: derived from the text).
    """

    text: str
    lang: str
    audio: Path | None = None
    words: tuple[WordTiming, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ScoreJob:
    """Everything a worker needs to score one take.

    Attributes
    ----------
    take : bytes
        The recording as uploaded (FLAC, WAV or OGG).
    reference : bytes
        The reference recording.
    reference_key : str
        A digest of the reference, its words, text and language: the worker's cache key.
    words : tuple of WordTiming
        Word boundaries in the reference (empty: derived from the text).
    text, lang : str
        The phrase and its language.
    """

    take: bytes
    reference: bytes
    reference_key: str
    words: tuple[WordTiming, ...]
    text: str
    lang: str

    @classmethod
    def make(cls, take: bytes, reference: bytes, words: tuple[WordTiming, ...], text: str, lang: str) -> ScoreJob:
        """A job, its reference key computed from what it holds."""
        digest = hashlib.sha256(reference)
        digest.update(json.dumps([[[w.text, w.start, w.end] for w in words], text, lang.lower()]).encode())
        return cls(take=take, reference=reference, reference_key=digest.hexdigest(), words=words, text=text, lang=lang)


@dataclass(frozen=True)
class Scored:
    """A worker's answer: the score and the seconds of audio, or why the take cannot be scored."""

    score: Score | None = None
    duration: float = 0.0
    error: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Contours:
    """Pitch of a reference and a take, for the attempt page's chart (seconds, Hz with NaN where unvoiced)."""

    ref_times: np.ndarray
    ref_f0: np.ndarray
    take_times: np.ndarray
    take_f0: np.ndarray


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """Audio bytes as float32 frames × channels and their rate, read exactly as :func:`tui.audio.files.read_audio` reads a file.

    Raises
    ------
    AudioFormatError
        libsndfile cannot decode them.
    """
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioFormatError("the audio cannot be decoded", hint="send a FLAC, WAV or OGG recording") from exc
    return samples, int(rate)


_cache: OrderedDict[str, PreparedReference] = OrderedDict()
_cache_lock = threading.Lock()


def prepared(job: ScoreJob) -> PreparedReference:
    """The job's reference, prepared by the engine (once per worker and reference).

    This is the one call from the server into the engine's phrase preparation.

    Raises
    ------
    PronounceError
        The reference cannot be decoded or analysed.
    """
    with _cache_lock:
        found = _cache.get(job.reference_key)
        if found is not None:
            _cache.move_to_end(job.reference_key)
            return found
    audio = decode(job.reference)
    made = prepare_phrase(job.text, lang=job.lang, audio=audio, words=job.words)
    with _cache_lock:
        _cache[job.reference_key] = made
        while len(_cache) > REFERENCE_CACHE:
            _cache.popitem(last=False)
    return made


def score_take(job: ScoreJob) -> Scored:
    """Score one take (the task a worker runs); bad input is an answer with ``error`` set, never an exception."""
    try:
        reference = prepared(job)
    except PronounceError as exc:
        return Scored(error=f"the server cannot use the reference of this phrase: {exc.message}",
                      hint="tell the teacher: the published pack may need fixing")
    try:
        samples, rate = decode(job.take)
        score = compare(reference, (samples, rate))
    except AudioFormatError as exc:
        return Scored(error=f"the take cannot be scored: {exc.message}", hint=exc.hint or "record the phrase again")
    except PronounceError as exc:
        return Scored(error=f"the take cannot be scored: {exc.message}", hint=exc.hint or "tell the teacher")
    return Scored(score=score, duration=samples.shape[0] / rate)


def pitch_contours(take: bytes, reference: bytes) -> Contours:
    """Pitch of the reference and of the take (a task, like :func:`score_take`)."""
    ref_samples, ref_rate = decode(reference)
    take_samples, take_rate = decode(take)
    ref_times, ref_f0 = pitch_track(ref_samples, ref_rate)
    take_times, take_f0 = pitch_track(take_samples, take_rate)
    return Contours(ref_times, ref_f0, take_times, take_f0)


def warm() -> bool:
    """Load the scorer's modules (a worker runs this once, before the first take arrives)."""
    import tui.scoring.comparison  # noqa: F401

    return True

"""Server-side scoring, in a pool of worker processes so uploads and pages never wait on the CPU.

Each take is scored by :func:`tui.scoring.compare` against the published
pack's reference when the server has that phrase, else against a reference
that espeak-ng synthesizes from the phrase text (kept in ``references/`` and
reused). Prepared references are cached in each worker.

Worker processes are spawned (not forked: the server runs threads) and ignore
SIGINT/SIGTERM: the server decides when they stop, after in-flight work ends.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from tui.errors import AudioFormatError, PronounceError, TTSError
from tui.scoring import PreparedReference, compare, pitch_track, prepare_phrase
from tui.scoring.score import Score
from tui.server.clips import Clip, convert_clip
from tui.server.errors import ApiError
from tui.speech.types import WordTiming

MAX_TAKE_SECONDS = 60.0
REFERENCE_CACHE = 256
_MAGIC = {b"RIFF": ".wav", b"fLaC": ".flac", b"OggS": ".ogg"}
T = TypeVar("T")


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


@dataclass(frozen=True)
class Scored:
    """A worker's answer: the score and what it used, or why the take cannot be scored."""

    score: Score | None = None
    duration: float = 0.0
    reference: Path | None = None
    status: int = 0
    error: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Contours:
    """Pitch of a reference and a take, for the attempt page's chart (seconds, Hz with NaN where unvoiced)."""

    ref_times: np.ndarray
    ref_f0: np.ndarray
    take_times: np.ndarray
    take_f0: np.ndarray


def sniff(path: Path) -> str | None:
    """The file suffix its first bytes announce (``.wav``, ``.flac``, ``.ogg``), None for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    suffix = _MAGIC.get(head[:4])
    if suffix == ".wav" and head[8:12] != b"WAVE":
        return None
    return suffix


def tts_reference(spec: ReferenceSpec, folder: Path) -> tuple[Path, tuple[WordTiming, ...]]:
    """The synthesized reference of ``spec`` in ``folder`` (made once, atomically) and its word timings."""
    import soundfile as sf

    from tui.fsio import atomic_output, atomic_write
    from tui.speech.tts import synthesize

    name = hashlib.sha256(f"{spec.lang.lower()}\n{spec.text}".encode()).hexdigest()[:32]
    audio, words_file = folder / f"{name}.wav", folder / f"{name}.json"
    if not (audio.is_file() and words_file.is_file()):
        spoken = synthesize(spec.text, lang=spec.lang.lower())
        atomic_write(words_file, json.dumps([w.to_dict() for w in spoken.words]).encode())
        with atomic_output(audio) as staged:
            sf.write(staged, spoken.samples, spoken.samplerate, format="WAV", subtype="PCM_16")
    words = tuple(WordTiming(w["text"], float(w["start"]), float(w["end"])) for w in json.loads(words_file.read_text()))
    return audio, words


@functools.lru_cache(maxsize=REFERENCE_CACHE)
def _prepared(audio: Path, words: tuple[WordTiming, ...], text: str, lang: str, mtime_ns: int) -> PreparedReference:
    """The analysed reference, cached per file version (``mtime_ns``)."""
    return prepare_phrase(text, lang=lang, audio=audio, words=words)


def score_take(take: Path, spec: ReferenceSpec, references_dir: Path) -> Scored:
    """Score the take at ``take`` (runs in a worker process; never raises for bad input).

    Returns
    -------
    Scored
        With ``score`` set, or with ``status`` 415 (not readable audio), 422
        (readable but not scoreable: too long, empty, no speech to align) or
        500/503 (the server cannot make or read the reference).
    """
    import soundfile as sf

    from tui.audio.files import read_audio

    try:
        sf.info(str(take))
    except (sf.LibsndfileError, RuntimeError) as exc:
        return Scored(status=415, error=f"the audio cannot be decoded ({exc})", hint="send a FLAC, WAV or OGG recording")
    try:
        samples, rate = read_audio(take, what="the take", max_seconds=MAX_TAKE_SECONDS)
    except AudioFormatError as exc:
        return Scored(status=422, error=exc.message, hint=exc.hint)
    try:
        if spec.audio is None:
            reference, words = tts_reference(spec, references_dir)
        else:
            reference, words = spec.audio, spec.words
        prepared = _prepared(reference, words, spec.text, spec.lang, reference.stat().st_mtime_ns)
    except TTSError as exc:
        return Scored(status=422, error=f"cannot make a reference for this phrase: {exc.message}", hint=exc.hint)
    except (PronounceError, OSError) as exc:
        return Scored(status=500, error=f"the server cannot use the reference: {exc}", hint="tell the teacher")
    try:
        score = compare(prepared, (samples, rate))
    except AudioFormatError as exc:
        return Scored(status=422, error=exc.message, hint=exc.hint)
    except PronounceError as exc:
        return Scored(status=500, error=f"the server cannot score: {exc.message}", hint=exc.hint or "tell the teacher")
    return Scored(score=score, duration=samples.shape[0] / rate, reference=reference)


def pitch_contours(take: Path, reference: Path) -> Contours:
    """Pitch of the reference and of the take (runs in a worker process)."""
    from tui.audio.files import load_audio

    ref_times, ref_f0 = pitch_track(*load_audio(reference, max_seconds=MAX_TAKE_SECONDS))
    take_times, take_f0 = pitch_track(*load_audio(take, max_seconds=MAX_TAKE_SECONDS))
    return Contours(ref_times, ref_f0, take_times, take_f0)


def _quiet_worker() -> None:
    """Workers leave SIGINT and SIGTERM to the server, which stops them once in-flight work is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import tui.scoring  # noqa: F401  (load the scorer before the first take arrives)


class Scorer:
    """The pool of scoring processes of a running server.

    Parameters
    ----------
    workers : int
        Worker processes (at least 1).
    references_dir : Path
        Where synthesized references are kept.
    """

    def __init__(self, workers: int, references_dir: Path) -> None:
        self.workers = max(1, workers)
        self.references_dir = references_dir
        self._pool: Executor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the worker processes."""
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_quiet_worker)

    def close(self) -> None:
        """Wait for running work, then stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
            self._pool = None

    async def score(self, take: Path, spec: ReferenceSpec) -> Scored:
        """Score ``take`` in a worker; a crashed worker answers 503 (the client retries) and the pool restarts."""
        return await self._run(score_take, take, spec, self.references_dir)

    async def contours(self, take: Path, reference: Path) -> Contours:
        """Pitch contours for the attempt page, computed in a worker."""
        return await self._run(pitch_contours, take, reference)

    async def convert_clip(self, source: Path, dest: Path) -> Clip:
        """A teacher's recording checked and written to ``dest`` as FLAC, in a worker (a hostile file cannot crash the server)."""
        return await self._run(convert_clip, source, dest)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        pool = self._pool
        if pool is None:
            raise ApiError(503, "the server is stopping", hint="try again in a moment")
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise ApiError(503, "a scoring process stopped unexpectedly", hint="try again in a moment") from exc

    def _replace(self, broken: Executor) -> None:
        """Start a new pool in place of ``broken`` (once, however many requests saw it break)."""
        with self._lock:
            if self._pool is not broken:
                return
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.start()

"""Score an attempt while it is being recorded, so the score is ready soon after stop.

:class:`LiveScorer` takes the recorder's blocks as they arrive (on the
recorder's dispatcher thread) and resamples them to 16 kHz with a streaming
resampler. ``finish()`` then brings the whole take to one speech level, runs the
English models on it (Whisper's encoder works on a whole 30 s window and the
phone recogniser on the whole take, so neither can start before the level is
known, at the stop), analyses it, aligns it to the reference and the cohort,
and grades it.

:func:`tui.scoring.compare` runs every attempt through this same class, fed in
one block. The resampler does not depend on how the audio was cut into blocks,
so a take scored live and the same samples scored from a file give
byte-identical scores.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring import english, level, signal
from tui.scoring.cohort import content_evidence, pooled
from tui.scoring.features import SILENCE_DBFS, analyse, frame_levels
from tui.scoring.grade import Evidence, grade
from tui.scoring.measure import measure
from tui.scoring.models import ModelError
from tui.scoring.prepared import SCORER_VERSION, PreparedReference, silent_score
from tui.scoring.score import Score


class LiveScorer:
    """Incremental scorer of one attempt against ``reference``.

    Parameters
    ----------
    reference : PreparedReference
        From :func:`tui.scoring.prepare_reference`.

    Notes
    -----
    ``feed`` never raises (it runs on the recorder's thread): a bad block is
    remembered and ``finish`` raises its error. Call ``finish`` or ``close``
    exactly once; both are safe from any thread.
    """

    def __init__(self, reference: PreparedReference) -> None:
        self.reference = reference
        self._lock = threading.Lock()
        self._resampler: Any = None
        self._rate: int | None = None
        self._frames = 0
        self._blocks: list[np.ndarray] = []
        self._error: AudioFormatError | None = None
        self._closed = False

    def feed(self, samples: np.ndarray, samplerate: int) -> None:
        """Add one recorded block: float samples ``(n,)`` or ``(n, channels)`` at ``samplerate`` Hz."""
        with self._lock:
            if self._closed or self._error is not None:
                return
            try:
                self._feed(samples, samplerate)
            except AudioFormatError as exc:
                self._error = exc

    def _feed(self, samples: np.ndarray, samplerate: int) -> None:
        rate = signal.samplerate_of(samplerate, what="attempt")
        if self._rate is None:
            import soxr

            self._rate = rate
            self._resampler = soxr.ResampleStream(rate, signal.ANALYSIS_SR, 1, dtype="float32", quality="HQ")
        elif rate != self._rate:
            raise AudioFormatError(
                f"attempt changed sample rate from {self._rate} to {rate} Hz", hint="record the take again"
            )
        mono = signal.to_mono(samples, what="attempt") if np.size(samples) else np.zeros(0, np.float32)
        self._frames += mono.size
        signal.check_length(self._frames, rate, what="attempt")
        self._push(self._resampler.resample_chunk(mono))

    def _push(self, block: np.ndarray) -> None:
        self._blocks.append(np.asarray(block, dtype=np.float32))

    def finish(self) -> Score:
        """The :class:`~tui.scoring.score.Score` of everything fed so far.

        Raises
        ------
        AudioFormatError
            A fed block was invalid, the take is empty, too long, or has under 0.2 s of speech.
        ScoringError
            If the calibration file is missing.
        """
        with self._lock:
            if self._closed:
                raise AudioFormatError("this take was already scored", hint="start a new take")
            self._closed = True
            if self._error is None and self._frames == 0:
                self._error = AudioFormatError("attempt is empty (0 samples)", hint="record or choose a file with sound in it")
            if self._error is not None:
                self._resampler = None
                raise self._error
            self._push(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
            self._resampler = None  # a native object: not kept alive until exit
            y = np.concatenate(self._blocks)
            self._blocks = []
        try:
            return score_samples(self.reference, y)
        finally:
            del y
            release_memory()

    def close(self) -> None:
        """Drop the take without scoring it (e.g. the learner cancelled)."""
        with self._lock:
            self._closed = True
            self._blocks = []
            self._resampler = None


def score_samples(reference: PreparedReference, y: np.ndarray) -> Score:
    """Grade 16 kHz mono samples ``y`` against ``reference``.

    Silence is judged on the take as recorded; every measurement is then made
    on the take brought to one speech level (:mod:`tui.scoring.level`).
    """
    if y.size == 0 or float(frame_levels(y).max()) < SILENCE_DBFS:
        return silent_score(reference)
    clipped = level.clipped(y)
    y = level.normalised(y)
    analysis = analyse(y, what="attempt")
    if analysis is None:
        return silent_score(reference)
    found = measure(reference.analysis, analysis, reference.spans())
    content = None
    if reference.cohort is not None:
        content = content_evidence(reference.pooled, pooled(analysis.feats), reference.cohort)
    heard, fallback = None, ""
    if reference.english is not None:
        try:
            heard = english.hear(reference.english, y)
        except ModelError as exc:
            fallback = f"{exc.message} ({exc.hint})"
    evidence = Evidence(found, content, heard, alignable_text=reference.alignable, clipped=clipped, fallback=fallback)
    return grade(reference.words, reference.analysis, analysis, evidence, SCORER_VERSION)


_trim: Any = None


def release_memory() -> None:
    """Give the memory freed while scoring back to the system.

    glibc keeps freed blocks for reuse (tens of MB after an English take: the
    models' work buffers, the take's arrays); ``malloc_trim`` returns them in a
    fraction of a millisecond. Elsewhere (no glibc) this does nothing.
    """
    global _trim
    if _trim is None:
        import ctypes

        _trim = getattr(ctypes.CDLL(None), "malloc_trim", False)
    if _trim:
        _trim(0)

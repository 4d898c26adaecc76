"""The phrase → scoring adapter: a pack's phrase becomes a reference to score against, a take becomes a Result.

The one place the app calls the scorer. Plain Python (no Textual); every
function is blocking (file I/O, DSP) except :meth:`LiveScore.feed`. A reference is prepared with its pack's cohort (the
pack's references plus the language's built-in sentences), as ``review
--rescore`` does, and a take is scored while it is recorded (:class:`LiveScore`),
so that little work is left when the learner stops.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from tui.audio.pcm import on_int16_grid
from tui.errors import AudioFormatError
from tui.packs.model import Pack, Phrase
from tui.practice.results import Reference, Result, is_silent

if TYPE_CHECKING:
    from tui.scoring.score import Score

SILENT_TAKE = "no speech heard — check the microphone (d: devices) and try again"


def load_reference(pack: Pack, phrase: Phrase) -> Reference:
    """Read ``phrase``'s reference audio and word timings, derived from its text when the pack has none."""
    from tui.audio.files import load_audio

    samples, samplerate = load_audio(phrase.audio)
    words = phrase.words
    if not words:
        from tui.scoring.words import derive_word_timings

        words = derive_word_timings(samples, samplerate, phrase.text, lang=pack.language.lower())
    return Reference(phrase.id, samples, samplerate, tuple(words))


def prepare(reference: Reference, pack: Pack, phrase: Phrase) -> Reference:
    """``reference`` prepared by the engine's one :func:`~tui.scoring.prepare_phrase` (its pack's other references
    join the content check's cohort; each is analysed once per process), with its pitch contour."""
    from tui.scoring import pitch_track, prepare_phrase

    audio = (reference.samples, reference.samplerate)
    others = [p.audio for p in pack.phrases if p.audio.is_file()]
    prepared = prepare_phrase(phrase.text, lang=pack.language, audio=audio, words=reference.words, others=others)
    return replace(reference, prepared=prepared, pitch=pitch_track(*audio))


def warm_up_scoring() -> None:
    """Check and load the English models now (blocking; a failure is reported by the first score that needs them)."""
    from tui.scoring import warm

    warm()


def ready(pack: Pack, phrase: Phrase) -> Reference:
    """``phrase``'s reference, loaded and prepared (for a pack other than the session's)."""
    return prepare(load_reference(pack, phrase), pack, phrase)


class LiveScore:
    """A take scored while it is recorded: the recorder's blocks feed a :class:`~tui.scoring.LiveScorer`.

    :meth:`feed` runs on the recorder's event thread, so it only queues the
    block: a thread of its own does the scoring work (the phone aligner), and
    the level meter and the waveform, fed by the same event thread, never wait
    for it. The blocks still queued in the recorder when it stops are taken from
    the finished file; if a block was lost on the way (the event queue dropped
    it) the file is scored instead, so the score is always that of the
    recording kept.
    """

    def __init__(self, reference: Reference) -> None:
        from tui.scoring import LiveScorer

        self._scorer = LiveScorer(reference.prepared)
        self._blocks: queue.SimpleQueue[tuple[np.ndarray, int] | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._work, name="pronounce-live-score", daemon=True)
        self._worker.start()
        self._lock = threading.Lock()  # a block is counted in ``frames`` if and only if it is queued
        self._ended = False
        self.frames = 0
        """Frames handed to :meth:`feed` (the start of the recording)."""
        self.scored = False
        """Whether :meth:`finish` gave the live score (False: the file was scored)."""

    def feed(self, samples: np.ndarray, samplerate: int) -> None:
        """Queue one recorded block (float32 frames × 1); never raises."""
        with self._lock:
            if not self._ended:
                self.frames += len(samples)
                self._blocks.put((on_int16_grid(samples), samplerate))  # as the FLAC holds it: live = file scored

    def _work(self) -> None:
        while (block := self._blocks.get()) is not None:
            self._scorer.feed(*block)

    def _end(self) -> None:
        """Stop taking blocks and wait until the queued ones are scored."""
        with self._lock:
            self._ended = True
            self._blocks.put(None)
        self._worker.join()

    def finish(self, samples: np.ndarray, samplerate: int, *, whole: bool = True) -> Score | None:
        """The live score of the recording ``samples``, else None (then score the file).

        The blocks fed are the start of the recording; the rest is fed from
        ``samples``. ``whole`` False says the recorder lost blocks on the way.

        Raises
        ------
        AudioFormatError
            The take is empty, too long, or has too little speech.
        """
        self._end()
        if not whole or self.frames > samples.shape[0]:
            self._scorer.close()
            return None
        if self.frames < samples.shape[0]:
            self._scorer.feed(samples[self.frames :], samplerate)
        found = self._scorer.finish()
        self.scored = True
        return found

    def close(self) -> None:
        """Drop the take unscored (safe after :meth:`finish`)."""
        self._end()
        self._scorer.close()


def score(
    reference: Reference, samples: np.ndarray, samplerate: int, live: LiveScore | None = None, *, whole: bool = True
) -> Result:
    """Compare an attempt with a prepared ``reference``, or take the score ``live`` found while it was recorded.

    A take with no speech, or too little to score, is not scored: the result's
    ``rejected`` says why in words, and its ``score`` is None.
    """
    from tui.scoring import compare, pitch_track

    try:
        found = live.finish(samples, samplerate, whole=whole) if live is not None else None
        if found is None:
            found = compare(reference.prepared, (samples, samplerate))
    except AudioFormatError as exc:
        return Result(samples=samples, samplerate=samplerate, score=None, rejected=str(exc))
    if is_silent(found):
        return Result(samples=samples, samplerate=samplerate, score=None, rejected=SILENT_TAKE)
    return Result(samples=samples, samplerate=samplerate, score=found,
                  attempt_pitch=pitch_track(samples, samplerate), reference_pitch=reference.pitch)

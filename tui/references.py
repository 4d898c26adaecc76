"""Reference audio and scoring for the session: the one place the app calls the scorer.

Plain Python (no Textual); every function is blocking (file I/O, DSP). When the
scorer gains a pack cohort or an incremental mode, this is the module to change.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tui.errors import AudioFormatError
from tui.packs.model import Pack, Phrase
from tui.takes import Reference, Result, is_silent

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
    """``reference`` with its analysis for scoring and its pitch contour."""
    from tui.scoring import pitch_track, prepare_reference

    audio = (reference.samples, reference.samplerate)
    prepared = prepare_reference(audio, words=reference.words, text=phrase.text, lang=pack.language.lower())
    return replace(reference, prepared=prepared, pitch=pitch_track(*audio))


def ready(pack: Pack, phrase: Phrase) -> Reference:
    """``phrase``'s reference, loaded and prepared (for a pack other than the session's)."""
    return prepare(load_reference(pack, phrase), pack, phrase)


def score(reference: Reference, samples: np.ndarray, samplerate: int) -> Result:
    """Compare an attempt with a prepared ``reference``.

    A take with no speech, or too little to score, is not scored: the result's
    ``rejected`` says why in words, and its ``score`` is None.
    """
    from tui.scoring import compare, pitch_track

    try:
        found = compare(reference.prepared, (samples, samplerate))
    except AudioFormatError as exc:
        return Result(samples, samplerate, None, rejected=str(exc))
    if is_silent(found):
        return Result(samples, samplerate, None, rejected=SILENT_TAKE)
    return Result(samples, samplerate, found, "", pitch_track(samples, samplerate), reference.pitch)

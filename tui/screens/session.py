"""Engine calls the screens make from worker threads: loading references, scoring, saving.

Nothing here touches Textual; each function is slow (file I/O, DSP, SQLite) and
is meant to run off the event loop. Engine modules are imported when first used
so the app's first frame does not wait for librosa.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from tui.packs.model import Pack, Phrase
from tui.scoring.score import Score
from tui.speech.types import WordTiming

Contour = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Reference:
    """A phrase's reference audio, ready to play and show; ``prepared`` once ready to score against."""

    phrase_id: str
    samples: np.ndarray
    samplerate: int
    words: tuple[WordTiming, ...]
    prepared: Any = None
    pitch: Contour | None = None


@dataclass(frozen=True)
class PhraseInfo:
    """Best score and due flag of one phrase, for the phrase list."""

    phrase_id: str
    best: float | None
    due: bool


def load_reference(pack: Pack, phrase: Phrase) -> Reference:
    """Load ``phrase``'s reference audio and word timings (derived when the pack has none)."""
    from tui.audio.files import load_audio

    samples, samplerate = load_audio(phrase.audio)
    words = phrase.words
    if not words:
        from tui.scoring.words import derive_word_timings

        words = derive_word_timings(samples, samplerate, phrase.text, lang=pack.language.lower())
    return Reference(phrase.id, samples, samplerate, tuple(words), None, None)


def prepare(reference: Reference, pack: Pack, phrase: Phrase) -> Reference:
    """``reference`` with its cached analysis for scoring and its pitch contour."""
    from tui.scoring import pitch_track, prepare_reference

    audio = (reference.samples, reference.samplerate)
    prepared = prepare_reference(audio, words=reference.words, text=phrase.text, lang=pack.language.lower())
    return replace(reference, prepared=prepared, pitch=pitch_track(*audio))


def score_attempt(reference: Reference, samples: np.ndarray, samplerate: int) -> tuple[Score, Contour | None]:
    """Score an attempt against ``reference``; also return the attempt's pitch contour."""
    from tui.scoring import compare, pitch_track

    return compare(reference.prepared, (samples, samplerate)), pitch_track(samples, samplerate)


def save_attempt(data_dir: Path, pack: Pack, phrase: Phrase, recording: Any, recorder_name: str, score: Score) -> int:
    """Keep the attempt (recording moved into the store) and return its id."""
    from tui.store import AttemptStore

    with AttemptStore(data_dir) as store:
        attempt = store.save_attempt(
            recording_path=recording.path,
            pack_id=pack.id,
            pack_version=pack.version,
            phrase_id=phrase.id,
            text=phrase.text,
            recorder=recorder_name,
            duration=recording.duration,
            score=score,
            reference_audio=phrase.audio,
            words=phrase.words,
        )
    return int(attempt.id)


def phrase_infos(data_dir: Path, pack: Pack) -> list[PhraseInfo]:
    """Best score and due flag of every phrase of ``pack``."""
    from tui.store import AttemptStore
    from tui.store.queue import practice_queue

    with AttemptStore(data_dir) as store:
        due = {item.phrase_id: item.due for item in practice_queue(store, pack)}
        return [
            PhraseInfo(phrase.id, store.phrase_stats(pack.id, phrase.id).best, due.get(phrase.id, True))
            for phrase in pack.phrases
        ]


def start_up(data_dir: Path) -> list[Path]:
    """Recover recordings cut by a kill and reconcile the store with the recordings folder."""
    from tui.audio import recorder
    from tui.store import AttemptStore

    recovered = recorder.recover(data_dir / "recordings" / "incoming")
    with AttemptStore(data_dir) as store:
        store.reconcile()
    return recovered

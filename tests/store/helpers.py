"""Helpers for store tests: real WAV takes and saved attempts with made-up scores."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming
from tui.store import Attempt, AttemptStore

ON_CI = os.environ.get("CI", "").lower() == "true"


def write_take(folder: Path, *, seconds: float = 0.2, samplerate: int = 16_000) -> Path:
    """A real WAV recording (a quiet tone) in ``folder``, as the recorder leaves it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"take-{uuid.uuid4().hex[:8]}.wav"
    t = np.arange(int(seconds * samplerate)) / samplerate
    sf.write(path, (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), samplerate)
    return path


def make_score(overall: float = 80.0, *, version: str = "test-1") -> Score:
    """A plausible score with two words."""
    words = (
        WordScore(text="good", score=overall, ref_start=0.0, ref_end=0.3, att_start=0.05, att_end=0.35),
        WordScore(text="morning", score=overall - 5, ref_start=0.3, ref_end=0.8, att_start=0.35, att_end=0.9),
    )
    return Score(overall=overall, accuracy=overall - 2, fluency=overall + 1, intonation=overall - 4, completeness=100.0, words=words,
                 scorer_version=version)


def save(
    store: AttemptStore,
    recording: Path,
    *,
    pack: str = "en-basics",
    phrase: str = "greeting",
    overall: float = 80.0,
    created_at: datetime | None = None,
    reference: Path | None = None,
) -> Attempt:
    """Save ``recording`` as an attempt at ``phrase`` with a made-up score."""
    return store.save_attempt(
        recording_path=recording,
        pack_id=pack,
        pack_version="1",
        phrase_id=phrase,
        text="good morning",
        recorder="mic-1",
        duration=0.2,
        score=make_score(overall),
        reference_audio=reference,
        words=(WordTiming("good", 0.0, 0.3), WordTiming("morning", 0.3, 0.8)),
        created_at=created_at,
    )


def run_together(count: int, action: Callable[[], object]) -> list[BaseException]:
    """Run ``action`` in ``count`` threads released at the same moment; what they raised."""
    together = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            together.wait(timeout=10)
            action()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors



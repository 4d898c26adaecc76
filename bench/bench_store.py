"""Attempts store speed: saves (fsync included), reads, stats, the FSRS queue, reconcile.

Builds a store in a temporary folder on the same disk as the default data dir
(``--dir`` to choose), saves ``--attempts`` takes of 0.5 s WAV spread over
``--phrases`` phrases, then times the calls the app makes on start and after
each take. Prints one line per figure.

    .venv/bin/python bench/bench_store.py --attempts 2000 --phrases 50
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.packs.model import Pack, Phrase
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming
from tui.store import AttemptStore, practice_queue

REPO = Path(__file__).resolve().parents[1]


def timed(action: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``action`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def take(folder: Path, n: int) -> Path:
    """A 0.5 s, 16 kHz WAV take in ``folder``."""
    path = folder / f"take-{n}.wav"
    sf.write(path, np.zeros(8000, dtype=np.float32), 16000)
    return path


def fill(store: AttemptStore, attempts: int, phrases: int) -> list[float]:
    """Save ``attempts`` takes; the per-save times in ms."""
    rng = np.random.default_rng(0)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    store.incoming_dir.mkdir(parents=True, exist_ok=True)
    per_save = []
    for n in range(attempts):
        overall = float(rng.uniform(20, 100))
        score = Score(
            overall=overall,
            accuracy=overall,
            fluency=overall,
            intonation=overall,
            completeness=100.0,
            words=(WordScore(text="hola", score=overall, ref_start=0.0, ref_end=0.4),),
            scorer_version="bench",
        )
        path = take(store.incoming_dir, n)
        begin = time.perf_counter()
        store.save_attempt(
            recording_path=path,
            pack_id="bench",
            pack_version="1",
            phrase_id=f"p{n % phrases}",
            text="hola",
            recorder="bench",
            duration=0.5,
            score=score,
            words=(WordTiming("hola", 0.0, 0.4),),
            created_at=start + timedelta(hours=n),
        )
        per_save.append((time.perf_counter() - begin) * 1000)
    return per_save


def concurrent_saves(folder: Path, each: int) -> float:
    """Two processes saving ``each`` takes at once (the reliability test's saver); wall seconds."""
    command = [sys.executable, "-m", "tests.store.saver", str(folder), str(each)]
    begin = time.perf_counter()
    children = [subprocess.Popen([*command, phrase], cwd=REPO) for phrase in ("a", "b")]
    if any(child.wait() for child in children):
        raise SystemExit("a saver failed")
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=2000, help="takes to save [2000]")
    parser.add_argument("--phrases", type=int, default=50, help="phrases they spread over [50]")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the store [a temp dir]")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as root:
        store = AttemptStore(Path(root) / "data")
        per_save = fill(store, args.attempts, args.phrases)
        pack = Pack(
            id="bench",
            title="Bench",
            language="es-ES",
            phrases=tuple(Phrase(f"p{i}", "hola") for i in range(args.phrases)),
        )
        print(
            f"save_attempt (move + fsync file/dirs + commit, synchronous=FULL): median {statistics.median(per_save):.2f} ms, "
            f"p95 {np.percentile(per_save, 95):.2f} ms, {1000 / statistics.mean(per_save):.0f} saves/s over {args.attempts}"
        )
        print(f"attempts() all {args.attempts} rows: {timed(store.attempts):.1f} ms")
        print(
            f"attempts(phrase=...) ~{args.attempts // args.phrases} rows: {timed(lambda: store.attempts(pack='bench', phrase='p7')):.2f} ms"
        )
        print(f"phrase_stats: {timed(lambda: store.phrase_stats('bench', 'p7'), repeat=20):.2f} ms")
        print(
            f"practice_queue {args.phrases} phrases / {args.attempts} attempts: {timed(lambda: practice_queue(store, pack)):.1f} ms"
        )
        print(f"reconcile with {args.attempts} recordings: {timed(store.reconcile):.1f} ms")
        store.close()
        seconds = concurrent_saves(Path(root) / "concurrent", 200)
        print(f"2 processes x 200 saves at once: {seconds:.2f} s wall ({400 / seconds:.0f} saves/s together)")


if __name__ == "__main__":
    main()

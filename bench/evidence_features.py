"""English evidence of every speechocean762-dev utterance, for bench/fit_scorer.py; cached on disk.

    nice -n 10 .venv/bin/python bench/evidence_features.py [--jobs 2] [--limit N]

For each utterance, level-normalised as the scorer does: Whisper tiny.en's
encoding once (in the window the scorer chooses) and its free transcription,
then the target-text log-probabilities per word of its own sentence (right
pair) and of another utterance's (wrong pair, the same pairing as
bench/calib_features.py); the phone recogniser's log-posteriors
(kept, float16, so alignments can be redone without the model). The take's
clipping flag and speech level are kept too. Results go to
``bench/out/evidence-vN/part-NNN.pkl`` (N: :data:`VERSION`) in blocks of 50; an
interrupted run resumes. Raise VERSION when the evidence changes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PRONOUNCE_THREADS", "1")

import calib_features  # noqa: E402
from devset import DATA  # noqa: E402

from tui.audio.files import load_audio  # noqa: E402
from tui.scoring import gop, level, models, whisper  # noqa: E402

VERSION = 3
OUT = ROOT / "bench" / "out" / f"evidence-v{VERSION}"
BLOCK = 50


def features(index: int) -> dict[str, Any]:
    table = calib_features.TABLE
    row = table[index]
    wrong_text = table[(index + calib_features.WRONG_SHIFT) % len(table)]["text"]
    raw, _ = load_audio(DATA / row["audio"], samplerate=16000)
    y = level.normalised(raw)
    w = models.whisper()
    phones = models.phone_recogniser()
    encoded = whisper.encode(w, y)
    logp = gop.posteriors(phones, y)
    heard = whisper.transcribe(w, encoded, max_tokens=whisper.max_tokens(len(row["text"].split())))
    out: dict[str, Any] = {"utt": row["utt"], "wrong_text": wrong_text, "level": level.speech_level(raw),
                           "clipped": level.clipped(raw), "samples": int(y.size),
                           "posteriors": logp.astype("float16"),
                           "heard": heard}
    for key, text in (("right", row["text"]), ("wrong", wrong_text)):
        words = text.split()
        out[key] = {"words": words, "whisper": whisper.target(w, encoded, y.size, words)}
    return out


def load_all() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for part in sorted(OUT.glob("part-*.pkl")):
        found.extend(pickle.loads(part.read_bytes()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    calib_features.TABLE[:] = table = calib_features.rows()
    total = len(table) if args.limit is None else min(args.limit, len(table))
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for block in range(0, total, BLOCK):
            part = OUT / f"part-{block // BLOCK:03d}.pkl"
            if part.exists():
                continue
            results = pool.map(features, range(block, min(block + BLOCK, total)), chunksize=5)
            tmp = part.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(results))
            os.replace(tmp, part)
            print(f"{min(block + BLOCK, total)}/{total} in {time.perf_counter() - start:.0f} s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

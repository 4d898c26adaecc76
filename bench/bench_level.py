"""Loudness and the score: held-out speechocean762-dev takes at gain 0.1, 0.5, 1 and 3 (clipped); prints the spread.

    nice -n 10 .venv/bin/python bench/bench_level.py [--takes 60]

Takes of the fixed 25 held-out speakers (see bench/calibrate.py), each scored
against its sentence as ``pronounce score --text`` scores it, at four gains;
the spread is the largest minus the smallest overall score of a take. Goal:
median spread ≤ 3 points. Also prints how often the clipped take (gain 3)
carries the "too loud" finding.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calibrate import held_out_speakers  # noqa: E402
from devset import DATA  # noqa: E402

from tui.audio.files import load_audio  # noqa: E402
from tui.scoring import compare, prepare_phrase  # noqa: E402
from tui.scoring.issues import CLIPPED  # noqa: E402

GAINS = (0.1, 0.5, 1.0, 3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=60)
    args = parser.parse_args()
    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["utt"])
    held = set(held_out_speakers({r["speaker"] for r in rows}))
    chosen = [r for r in rows if r["speaker"] in held][:: max(1, sum(r["speaker"] in held for r in rows) // args.takes)][: args.takes]
    start = time.perf_counter()
    spreads, clipped_told, overall = [], 0, []
    for row in chosen:
        samples, sr = load_audio(DATA / row["audio"])
        prepared = prepare_phrase(row["text"].lower(), lang="en-us")
        scores = [compare(prepared, (np.clip(samples * gain, -1.0, 1.0), sr)) for gain in GAINS]
        values = [s.overall for s in scores]
        spreads.append(max(values) - min(values))
        overall.append(values[2])
        clipped_told += CLIPPED in scores[-1].issues
    spreads_a = np.array(spreads)
    print(f"{len(chosen)} held-out takes at gains {GAINS} ({time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}):")
    print(f"   spread of overall: median {np.median(spreads_a):.1f}, 75th percentile {np.percentile(spreads_a, 75):.1f}, "
          f"max {spreads_a.max():.1f}; more than 3 points for {100 * np.mean(spreads_a > 3):.0f} % (goal: median ≤ 3)")
    print(f"   the take at gain 3 is told it clipped: {clipped_told} of {len(chosen)}; median overall at gain 1: {np.median(overall):.0f}")


if __name__ == "__main__":
    main()

"""Raw measurements of every speechocean762-dev utterance, for bench/calibrate.py; cached on disk.

    .venv/bin/python bench/calib_features.py [--jobs 2] [--limit N]

For each utterance, against an espeak-ng reference of its own sentence (right
pair) and, for every second utterance, of another utterance's sentence (wrong
pair): the template measurements (tui.scoring.measure) and pooled DTW costs
against cohort sentences. (Caches made before scorer whisper-ctc-4 also hold
pocketsphinx's alignment, which ``bench/fit_scorer.py --pocketsphinx`` compared up
to that scorer; it is no longer read.)
Results go to ``bench/out/calib/part-NNN.pkl`` in blocks of 50 utterances;
existing blocks are kept, so an interrupted run resumes. Delete the folder after
changing a measurement.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devset import DATA  # noqa: E402

from tui.audio.files import load_audio  # noqa: E402
from tui.scoring import signal  # noqa: E402
from tui.scoring.cohort import built_in_sentences, pooled, template_cost  # noqa: E402
from tui.scoring.features import analyse  # noqa: E402
from tui.scoring.measure import SENTENCE_FEATURES, measure  # noqa: E402
from tui.scoring.prepared import word_spans  # noqa: E402

OUT = ROOT / "bench" / "out" / "calib"
BLOCK = 50
WRONG_SHIFT = 613
"""The wrong sentence of utterance i (sorted by id) is the sentence of utterance i + 613."""
PACK_INDICES = (100, 700, 1300, 1900, 2400)
"""Dev sentences that stand in for the pack's other phrases (four of them, never the utterance's own or wrong one)."""


def rows() -> list[dict[str, str]]:
    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: r["utt"])


_refs: dict[str, Any] = {}


def reference(text: str) -> tuple[Any, list[Any], list[str]]:
    """(analysis, word spans, words) of ``text`` spoken by espeak-ng (cached per process)."""
    from tui.speech.tts import synthesize

    if text not in _refs:
        speech = synthesize(text.lower(), lang="en-us")
        analysis = analyse(signal.load((speech.samples, speech.samplerate), what="reference"))
        _refs[text] = (analysis, word_spans(analysis, speech.words), [w.text for w in speech.words])
        if len(_refs) > 64:
            _refs.pop(next(iter(_refs)))
    return _refs[text]


TABLE: list[dict[str, str]] = []
"""The manifest, sorted by utterance id; set before the worker processes fork."""


def features(index: int) -> dict[str, Any]:
    table = TABLE
    row = table[index]
    n = len(table)
    wrong_text = table[(index + WRONG_SHIFT) % n]["text"]
    pack = [t for t in (table[i % n]["text"] for i in PACK_INDICES) if t not in (row["text"], wrong_text)][:4]
    samples, _sr = load_audio(DATA / row["audio"], samplerate=signal.ANALYSIS_SR)
    att = analyse(samples, what="attempt")
    out: dict[str, Any] = {"utt": row["utt"], "wrong_text": wrong_text}
    if att is None:
        out["error"] = "silent"
        return out
    paired = index % 2 == 0
    att_pooled = pooled(att.feats)
    for key, text in (("right", row["text"]), ("wrong", wrong_text))[: 2 if paired else 1]:
        ref, spans, words = reference(text)
        found = measure(ref, att, spans)
        out[key] = {
            "sentence": [found.sentence[name] for name in SENTENCE_FEATURES],
            "words": found.words,
            "ref_words": words,
            "own_cost": template_cost(pooled(ref.feats), att_pooled),
        }
    out["pack_costs"] = [template_cost(cohort_member(t.lower()), att_pooled) for t in pack]
    out["builtin_costs"] = [template_cost(cohort_member(t), att_pooled) for t in built_in_sentences("en")]
    return out


_builtin: dict[str, np.ndarray] = {}


def cohort_member(text: str) -> np.ndarray:
    from tui.speech.tts import synthesize

    if text not in _builtin:
        speech = synthesize(text, lang="en-us")
        _builtin[text] = pooled(analyse(signal.load((speech.samples, speech.samplerate))).feats)
    return _builtin[text]


def load_all() -> list[dict[str, Any]]:
    """Every cached block, in utterance order."""
    found: list[dict[str, Any]] = []
    for part in sorted(OUT.glob("part-*.pkl")):
        found.extend(pickle.loads(part.read_bytes()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    TABLE[:] = table = rows()
    total = len(table) if args.limit is None else min(args.limit, len(table))
    OUT.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for block in range(0, total, BLOCK):
            part = OUT / f"part-{block // BLOCK:03d}.pkl"
            if part.exists():
                continue
            jobs = list(range(block, min(block + BLOCK, total)))
            results = pool.map(features, jobs, chunksize=5)
            tmp = part.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(results))
            os.replace(tmp, part)
            print(f"{block + len(jobs)}/{total} in {time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Right and wrong phrase pairs of one pack, scored as the app scores them: the content check's figures.

    nice -n 10 .venv/bin/python bench/bench_pairs.py [--pack en-basics] [--learners 3] [--worst 12] [--fresh] [--without-guard]

Takes: the pack's own reference recordings (every one against every phrase,
as ``pronounce score --batch`` with id,attempt,reference,text,lang scores
them) and, with ``--learners N``, the first N stand-in learners of
``bench/bench_content.py`` (espeak-ng voices, speeds and pitches) saying every
phrase. Every take is scored against every phrase prepared as ``score --batch``
prepares a row (``prepare_phrase`` with text, language and the pack's audio:
the built-in cohort only, the harder case for the content check). Goal: right ≥ 80 and wrong ≤ 40
for ≥ 95 % of pairs; a wrong pair's completeness should not be 100.

The evidence of every pair (everything :func:`tui.scoring.grade.grade` is
given) is cached in ``bench/out/pairs/``, so a change in grading is measured
again in seconds; ``--fresh`` recomputes it (needed after a change to the
evidence itself).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_content import LEARNERS  # noqa: E402

from tui.packs.loader import load_pack  # noqa: E402
from tui.scoring import compare, english, explained, live, prepare_phrase  # noqa: E402
from tui.scoring.grade import grade  # noqa: E402
from tui.scoring.score import Score  # noqa: E402
from tui.speech.tts import DEFAULT_PITCH, DEFAULT_RATE, synthesize, voice_for  # noqa: E402

OUT = ROOT / "bench" / "out" / "pairs"


def capture(pack_name: str, learner: int | None) -> list[dict[str, Any]]:
    """Every (take, phrase) pair's grade() arguments: the references' takes (``learner`` None), else that learner's."""
    pack = load_pack(ROOT / "lessons" / pack_name)
    lang = pack.language
    prepared = [prepare_phrase(p.text, lang=lang, audio=p.audio) for p in pack.phrases]
    takes: list[tuple[str, int, Any]] = [] if learner is not None else [("reference", i, p.audio) for i, p in enumerate(pack.phrases)]
    voice = voice_for(lang)
    for variant, speed, pitch in LEARNERS[learner : learner + 1] if learner is not None else []:
        for i, phrase in enumerate(pack.phrases):
            speech = synthesize(phrase.text, lang=lang, voice=voice + variant, rate=round(DEFAULT_RATE * speed),
                                pitch=DEFAULT_PITCH + pitch)
            takes.append((f"learner {variant or 'default'} ×{speed} {pitch:+d}", i, (speech.samples, speech.samplerate)))
    pairs: list[dict[str, Any]] = []
    seen: list[tuple[Any, ...]] = []
    original = live.grade

    def keep(*args: Any) -> Score:
        seen.append(args)
        return original(*args)

    live.grade = keep  # type: ignore[assignment]
    try:
        for who, i, audio in takes:
            for j, reference in enumerate(prepared):
                compare(reference, audio)
                pairs.append({"who": who, "said": pack.phrases[i].text, "phrase": pack.phrases[j].text, "right": i == j,
                              "args": seen.pop()})
    finally:
        live.grade = original
    return pairs


def regrade(args: tuple[Any, ...]) -> Score:
    """grade() on a cached pair; the transcription's phones spelled again (caches made before they were kept)."""
    words, ref, att, evidence, version = args
    if evidence.english is not None and not evidence.english.transcription_phones:
        spelled = english.transcription_phones(evidence.english.whisper.heard)
        evidence = replace(evidence, english=replace(evidence.english, transcription_phones=spelled))
    return grade(words, ref, att, evidence, version)


def report(pairs: list[dict[str, Any]], label: str, worst: int) -> None:
    scores = [regrade(p["args"]) for p in pairs]
    overall = np.array([s.overall for s in scores])
    complete = np.array([s.completeness for s in scores])
    right = np.array([p["right"] for p in pairs])
    print(f"{label}: {right.sum()} right pairs, {(~right).sum()} wrong")
    print(f"   right ≥ 80: {100 * np.mean(overall[right] >= 80):5.1f} % (median {np.median(overall[right]):.0f}, min "
          f"{overall[right].min():.0f}); completeness 100 for {100 * np.mean(complete[right] >= 100):.0f} %")
    print(f"   wrong ≤ 40: {100 * np.mean(overall[~right] <= 40):5.1f} % ({np.sum(overall[~right] <= 40)}/{(~right).sum()}; "
          f"median {np.median(overall[~right]):.0f}, 95th percentile {np.percentile(overall[~right], 95):.0f}); "
          f"completeness 100 for {100 * np.mean(complete[~right] >= 100):.1f} %")
    order = sorted(np.flatnonzero(~right), key=lambda k: -overall[k])[:worst]
    for k in order:
        if overall[k] > 40:
            p = pairs[k]
            print(f"      {overall[k]:5.1f} (completeness {complete[k]:3.0f}) {p['phrase']!r} said {p['said']!r} ({p['who']})")
    for k in np.flatnonzero(right & (overall < 80)):
        print(f"      right {overall[k]:5.1f}: {pairs[k]['phrase']!r} ({pairs[k]['who']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="en-basics")
    parser.add_argument("--learners", type=int, default=0, choices=range(len(LEARNERS) + 1),
                        help="the first N stand-in learners too")
    parser.add_argument("--worst", type=int, default=12)
    parser.add_argument("--fresh", action="store_true", help="recompute the cached evidence")
    parser.add_argument("--without-guard", action="store_true", help="grade as before the guard (tui/scoring/explained.py)")
    args = parser.parse_args()
    if args.without_guard:
        explained.measurements = lambda words, evidence: None
    start = time.perf_counter()
    found: dict[str, list[dict[str, Any]]] = {"references": [], "learners": []}
    for learner in (None, *range(args.learners)):
        cache = OUT / (f"{args.pack}-references.pkl" if learner is None else f"{args.pack}-learner-{learner + 1}.pkl")
        if args.fresh or not cache.exists():
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: capturing {cache.name}", flush=True)
            OUT.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(capture(args.pack, learner)))
        found["references" if learner is None else "learners"].extend(pickle.loads(cache.read_bytes()))
    report(found["references"], f"{args.pack}: its reference recordings, each take against every phrase", args.worst)
    if args.learners:
        report(found["learners"], f"{args.pack}: {args.learners} stand-in learners, each take against every phrase", args.worst)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()

"""Content check without expert data: espeak-ng voices as stand-in learners on the bundled packs.

    .venv/bin/python bench/bench_content.py [--packs es-basics fr-basics en-basics] [--worst 5]

Each pack's phrases are prepared as the app does (pack cohort, text, language).
Stand-in learners: other voice variants of the language, speed ±30 %, base pitch
±30. Every learner says every phrase; each take is scored against its own phrase
(right pair) and against every other phrase of the pack (wrong pairs). Goal:
right ≥ 80 and wrong ≤ 40 for ≥ 95 % of pairs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.packs.loader import load_pack  # noqa: E402
from tui.scoring import compare, pack_cohort, prepare_reference  # noqa: E402
from tui.speech.tts import DEFAULT_PITCH, DEFAULT_RATE, synthesize, voice_for  # noqa: E402

LEARNERS = (
    ("+m3", 1.0, 0),
    ("+f2", 1.0, 0),
    ("+klatt", 1.0, 0),
    ("", 0.7, 0),
    ("", 1.3, 0),
    ("", 1.0, -30),
    ("", 1.0, 30),
    ("+f4", 0.7, 30),
    ("+m7", 1.3, -30),
)
"""(voice variant, speed factor, pitch offset) of each stand-in learner."""


def run(pack_name: str, worst: int = 0) -> tuple[int, int, int, int]:
    pack = load_pack(ROOT / "lessons" / pack_name)
    lang = pack.language
    voice = voice_for(lang)
    cohort = pack_cohort([p.audio for p in pack.phrases], lang=lang)
    prepared = [
        prepare_reference(p.audio, words=p.words, text=p.text, lang=lang, cohort=cohort) for p in pack.phrases
    ]
    right, wrong, right_ok, wrong_ok = [], [], 0, 0
    misses: dict[int, list[str]] = {i: [] for i in range(len(pack.phrases))}
    for variant, speed, pitch in LEARNERS:
        for i, phrase in enumerate(pack.phrases):
            take = synthesize(phrase.text, lang=lang, voice=voice + variant, rate=round(DEFAULT_RATE * speed),
                              pitch=DEFAULT_PITCH + pitch)
            audio = (take.samples, take.samplerate)
            for j, reference in enumerate(prepared):
                score = compare(reference, audio).overall
                if i == j:
                    right.append(score)
                    right_ok += score >= 80
                    if score < 80:
                        misses[i].append(f"own {score:.0f}")
                else:
                    wrong.append(score)
                    wrong_ok += score <= 40
                    if score > 40:
                        misses[i].append(f"as {pack.phrases[j].id} {score:.0f}")
                        misses[j].append(f"{pack.phrases[i].id} as it {score:.0f}")
    print(f"{pack_name} ({lang}, {len(pack.phrases)} phrases, {len(LEARNERS)} stand-in learners, evidence "
          f"{compare(prepared[0], (take.samples, take.samplerate)).evidence!r}):")
    print(f"   right phrase ≥ 80: {100 * right_ok / len(right):5.1f}% of {len(right)} (median {np.median(right):.0f}, "
          f"5th percentile {np.percentile(right, 5):.0f})")
    print(f"   other phrase ≤ 40: {100 * wrong_ok / len(wrong):5.1f}% of {len(wrong)} (median {np.median(wrong):.0f}, "
          f"95th percentile {np.percentile(wrong, 95):.0f})")
    for i in sorted(misses, key=lambda i: -len(misses[i]))[:worst]:
        print(f"   {len(misses[i]):3d} misses: {pack.phrases[i].text!r}: {', '.join(misses[i][:8])}")
    return right_ok, len(right), wrong_ok, len(wrong)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", nargs="+", default=["es-basics", "fr-basics", "de-basics", "it-basics", "pt-br-basics"])
    parser.add_argument("--worst", type=int, default=0, help="list the N phrases in the most missed pairs")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (goal: ≥ 95% of pairs each way)")
    start = time.perf_counter()
    for name in args.packs:
        run(name, args.worst)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()

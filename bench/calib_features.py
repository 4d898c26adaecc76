"""Raw measurements of every speechocean762-dev utterance, for bench/calibrate.py; cached on disk.

    .venv/bin/python bench/calib_features.py [--jobs 2] [--limit N]

For each utterance, against an espeak-ng reference of its own sentence (right
pair) and, for every second utterance, of another utterance's sentence (wrong
pair): the template measurements (tui.scoring.measure), the forced alignment of
the text (frames, start and forced score against the best senone per word), the
free-phone-loop score over each aligned word, and pooled DTW costs against
cohort sentences. ``--fill-loop`` completes a cache whose first pass scored the
phone loop on the paired half only (as the one behind the shipped calibration
did, before the scorer ran the loop itself). ``--realign`` redoes the alignments
the cache holds as failed (since mfcc-dtw-gop-3 the scorer tries a failed
alignment again at a fixed level; every other result stays as it was). Results go to ``bench/out/calib/part-NNN.pkl`` in blocks of
50 utterances; existing blocks are kept, so an interrupted run resumes.
Delete the folder after changing a measurement.
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
from tui.scoring import phones, signal  # noqa: E402
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


_loop: Any = None


def loop_frames(y: np.ndarray) -> np.ndarray:
    """Free-phone-loop acoustic score of every 10 ms frame, with the scorer's own decoder set-up."""
    global _loop
    if _loop is None:
        _loop = phones._new_decoder(loop=True)
    _loop.set_cmn(phones._initial_cmn())
    _loop.start_utt()
    pad = np.zeros(int(phones.PAD_S * signal.ANALYSIS_SR), dtype=np.float32)
    data = np.concatenate([pad, y, pad])
    for start in range(0, data.size, phones.BLOCK):
        _loop.process_raw(phones._to_pcm(data[start : start + phones.BLOCK], start))
    _loop.end_utt()
    return phones._loop_scores(_loop)


def align(words: list[str], y: np.ndarray) -> dict[str, Any]:
    """The scorer's alignment: per word (frames, start, GOP against the best senone, phone-loop score per frame)."""
    stream = phones.AlignStream(words)
    stream.feed(y)
    evidence = stream.finish()
    if evidence is None:
        return {"alignable": False}
    out = [None if w is None else (w.frames, w.start, w.senone_gop, w.senone_gop - w.gop) for w in evidence.words]
    return {"alignable": True, "failed": evidence.failed, "words": out}


NO_PHONES = False
"""Set by ``--no-phones``: leave pocketsphinx out (the scorer no longer uses it; bench/fit_scorer.py
--pocketsphinx compares on the utterances that have it)."""
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
            "phones": {"alignable": False, "skipped": True} if NO_PHONES else align(words, samples),
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
    """Every cached block, in utterance order, with the phone-loop scores of the second pass merged in."""
    found: list[dict[str, Any]] = []
    for part in sorted(OUT.glob("part-*.pkl")):
        found.extend(pickle.loads(part.read_bytes()))
    extra: dict[str, list[Any]] = {}
    for part in sorted(OUT.glob("loop-*.pkl")):
        extra.update(pickle.loads(part.read_bytes()))
    for item in found:
        if item["utt"] in extra:
            item["right"]["phones"]["words"] = extra[item["utt"]]
    redone: dict[tuple[str, str], dict[str, Any]] = {}
    for part in sorted(OUT.glob("realign-*.pkl")):
        redone.update(pickle.loads(part.read_bytes()))
    for item in found:
        for key in ("right", "wrong"):
            if (item["utt"], key) in redone:
                item[key]["phones"] = redone[item["utt"], key]
    return found


def realign(index: int) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    """The alignments of utterance ``index`` that the cache holds as failed, done again by the scorer."""
    row = TABLE[index]
    item = ITEMS.get(row["utt"], {})
    redo = [key for key in ("right", "wrong") if key in item and item[key]["phones"].get("failed")]
    if not redo:
        return []
    samples, _ = load_audio(DATA / row["audio"], samplerate=signal.ANALYSIS_SR)
    return [((row["utt"], key), align(item[key]["ref_words"], samples)) for key in redo]


def fill_loop(index: int) -> tuple[str, list[Any]] | None:
    """Phone-loop scores for a right pair the first pass left without them (odd utterances)."""
    row = TABLE[index]
    item = ITEMS.get(row["utt"])
    if item is None or "right" not in item or "wrong" in item:
        return None
    words = item["right"]["phones"].get("words")
    if not words:
        return None
    samples, _ = load_audio(DATA / row["audio"], samplerate=signal.ANALYSIS_SR)
    loop = loop_frames(samples)
    pad = round(phones.PAD_S * phones.FRAME_RATE)
    out = []
    for w in words:
        if w is None:
            out.append(None)
            continue
        first = round(w[1] * phones.FRAME_RATE) + pad
        out.append((w[0], w[1], w[2], float(loop[first : first + w[0]].sum()) / max(w[0], 1)))
    return row["utt"], out


ITEMS: dict[str, dict[str, Any]] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--fill-loop", action="store_true", help="second pass: phone-loop scores for the other half")
    parser.add_argument("--realign", action="store_true", help="redo the alignments the cache holds as failed")
    parser.add_argument("--no-phones", action="store_true", help="leave pocketsphinx's alignment out of new blocks")
    args = parser.parse_args()
    global NO_PHONES
    NO_PHONES = args.no_phones
    if args.realign:
        TABLE[:] = rows()
        ITEMS.update((item["utt"], item) for item in load_all())
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for block in range(0, len(TABLE), 500):
                part = OUT / f"realign-{block // 500:03d}.pkl"
                if part.exists():
                    continue
                found = pool.map(realign, range(block, min(block + 500, len(TABLE))), chunksize=5)
                part.write_bytes(pickle.dumps(dict(pair for pairs in found for pair in pairs)))
                print(f"realign {block + 500}/{len(TABLE)}, load {os.getloadavg()[0]:.1f}", flush=True)
        return
    if args.fill_loop:
        TABLE[:] = rows()
        ITEMS.update((item["utt"], item) for item in load_all())
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for block in range(0, len(TABLE), 250):
                part = OUT / f"loop-{block // 250:03d}.pkl"
                if part.exists():
                    continue
                found = pool.map(fill_loop, range(block, min(block + 250, len(TABLE))), chunksize=5)
                part.write_bytes(pickle.dumps(dict(f for f in found if f is not None)))
                print(f"loop {block + 250}/{len(TABLE)}, load {os.getloadavg()[0]:.1f}", flush=True)
        return
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

"""Fit and check the guard against another phrase said (tui/scoring/explained.py) on speechocean762-dev.

    nice -n 10 .venv/bin/python bench/bench_guard.py [--fit] [--scorer]

Reads the cache of ``bench/evidence_features.py`` (each take's Whisper
transcription and phone log-posteriors). Pairs: every take with its own
sentence (right), with another take's sentence (wrong, as the scorer was
fitted) and with each of the en-basics pack's 26 short phrases (short: the
case the content model never saw, a short phrase found inside a longer take).
Speakers are split as in ``bench/scorer_data.py``: 5-fold CV by speaker over the
100 development speakers, and the fixed 25 held-out speakers fitted on the 100.

``--fit`` fits the guard (logistic on the two explained shares, and its gate: the
widest gate that flags no more than 0.2 % of the training speakers' right takes
experts scored ≥ 7, and scales no more than 0.5 % of their right takes at all)
and prints the constants for ``explained.py``. Without it the shipped constants
are checked. ``--scorer`` then runs ``bench/scorer_report.py``'s report with the
guard in the scorer (needs the caches of bench/scorer_data.py too).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evidence_features  # noqa: E402
from calibrate import FOLDS, held_out_speakers  # noqa: E402
from devset import DATA  # noqa: E402

from tui.packs.loader import load_pack  # noqa: E402
from tui.scoring import english, explained, lexicon, models  # noqa: E402
from tui.scoring.calibration import DOUBTED_SCALE  # noqa: E402
from tui.scoring.english import EnglishEvidence  # noqa: E402
from tui.scoring.gop import GopEvidence  # noqa: E402
from tui.scoring.issues import DIFFERENT_CAP  # noqa: E402
from tui.scoring.whisper import WhisperEvidence  # noqa: E402

LOWS = np.round(np.arange(0.01, 0.5, 0.01), 2)
WIDTHS = (0.05, 0.1, 0.2, 0.3)
MAX_FLAGGED = 0.002
MAX_SCALED = 0.005
N = len(explained.FEATURES)


def phrase_phones(words: list[str]) -> list[tuple[str, ...] | None]:
    return [lexicon.spell(w) for w in words]


def table() -> dict[str, np.ndarray]:
    """Per take: speaker, child, expert total, and the explained shares of its right, wrong and short pairs."""
    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        manifest = {r["utt"]: r for r in csv.DictReader(fh)}
    tokens = models.phone_recogniser().tokens
    short = [p.text.split() for p in load_pack(ROOT / "lessons" / "en-basics").phrases]
    short_phones = [phrase_phones(words) for words in short]
    out: dict[str, list[object]] = {k: [] for k in ("speaker", "child", "total", "right", "wrong", "short")}
    for item in evidence_features.load_all():
        row = manifest[item["utt"]]
        evidence = listened(item, tokens)

        def agree(words: list[str], phones: list[tuple[str, ...] | None]) -> tuple[float, ...]:
            values = explained.measurements(words, replace(evidence, phrase_phones=tuple(phones)))
            assert values is not None
            return tuple(values[name] for name in explained.FEATURES)

        out["speaker"].append(row["speaker"])
        out["child"].append(int(row["age"]) < 12)
        out["total"].append(float(row["total"]))
        for key in ("right", "wrong"):
            words = item[key]["words"]
            out[key].append(agree(words, phrase_phones(words)))
        out["short"].append([agree(words, phones) for words, phones in zip(short, short_phones)])
    return {k: np.array(v) for k, v in out.items()}


def listened(item: dict[str, Any], tokens: tuple[str, ...]) -> EnglishEvidence:
    """What the guard reads of a cached take: the free phone decoding and Whisper's transcription (no phrase yet)."""
    heard = explained.free_phones(item["posteriors"].astype(np.float32), tokens)
    return EnglishEvidence(WhisperEvidence((), item["heard"]), GopEvidence((), False, 0.0), heard, (),
                           english.transcription_phones(item["heard"]))


def p_guard(coef: tuple[float, ...], intercept: float, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(intercept + x @ np.asarray(coef), -40, 40)))


def scales(p: np.ndarray, gate: tuple[float, float]) -> np.ndarray:
    return np.interp(p, gate, [DOUBTED_SCALE, 1.0])


def fit(t: dict[str, np.ndarray], train: np.ndarray) -> tuple[tuple[float, ...], float, tuple[float, float]]:
    """Logistic on the training takes (right against wrong and short, balanced), then the gate."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([t["right"][train], t["wrong"][train], t["short"][train].reshape(-1, N)])
    y = np.concatenate([np.ones(train.sum()), np.zeros(x.shape[0] - train.sum())])
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, y)
    coef = tuple(round(float(c), 2) for c in clf.coef_[0])
    intercept = round(float(clf.intercept_[0]), 2)
    p_right = p_guard(coef, intercept, t["right"][train])
    good = t["total"][train] >= 7
    best, best_key = (0.01, 0.06), (-1.0, 0.0)
    p_short = p_guard(coef, intercept, t["short"][train].reshape(-1, N))
    for low in LOWS:
        for width in WIDTHS:
            gate = (float(low), round(float(low + width), 2))
            s = scales(p_right, gate)
            if np.mean(100 * s[good] < DIFFERENT_CAP) > MAX_FLAGGED or np.mean(s < 1.0) > MAX_SCALED:
                continue
            key = (float(np.mean(scales(p_short, gate) <= DOUBTED_SCALE)), -width)
            if key > best_key:
                best, best_key = gate, key
    return coef, intercept, best


def report(label: str, t: dict[str, np.ndarray], test: np.ndarray, params: list[tuple[np.ndarray, tuple]]) -> None:
    """Right takes scaled / flagged (children and adults apart), wrong and short pairs doubted, on ``test``."""
    n = len(t["speaker"])
    s_right, s_wrong, s_short = np.full(n, np.nan), np.full(n, np.nan), np.full((n, t["short"].shape[1]), np.nan)
    for mask, (coef, intercept, gate) in params:
        s_right[mask] = scales(p_guard(coef, intercept, t["right"][mask]), gate)
        s_wrong[mask] = scales(p_guard(coef, intercept, t["wrong"][mask]), gate)
        s_short[mask] = scales(p_guard(coef, intercept, t["short"][mask].reshape(-1, N)), gate).reshape(-1, s_short.shape[1])
    print(f"-- {label} ({test.sum()} takes)")
    for name, group in (("adults", ~t["child"]), ("children", t["child"]), ("all", np.ones(n, bool))):
        m = test & group
        good = m & (t["total"] >= 7)
        print(f"   {name:<9} right takes scaled < 1: {100 * np.mean(s_right[m] < 1):5.2f} % of {m.sum()}; flagged 'different "
              f"phrase': {100 * np.mean(100 * s_right[m] < DIFFERENT_CAP):5.2f} % (experts ≥ 7: "
              f"{100 * np.mean(100 * s_right[good] < DIFFERENT_CAP):5.2f} % of {good.sum()})")
    short = s_short[test].ravel()
    wrong = s_wrong[test]
    print(f"   short en-basics phrases in these takes: fully doubted (≤ 40 whatever the rest) {100 * np.mean(short <= DOUBTED_SCALE):5.1f} %, "
          f"flagged {100 * np.mean(100 * short < DIFFERENT_CAP):5.1f} % of {short.size}")
    print(f"   another take's sentence: fully doubted {100 * np.mean(wrong <= DOUBTED_SCALE):5.1f} %, flagged "
          f"{100 * np.mean(100 * wrong < DIFFERENT_CAP):5.1f} % of {wrong.size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="fit the guard and print its constants")
    parser.add_argument("--scorer", action="store_true", help="then bench/scorer_report.py's report with the guard in the scorer")
    args = parser.parse_args()
    t = table()
    held = set(held_out_speakers(set(t["speaker"])))
    dev = ~np.isin(t["speaker"], list(held))
    rng = np.random.default_rng(0)
    fold_of = {s: i % FOLDS for i, s in enumerate(rng.permutation(sorted(set(t["speaker"][dev]))))}
    folds = np.array([fold_of.get(s, -1) for s in t["speaker"]])
    shipped = (explained.COEF, explained.INTERCEPT, explained.GATE)
    medians = ", ".join(f"{name} {np.median(t['right'][:, k]):.2f} / {np.median(t['short'][..., k]):.2f}"
                        for k, name in enumerate(explained.FEATURES))
    print(f"takes: {len(t['speaker'])} ({t['child'].sum()} by children < 12); medians, right / short pairs: {medians}")
    if args.fit:
        cv = [(folds == f, fit(t, dev & (folds != f))) for f in range(FOLDS)]
        report("5-fold CV by speaker, 100 dev speakers (guard refitted per fold)", t, dev, cv)
        final = fit(t, dev)
        report("held-out 25 speakers, guard fitted on the 100", t, ~dev, [(~dev, final)])
        print(f"fitted on the 100: COEF = {final[0]}, INTERCEPT = {final[1]}, GATE = {final[2]}; shipped: {shipped}")
    else:
        report("100 dev speakers, shipped guard (fitted on them)", t, dev, [(dev, shipped)])
        report("held-out 25 speakers, shipped guard", t, ~dev, [(~dev, shipped)])
    if args.scorer:
        with_scorer()


def with_scorer() -> None:
    """bench/scorer_report.py's report, the guard's measurements added to every pair (the shipped guard)."""
    import fit_scorer
    import scorer_report
    from scorer_data import Data, anchor_values, matrix

    data = Data()
    tokens = models.phone_recogniser().tokens
    by_utt = {e["utt"]: e for e in evidence_features.load_all()}
    for row, right, wrong in zip(data.rows, data.right, data.wrong):
        evidence = listened(by_utt[row["utt"]], tokens)
        for pair in (right, wrong):
            if pair is None:
                continue
            values = explained.measurements(pair.texts, replace(evidence, phrase_phones=tuple(phrase_phones(pair.texts))))
            assert values is not None
            pair.values.update(values)
    print("== bench/scorer_report.py with the shipped guard in the scorer (the scorer's models refitted as there)")
    anchors = anchor_values()
    scorer_report.report(data, anchors)
    right, wrong = data.values()
    good = data.target("total") >= 7
    for label, fits, tests in data.splits():
        flags = {name: np.full(len(data.rows), np.nan) for name in ("content", "both", "wrong_over_40")}
        for train, test in zip(fits, tests):
            fitted = fit_scorer.fit_set(data, train, anchors)
            for i in np.flatnonzero(test):
                p = float(fitted.content(matrix([right[i]], fitted.content.features))[0])
                flags["content"][i] = 100 * fitted.content_scale(p) < DIFFERENT_CAP
                flags["both"][i] = fit_scorer.predict(fitted, right, np.array([i]))["flagged"][0]
                if wrong[i] is not None:
                    flags["wrong_over_40"][i] = fit_scorer.predict(fitted, wrong, np.array([i]))["overall"][0] > 40
        for name, group in (("adults", ~data.child), ("children", data.child)):
            m = np.flatnonzero(np.isfinite(flags["both"]) & group)
            g = np.flatnonzero(np.isfinite(flags["both"]) & group & good)
            w = np.isfinite(flags["wrong_over_40"]) & group
            print(f"   {label[:12]} {name:<9} right takes flagged: content check alone {100 * np.mean(flags['content'][m]):.2f} %, "
                  f"with the guard {100 * np.mean(flags['both'][m]):.2f} % of {m.size}; experts ≥ 7: "
                  f"{100 * np.mean(flags['content'][g]):.2f} → {100 * np.mean(flags['both'][g]):.2f} % of {g.size}; "
                  f"wrong sentence ≤ 40: {100 * (1 - np.mean(flags['wrong_over_40'][w])):.1f} % of {w.sum()}")


if __name__ == "__main__":
    main()

"""Agreement of the fitted English scorer with experts, by speaker: what ``bench/fit_scorer.py`` prints.

For the 5-fold CV over the 100 development speakers and for the fixed 25
held-out speakers: Pearson r of each sub-score and of word scores with the
experts, for all takes, adults and children (< 12) apart, beside the best
single feature. A pooled r mixes groups: it rises with the share of adults and
with the spread of the experts' scores, which differ a lot between groups of
20–25 speakers. So each test group's make-up (speakers, children's share, the
experts' spread) and its own r are printed too, and the held-out r carries a
90 % interval from resampling its speakers.
"""

from __future__ import annotations

import numpy as np
from fit_scorer import SENTENCE, SIGNS, TARGETS, TOP_EXPERT, fit_set, predict, word_table
from scorer_data import Data, matrix

GOALS = {"overall": 0.74, "accuracy": 0.68, "fluency": 0.76, "intonation": 0.76, "word": 0.50}
CHILD_GOALS = {"overall": 0.65, "accuracy": 0.60}
BOOTSTRAP = 1000


def r(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if a.size > 2 else float("nan")


def single_best(values: list[dict[str, float]], idx: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> tuple[str, float]:
    """The feature of ``names`` that alone agrees best with ``y`` (signed as the model uses it)."""
    scores = {n: SIGNS[n] * r(np.array([values[i][n] for i in idx]), y) for n in names}
    name = max(scores, key=lambda n: scores[n] if np.isfinite(scores[n]) else -1)
    return name, scores[name]


def speaker_interval(data: Data, idx: np.ndarray, pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """90 % interval of r over resamples of the speakers of takes ``idx`` (``pred`` and ``y`` indexed like the data)."""
    speakers = data.speaker[idx]
    takes = {s: idx[speakers == s] for s in sorted(set(speakers))}
    names = list(takes)
    rng = np.random.default_rng(1)
    found = []
    for _ in range(BOOTSTRAP):
        pick = np.concatenate([takes[s] for s in rng.choice(names, len(names))])
        found.append(r(pred[pick], y[pick]))
    low, high = np.nanpercentile(found, [5, 95])
    return float(low), float(high)


def groups(data: Data, mask: np.ndarray) -> list[np.ndarray]:
    """``mask`` for all takes, adults' and children's."""
    return [mask, mask & ~data.child, mask & data.child]


def make_up(data: Data, test: np.ndarray) -> str:
    """Who a test group is: speakers (children), takes, children's share, the experts' spread of total (adults, children)."""
    total = data.target("total")
    spread = [float(np.std(total[m])) for m in groups(data, test)[1:]]
    return (f"{len(set(data.speaker[test]))} speakers ({len(set(data.speaker[test & data.child]))} children), {test.sum()} takes, "
            f"children {100 * data.child[test].mean():.0f} %, experts' sd adults {spread[0]:.2f} children {spread[1]:.2f}")


def report(data: Data, anchors: list[dict[str, float]]) -> None:
    """Fit on each split's training speakers and print agreement on its test speakers."""
    right, wrong = data.values()
    n = len(data.rows)
    for label, fits, tests in data.splits():
        pred = {name: np.full(n, np.nan) for name in (*TARGETS, "completeness", "flagged", "wrong", "wrong_flagged")}
        wpred, wy, widx = [], [], []
        for train, test in zip(fits, tests):
            models = fit_set(data, train, anchors)
            idx = np.flatnonzero(test)
            for name, values in predict(models, right, idx).items():  # type: ignore[arg-type]
                pred[name][idx] = values
            wrong_idx = np.flatnonzero(test & data.has_wrong)
            wrong_found = predict(models, wrong, wrong_idx)
            pred["wrong"][wrong_idx] = wrong_found["overall"]
            pred["wrong_flagged"][wrong_idx] = wrong_found["flagged"]
            x, y, at = word_table(data, test, models.sentence["overall"], right)
            scale = {i: models.content_scale(float(models.content(matrix([right[i]], models.content.features))[0])) for i in set(at)}
            wpred.append(np.clip(models.word(x), 0, 100) * np.array([scale[i] for i in at]))
            wy.append(y)
            widx.append(at)
        mask = ~np.isnan(pred["overall"])
        print(f"-- {label} ({mask.sum()} takes)")
        print(f"   {'score ~ expert':<24}{'all':>7}{'adults':>8}{'children':>9}{'goal':>6}   best single feature: adults, children")
        for name, column in TARGETS.items():
            y = data.target(column)
            line = f"   {name + ' ~ ' + column:<24}{r(pred[name][mask], y[mask]):>7.3f}"
            for m in groups(data, mask)[1:]:
                line += f"{r(pred[name][m], y[m]):>8.3f} "
            line += f"{GOALS[name]:>5.2f}" + (f"/{CHILD_GOALS[name]:.2f}" if name in CHILD_GOALS else "     ")
            for m in groups(data, mask)[1:]:
                single, value = single_best(right, np.flatnonzero(m), y[m], SENTENCE[name])
                line += f"  {single} {value:.3f}"
            print(line)
        wp, wt, wi = np.concatenate(wpred), np.concatenate(wy), np.concatenate(widx)
        kids = data.child[wi]
        print(f"   {'word ~ word accuracy':<24}{r(wp, wt):>7.3f}{r(wp[~kids], wt[~kids]):>8.3f} {r(wp[kids], wt[kids]):>8.3f} "
              f"{GOALS['word']:>5.2f}        ({wt.size} words)")
        print("   each test group on its own (r all/adults/children):")
        for k, test in enumerate(tests):
            cells = "  ".join(f"{name} " + "/".join(f"{r(pred[name][m], data.target(column)[m]):.2f}" for m in groups(data, test))
                              for name, column in TARGETS.items())
            print(f"     {'fold ' + str(k) if len(tests) > 1 else 'group'}: {cells}")
            print(f"       {make_up(data, test)}")
        if len(tests) == 1:
            print("   90 % interval from resampling the group's speakers (all; adults; children):")
            for name, column in TARGETS.items():
                y = data.target(column)
                cells = "; ".join("[{:.2f}, {:.2f}]".format(*speaker_interval(data, np.flatnonzero(m), pred[name], y))
                                  for m in groups(data, mask))
                print(f"     {name:<11} {cells}")
        content_lines(data, pred, mask)


def content_lines(data: Data, pred: dict[str, np.ndarray], mask: np.ndarray) -> None:
    """The top of the scale, the content check's false alarms and misses, completeness."""
    total = data.target("total")
    top = mask & (total >= TOP_EXPERT)
    good = mask & (total >= 7)
    wmask = ~np.isnan(pred["wrong"])
    print(f"   experts ≥ 9: median overall {np.median(pred['overall'][top]):.1f} (goal ≥ 92; {top.sum()} takes, "
          f"90th percentile {np.percentile(pred['overall'][top], 90):.1f})")
    print(f"   right takes flagged 'different phrase': {100 * np.mean(pred['flagged'][good]):.2f} % of {good.sum()} with "
          f"experts ≥ 7 (goal ≤ 1 %), {100 * np.mean(pred['flagged'][mask]):.2f} % of all (children "
          f"{100 * np.mean(pred['flagged'][mask & data.child]):.2f} %); wrong sentence ≤ 40: "
          f"{100 * np.mean(pred['wrong'][wmask] <= 40):.1f} % of {wmask.sum()} (goal ≥ 92 %), flagged "
          f"{100 * np.mean(pred['wrong_flagged'][wmask]):.1f} %")
    print(f"   completeness of right takes: median {np.median(pred['completeness'][mask]):.0f}, "
          f"100 for {100 * np.mean(pred['completeness'][mask] >= 100):.1f} %")

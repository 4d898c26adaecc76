"""Fit the scoring calibration on speechocean762-dev and print speaker-CV agreement.

    .venv/bin/python bench/calibrate.py [--data DIR] [--jobs N] [--write]

References are synthesized from each sentence with espeak-ng (as a lesson author
would). Raw measurements are cached in ``bench/out/calib_features.pkl``; delete it
after changing the measurements. With ``--write`` the models fitted on all
speakers replace ``tui/scoring/calibration.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.errors import PronounceError  # noqa: E402
from tui.scoring.calibration import CALIBRATION_FILE, Model  # noqa: E402
from tui.scoring.compare import SCORER_VERSION, PreparedReference, measure_pair, prepare_reference  # noqa: E402
from tui.scoring.measure import SENTENCE_FEATURES, WORD_FEATURES  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "speechocean762-dev"
CACHE = ROOT / "bench" / "out" / "calib_features.pkl"
TARGETS = {"overall": "total", "accuracy": "accuracy", "fluency": "fluency", "intonation": "prosodic"}
ALPHA = 3.0
FOLDS = 5
GATE_WIDTH = 0.15
# Which way is better for each measurement: the fit may only weigh a feature
# in its sensible direction (0 = unused), so a perfect match scores highest.
SENTENCE_SIGNS = {
    "cost_mean": -1, "cost_p90": -1, "excess_mean": -1, "ref_min_mean": -1, "word_cost_max": -1,
    "word_cost_std": -1, "log_speech_ratio": -1, "abs_log_speech_ratio": -1, "log_span_ratio": -1,
    "pause_count": -1, "pause_share": -1, "pause_max": -1, "tempo_std": -1, "pitch_corr": 1,
    "pitch_rmse": -1, "log_pitch_range_ratio": 1, "voiced_share": 0, "coverage": 1,
}
# Accuracy is the sound match: a uniform change of tempo must not move it.
TEMPO = ("log_speech_ratio", "abs_log_speech_ratio", "log_span_ratio")
WORD_SIGNS = {
    "cost": -1, "excess": -1, "ref_min": -1, "log_dur_ratio": -1, "pause_before": -1, "cost_rel": -1,
    "sentence_overall": 1,
}

_refs: dict[str, PreparedReference] = {}


def _reference(text: str) -> PreparedReference:
    from tui.speech.tts import synthesize

    if text not in _refs:
        speech = synthesize(text.lower(), lang="en-us")
        _refs[text] = prepare_reference((speech.samples, speech.samplerate), words=speech.words)
    return _refs[text]


def _naive_cost(path: Path, text: str) -> float:
    """The usual public recipe: librosa.load, MFCC-13, DTW, path cost per step."""
    import librosa

    from tui.speech.tts import synthesize

    speech = synthesize(text.lower(), lang="en-us")
    ref_y = librosa.resample(speech.samples, orig_sr=speech.samplerate, target_sr=16000)
    y, _ = librosa.load(path, sr=16000)
    a = librosa.feature.mfcc(y=ref_y, sr=16000, n_mfcc=13)
    b = librosa.feature.mfcc(y=y, sr=16000, n_mfcc=13)
    cost, path_ = librosa.sequence.dtw(X=a, Y=b)
    return float(cost[-1, -1] / len(path_))


def _features(row: dict[str, str]) -> dict[str, object]:
    ref = _reference(row["text"])
    audio = DATA / row["audio"]
    out: dict[str, object] = {"utt": row["utt"], "naive": _naive_cost(audio, row["text"])}
    try:
        _, found = measure_pair(ref, str(audio))
    except PronounceError as exc:
        out["error"] = str(exc)
        return out
    if found is not None:
        out["sentence"] = [found.sentence[name] for name in SENTENCE_FEATURES]
        out["words"] = found.words
        out["ref_words"] = [w.text for w in ref.words]
    return out


def _self_features(text: str) -> tuple[list[float], np.ndarray]:
    """Measurements of a reference against itself: the 'perfect' anchor."""
    from tui.speech.tts import synthesize

    speech = synthesize(text.lower(), lang="en-us")
    _, found = measure_pair(_reference(text), (speech.samples, speech.samplerate))
    assert found is not None
    return [found.sentence[name] for name in SENTENCE_FEATURES], found.words


def _ridge(x: np.ndarray, y: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge regression whose weights keep the given signs (non-negative least squares)."""
    from scipy.optimize import nnls

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale * signs
    a = np.vstack([z, np.sqrt(ALPHA) * np.eye(z.shape[1])])
    b = np.concatenate([y - y.mean(), np.zeros(z.shape[1])])
    weights, _ = nnls(a, b)
    return mean, scale, weights * signs, float(y.mean())


def fit(
    x: np.ndarray,
    y: np.ndarray,
    perfect: np.ndarray,
    names: tuple[str, ...],
    *,
    unused: tuple[str, ...] = (),
    isotonic: bool = True,
) -> Model:
    """Ridge + monotone map to 0–100 ending at 100 for ``perfect`` rows.

    The map is isotonic on the training data, or linear (``isotonic=False``,
    for word scores, where the experts' many 10s make isotonic steps lose
    detail). The anchor never cuts into the curve: when a perfect match
    predicts lower than some learners, it scores what those learners score.
    """
    from sklearn.isotonic import IsotonicRegression

    table = SENTENCE_SIGNS if names == SENTENCE_FEATURES else WORD_SIGNS
    signs = np.array([0 if name in unused else table[name] for name in names], dtype=np.float64)
    mean, scale, coef, intercept = _ridge(x, y, signs)
    model = Model(names, mean, scale, coef, intercept, np.array([0.0, 10.0]), np.array([0.0, 100.0]))
    raw = model.raw(x)
    if isotonic:
        iso = IsotonicRegression(out_of_bounds="clip").fit(raw, y)
        knots_x, knots_y = np.asarray(iso.X_thresholds_), 10.0 * np.asarray(iso.y_thresholds_)
    else:
        knots_x = np.percentile(raw, [0.0, 100.0])
        knots_y = 10.0 * np.clip(knots_x, 0.0, 10.0)
    anchor = max(float(np.min(model.raw(perfect))), float(knots_x.max()) + 1e-3)
    knots_x = np.append(knots_x, anchor)
    knots_y = np.append(np.minimum(knots_y, 99.0), 100.0)
    return Model(names, mean, scale, coef, intercept, knots_x, knots_y)


def _folds(speakers: np.ndarray) -> np.ndarray:
    unique = np.unique(speakers)
    rng = np.random.default_rng(0)
    order = rng.permutation(unique)
    fold_of = {s: i % FOLDS for i, s in enumerate(order)}
    return np.array([fold_of[s] for s in speakers])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="rewrite tui/scoring/calibration.json")
    args = parser.parse_args()
    with open(args.data / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if CACHE.exists():
        feats = pickle.loads(CACHE.read_bytes())
    else:
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with multiprocessing.Pool(args.jobs) as pool:
            feats = pool.map(_features, rows, chunksize=8)
        CACHE.write_bytes(pickle.dumps(feats))
    texts = sorted({r["text"] for r in rows})[:40]
    perfect = [_self_features(t) for t in texts]
    perfect_x = np.array([p[0] for p in perfect])

    ok = [i for i, f in enumerate(feats) if "sentence" in f]
    x = np.array([feats[i]["sentence"] for i in ok])
    speakers = np.array([rows[i]["speaker"] for i in ok])
    fold = _folds(speakers)
    naive = -np.array([feats[i]["naive"] for i in ok])
    print(f"utterances: {len(rows)} (scored {len(ok)}), speakers: {len(set(speakers))}, {FOLDS} folds by speaker")

    # word rows: only utterances whose TTS words match the expert words one to one
    w_rows, w_y, w_fold, w_utt = [], [], [], []
    for k, i in enumerate(ok):
        expert = json.loads(rows[i]["words"])
        if len(expert) == len(feats[i]["ref_words"]):
            w_rows.append(feats[i]["words"])
            w_y.extend(float(w["accuracy"]) for w in expert)
            w_fold.extend([fold[k]] * len(expert))
            w_utt.extend([k] * len(expert))
    wx, wy, wf, wu = np.vstack(w_rows), np.array(w_y), np.array(w_fold), np.array(w_utt)
    perfect_w = np.vstack([p[1] for p in perfect])

    print(f"{'score':<12}{'expert':<10}{'naive r':>9}{'CV r':>8}{'target':>8}")
    targets = {"overall": 0.65, "accuracy": 0.60, "fluency": 0.65, "intonation": 0.60}
    predicted_raw = np.zeros(len(ok))
    perfect_raw = np.zeros(FOLDS)
    excess = x[:, SENTENCE_FEATURES.index("excess_mean")]
    for name, column in TARGETS.items():
        y = np.array([float(rows[i][column]) for i in ok])
        pred = np.zeros_like(y)
        for f in range(FOLDS):
            model = fit(x[fold != f], y[fold != f], perfect_x, SENTENCE_FEATURES, unused=TEMPO if name == "accuracy" else ())
            low = float(np.percentile(excess[fold != f], 99))
            pred[fold == f] = model(x[fold == f]) * np.clip((low + GATE_WIDTH - excess[fold == f]) / GATE_WIDTH, 0, 1)
            if name == "overall":
                predicted_raw[fold == f] = model.raw(x[fold == f])
                perfect_raw[f] = np.min(model.raw(perfect_x))
        r = np.corrcoef(pred, y)[0, 1]
        print(f"{name:<12}{column:<10}{np.corrcoef(naive, y)[0, 1]:>9.3f}{r:>8.3f}{targets[name]:>8.2f}")

    wx_full = np.hstack([wx, predicted_raw[wu][:, None]])
    perfect_wx = np.hstack([perfect_w, np.zeros((len(perfect_w), 1))])
    word_names = (*WORD_FEATURES, "sentence_overall")
    wpred = np.zeros_like(wy)
    for f in range(FOLDS):
        perfect_wx[:, -1] = perfect_raw[f]
        model = fit(wx_full[wf != f], wy[wf != f], perfect_wx, word_names, isotonic=False)
        wpred[wf == f] = model(wx_full[wf == f])
    naive_w = naive[wu]
    print(f"{'word':<12}{'accuracy':<10}{np.corrcoef(naive_w, wy)[0, 1]:>9.3f}{np.corrcoef(wpred, wy)[0, 1]:>8.3f}{0.35:>8.2f}"
          f"   ({len(wy)} words)")

    if args.write:
        sentence = {}
        for name, column in TARGETS.items():
            y = np.array([float(rows[i][column]) for i in ok])
            sentence[name] = fit(x, y, perfect_x, SENTENCE_FEATURES, unused=TEMPO if name == "accuracy" else ())
        overall_raw = sentence["overall"].raw(x)
        perfect_wx[:, -1] = float(np.min(sentence["overall"].raw(perfect_x)))
        word = fit(np.hstack([wx, overall_raw[wu][:, None]]), wy, perfect_wx, word_names, isotonic=False)
        data = {
            "version": SCORER_VERSION,
            "fitted_on": "speechocean762-dev (1,000 utterances; SpeechOcean and Xiaomi, CC BY 4.0)",
            "sentence": {name: model.to_dict() for name, model in sentence.items()},
            "word": word.to_dict(),
            "content_gate": [round(float(np.percentile(excess, 99)), 4), round(float(np.percentile(excess, 99)) + GATE_WIDTH, 4)],
        }
        CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()

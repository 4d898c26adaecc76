"""The English scorer's training data: speechocean762-dev's cached evidence, as named features per take and word.

Joins the caches of ``bench/calib_features.py`` (template, cohort) and
``bench/evidence_features.py`` (Whisper, phone recogniser) by utterance. Every
feature is computed by the scorer's own functions (:mod:`tui.scoring.english`,
:mod:`tui.scoring.grade`), the phones aligned again from the cached posteriors,
so what is fitted here is what the scorer measures. Also the fixed speaker
split: 5 folds over the 100 development speakers and the 25 held-out ones.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import calib_features  # noqa: E402
import evidence_features  # noqa: E402
from calibrate import FOLDS, cohort_values, held_out_speakers, speech_seconds  # noqa: E402
from devset import DATA  # noqa: E402

from tui.scoring import english, gop, lexicon, models  # noqa: E402
from tui.scoring.english import EnglishEvidence  # noqa: E402
from tui.scoring.grade import content_features  # noqa: E402
from tui.scoring.measure import SENTENCE_FEATURES, WORD_FEATURES  # noqa: E402
from tui.scoring.whisper import WhisperEvidence  # noqa: E402

CHILD_AGE = 12
"""Speakers younger than this are reported as children."""
POSTERIORS = "posteriors"
"""The cached phone posteriors the alignments are redone from (of the whole take, as the scorer computes them)."""


@dataclass
class Pair:
    """One (take, sentence) pair: its sentence values and word tables."""

    values: dict[str, float]
    words: np.ndarray
    """English word features (:data:`tui.scoring.english.WORD_FEATURES`), one row per sentence word."""
    texts: list[str]
    template_words: np.ndarray | None
    """Template word features (:data:`tui.scoring.measure.WORD_FEATURES`), None when the words do not line up."""


class Data:
    """Both caches joined by utterance, as right pairs (the take's own sentence) and wrong pairs (another's)."""

    def __init__(self) -> None:
        with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
            manifest = {r["utt"]: r for r in csv.DictReader(fh)}
        calib = {f["utt"]: f for f in calib_features.load_all() if "right" in f}
        found = [e for e in evidence_features.load_all() if e["utt"] in calib]
        self.rows = [manifest[e["utt"]] for e in found]
        self.speaker = np.array([r["speaker"] for r in self.rows])
        self.child = np.array([int(r["age"]) < CHILD_AGE for r in self.rows])
        seconds = speech_seconds([e["utt"] for e in found])
        recogniser = models.phone_recogniser()
        self.right: list[Pair] = []
        self.wrong: list[Pair | None] = []
        for item in found:
            c = calib[item["utt"]]
            others = [*c["pack_costs"], *c["builtin_costs"]]
            logp = item[POSTERIORS].astype(np.float32)
            self.right.append(pair(item, "right", c["right"], others, seconds[item["utt"]], recogniser, logp))
            self.wrong.append(pair(item, "wrong", c["wrong"], others, seconds[item["utt"]], recogniser, logp)
                              if "wrong" in c else None)
        self.has_wrong = np.array([w is not None for w in self.wrong])
        self.expert_words = [json.loads(r["words"]) for r in self.rows]
        held = set(held_out_speakers({row["speaker"] for row in calib_features.rows()}))
        self.dev = ~np.isin(self.speaker, list(held))
        """The 100 development speakers' takes (the others are the held-out 25's)."""
        rng = np.random.default_rng(0)
        fold_of = {s: i % FOLDS for i, s in enumerate(rng.permutation(sorted(set(self.speaker[self.dev]))))}
        self.folds = np.array([fold_of.get(s, -1) for s in self.speaker])
        """Each development take's fold (by speaker), -1 for the held-out group."""

    def values(self) -> tuple[list[dict[str, float]], list[dict[str, float] | None]]:
        """Sentence values of every right and wrong pair."""
        return [p.values for p in self.right], [None if p is None else p.values for p in self.wrong]

    def target(self, column: str) -> np.ndarray:
        """The experts' sentence score ``column`` (0–10) of every take."""
        return np.array([float(r[column]) for r in self.rows])

    def splits(self) -> list[tuple[str, list[np.ndarray], list[np.ndarray]]]:
        """(label, training masks, test masks): the 5 folds by speaker, then the held-out group fitted on the 100."""
        return [
            ("5-fold CV by speaker, 100 dev speakers", [(self.folds != f) & self.dev for f in range(FOLDS)],
             [self.folds == f for f in range(FOLDS)]),
            ("held-out 25 speakers, fitted on the 100", [self.dev], [~self.dev]),
        ]


def pair(item: dict[str, Any], key: str, calib_pair: dict[str, Any], others: list[float], seconds: float,
         recogniser: Any, logp: np.ndarray) -> Pair:
    """One pair's values, the phones aligned again from the cached posteriors (as the scorer aligns them now)."""
    side = item[key]
    aligned = gop.align(recogniser, logp, lexicon.spell_all(side["words"]))
    evidence = EnglishEvidence(WhisperEvidence(side["whisper"], item["heard"]), aligned)
    values = dict(zip(SENTENCE_FEATURES, calib_pair["sentence"]))
    values.update(cohort_values(calib_pair["own_cost"], others))
    values.update(english.sentence_features(evidence, side["words"], seconds))
    values["found_share"] = float(np.mean(english.found(evidence)))
    template = np.asarray(calib_pair["words"]) if len(calib_pair["ref_words"]) == len(side["words"]) else None
    return Pair(values, english.word_table(evidence), side["words"], template)


def anchor_values(count: int = 20) -> list[dict[str, float]]:
    """Sentence values of espeak-ng references said by themselves (the 'perfect' takes)."""
    from tui.scoring import level, prepare_phrase, signal
    from tui.scoring.cohort import content_evidence, pooled
    from tui.scoring.features import analyse
    from tui.scoring.measure import measure
    from tui.speech.tts import synthesize

    texts = sorted({r["text"] for r in calib_features.rows()})[::97][:count]
    out = []
    for text in texts:
        speech = synthesize(text.lower(), lang="en-us")
        prepared = prepare_phrase(text.lower(), lang="en-us", audio=(speech.samples, speech.samplerate), words=speech.words)
        y = level.normalised(signal.load((speech.samples, speech.samplerate), what="attempt"))
        att = analyse(y)
        if att is None or prepared.english is None:
            raise RuntimeError(f"the espeak-ng reference of {text!r} has no speech or no English words")
        values = dict(measure(prepared.analysis, att, prepared.spans()).sentence)
        values.update(content_features(content_evidence(prepared.pooled, pooled(att.feats), prepared.cohort)))
        heard = english.hear(prepared.english, y)
        values.update(english.sentence_features(heard, [w.text for w in prepared.words], att.speech_seconds))
        values["found_share"] = float(np.mean(english.found(heard)))
        out.append(values)
    return out


def word_rows(data: Data, i: int, sentence_raw: float, names: tuple[str, ...]) -> np.ndarray | None:
    """The word model's rows (features ``names``) for take ``i`` (None when its words do not line up with the experts')."""
    p = data.right[i]
    if p.template_words is None or p.words.shape[0] != len(data.expert_words[i]):
        return None
    table = {n: p.template_words[:, k] for k, n in enumerate(WORD_FEATURES)}
    table.update({n: p.words[:, k] for k, n in enumerate(english.WORD_FEATURES)})
    table["sentence_overall"] = np.full(p.words.shape[0], sentence_raw)
    return np.stack([table[n] for n in names], axis=1)


def matrix(values: list[dict[str, float]], names: tuple[str, ...]) -> np.ndarray:
    """Rows of the named features."""
    return np.array([[v[n] for n in names] for v in values], dtype=np.float64)

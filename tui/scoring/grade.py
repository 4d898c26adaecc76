"""Turn the evidence about one attempt into a calibrated :class:`~tui.scoring.score.Score`.

Three kinds of evidence meet here: the template match (DTW measurements, every
language), the cohort content check (every language with a cohort) and, for
English, Whisper's word probabilities with the phone recogniser's GOP. Which
models apply depends on whether English evidence exists; the score card names
the evidence used, and says so when the English models could not be used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui.scoring import english, explained
from tui.scoring.calibration import Model, ModelSet, load_calibration
from tui.scoring.card import FALLBACK
from tui.scoring.cohort import ContentEvidence
from tui.scoring.english import EnglishEvidence
from tui.scoring.features import Analysis
from tui.scoring.issues import Findings, find_issues
from tui.scoring.measure import WORD_FEATURES, Measurements
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming

PATH_POINTS = 200
"""At most this many alignment points are kept in :attr:`Score.path`."""
ENGLISH = "Whisper and phone evidence (English)"
TEMPLATE = "template match"
NO_WORDS = "template match (no words to align)"
NO_COHORT_Z = 3.0
NO_COHORT_MARGIN = 0.1
"""Content evidence assumed when there is no cohort: a clear fit, so the scale rests on the other evidence."""
COVERAGE_FULL = 0.9
"""Template completeness: this share of the reference covered by speech counts as all of it."""
COMPLETE_FOR_FULL_OVERALL = 80.0
"""Overall is scaled down when completeness falls below this."""


@dataclass(frozen=True)
class Evidence:
    """Everything known about one attempt before calibration.

    Attributes
    ----------
    measurements : Measurements
        Template match against the reference.
    content : ContentEvidence or None
        Cohort content check (None without a cohort).
    english : EnglishEvidence or None
        Whisper and phone evidence (None: not English, no alignable word, or models unavailable).
    alignable_text : bool
        False when the phrase text has no word that could be aligned.
    clipped : bool
        The take was recorded too loud and clipped.
    fallback : str
        Why English evidence was wanted but could not be had ("" otherwise).
    """

    measurements: Measurements
    content: ContentEvidence | None
    english: EnglishEvidence | None
    alignable_text: bool = True
    clipped: bool = False
    fallback: str = ""


def content_features(content: ContentEvidence | None) -> dict[str, float]:
    """Cohort measurements (neutral values without a cohort)."""
    if content is None:
        return {"cohort_z": NO_COHORT_Z, "cohort_margin": NO_COHORT_MARGIN, "cohort_rank": 0.0}
    return {"cohort_z": content.z, "cohort_margin": content.margin, "cohort_rank": float(content.rank)}


def sentence_values(
    found: Measurements, content: ContentEvidence | None, heard: EnglishEvidence | None, words: tuple[str, ...], speech_seconds: float
) -> dict[str, float]:
    """Every named sentence measurement the models may use (``found_share`` with English evidence)."""
    values = dict(found.sentence)
    values.update(content_features(content))
    if heard is not None:
        values.update(english.sentence_features(heard, words, speech_seconds))
        values["found_share"] = float(np.mean(english.found(heard))) if words else 0.0
        guard = explained.measurements(words, heard)
        if guard is not None:
            values.update(guard)
            aligner_only = english.found(heard) & ~_in_transcription(heard)
            values["aligner_only_share"] = float(np.mean(aligner_only)) if words else 0.0
    return values


def trusted(values: dict[str, float]) -> float:
    """How far words only the aligner found count (1 without the guard's measurements)."""
    return explained.trust(explained.scale(values)) if "phones_explained" in values else 1.0


def sentence_scores(models: ModelSet, values: dict[str, float], *, english_evidence: bool) -> tuple[dict[str, float], float, float]:
    """Sub-scores 0–100 (overall scaled by the share of words found), completeness and the content scale.

    Completeness is the share of the phrase's words found (English evidence:
    words only the aligner placed count as far as the guard trusts the take),
    else the share of the reference covered by speech. Every score is
    multiplied by the content scale (1 when it is surely this phrase, 0.4 when
    it is surely not): the smaller of the content check's and, with its
    measurements, the guard's (:mod:`tui.scoring.explained`).
    """
    p_right = float(models.content(_row(values, models.content.features))[0])
    scale = models.content_scale(p_right)
    if english_evidence and "phones_explained" in values:
        scale = min(scale, explained.scale(values))
    subs = {
        name: float(np.clip(model(_row(values, model.features))[0], 0.0, 100.0)) * scale
        for name, model in models.sentence.items()
    }
    if english_evidence:
        found = 100.0 * values["found_share"]
        completeness = found - 100.0 * (1.0 - trusted(values)) * values.get("aligner_only_share", 0.0)
    else:
        found = completeness = float(np.clip(100.0 * values["coverage"] / COVERAGE_FULL, 0.0, 100.0))
    # the guard's doubt scales every score already: the words it stops counting do not lower overall a second time
    # (counting them twice cost the held-out speakers' overall 0.013 of agreement, bench/bench_guard.py --scorer)
    subs["overall"] *= min(1.0, found / COMPLETE_FOR_FULL_OVERALL)
    return subs, completeness, scale


def word_matrix(found: Measurements, heard: EnglishEvidence | None, sentence_raw: float, names: tuple[str, ...]) -> np.ndarray:
    """Per-word rows of the features ``names``: template path features, English word features, the sentence's raw score."""
    table = {name: found.words[:, i] for i, name in enumerate(WORD_FEATURES)}
    table["sentence_overall"] = np.full(found.words.shape[0], sentence_raw)
    if heard is not None:
        rows = english.word_table(heard)
        if rows.shape[0] == found.words.shape[0]:
            table.update({name: rows[:, i] for i, name in enumerate(english.WORD_FEATURES)})
    return np.stack([table[name] for name in names], axis=1)


def _row(values: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[values[name] for name in names]], dtype=np.float64)


def _raw(model: Model, values: dict[str, float]) -> float:
    return float(model.raw(_row(values, model.features))[0])


def grade(words: tuple[WordTiming, ...], ref: Analysis, att: Analysis, evidence: Evidence, version: str) -> Score:
    """The calibrated score of one attempt.

    Parameters
    ----------
    words : tuple of WordTiming
        The reference's words (may be empty).
    ref, att : Analysis
        Reference and attempt analyses (for times on the path).
    evidence : Evidence
    version : str
        The scorer version to stamp.
    """
    calibration = load_calibration()
    heard = evidence.english
    models = calibration.english if heard is not None else calibration.template
    found = evidence.measurements
    texts = tuple(w.text for w in words)
    values = sentence_values(found, evidence.content, heard, texts, att.speech_seconds)
    subs, completeness, scale = sentence_scores(models, values, english_evidence=heard is not None)
    scored: list[WordScore] = []
    missing: list[str] = []
    if words:
        x = word_matrix(found, heard, _raw(models.sentence["overall"], values), models.word.features)
        word_scores = np.clip(models.word(x), 0.0, 100.0) * scale
        said = _said(heard, trusted(values)) if heard is not None else np.ones(len(words), bool)
        spans = english.word_spans(heard) if heard is not None else [None] * len(words)
        for i, (timing, value) in enumerate(zip(words, word_scores)):
            span = spans[i]
            start, end = span if span is not None else _template_span(i, found, att)
            scored.append(WordScore(text=timing.text, score=_score(float(value)), ref_start=round(timing.start, 3), ref_end=round(timing.end, 3),
                                    att_start=round(start, 3) if said[i] else None, att_end=round(end, 3) if said[i] else None))
            if not said[i]:
                missing.append(timing.text)
    step = max(1, len(found.path) // PATH_POINTS)
    kept = found.path[::step]
    seconds = np.stack([ref.time(kept[:, 0]), att.time(kept[:, 1])], axis=1).round(3)
    kind = ENGLISH if heard is not None else TEMPLATE if evidence.alignable_text else NO_WORDS
    if evidence.fallback:
        kind = f"{TEMPLATE}{FALLBACK}{evidence.fallback}"
    weakest = _weakest_sound(heard, scored, texts)
    findings = Findings(
        content_cap=100.0 * scale, completeness=completeness, missing=tuple(missing), clipped=evidence.clipped,
        weakest_sound=weakest, heard=heard.whisper.heard if heard is not None else "",
    )
    return Score(
        overall=_score(subs["overall"]),
        accuracy=_score(subs["accuracy"]),
        fluency=_score(subs["fluency"]),
        intonation=_score(subs["intonation"]),
        completeness=_score(completeness),
        words=tuple(scored),
        issues=find_issues(found, scored, findings),
        path=tuple((float(r), float(a)) for r, a in seconds),
        scorer_version=version,
        evidence=kind,
    )


WEAK_SOUND_WORD = 80.0
"""The weakest word's weakest sound is named when that word scores below this."""


def _in_transcription(heard: EnglishEvidence) -> np.ndarray:
    return np.asarray(english.word_table(heard)[:, english.WORD_FEATURES.index("w_heard")] > 0)


def _said(heard: EnglishEvidence, trust: float) -> np.ndarray:
    """Which words count as said: in Whisper's transcription, or placed by the aligner in a take the guard trusts."""
    return np.asarray(_in_transcription(heard) | (english.found(heard) & (trust >= 0.5)))


def _weakest_sound(heard: EnglishEvidence | None, scored: list[WordScore], texts: tuple[str, ...]) -> str:
    """The finding about the weakest word's weakest sound ("" when no word is weak or there is no phone evidence)."""
    if heard is None or not scored:
        return ""
    candidates = [i for i, w in enumerate(scored) if w.att_start is not None and w.score < WEAK_SOUND_WORD]
    if not candidates:
        return ""
    weakest = min(candidates, key=lambda i: scored[i].score)
    return english.weakest_sound(heard, texts, weakest) or ""


def _score(value: float) -> float:
    """A score as shown and stored: one decimal, and 0 rather than NaN should a measurement ever be undefined."""
    return round(value, 1) if np.isfinite(value) else 0.0


def _template_span(i: int, found: Measurements, att: Analysis) -> tuple[float, float]:
    """Where word ``i`` lies in the attempt (s) along the DTW path."""
    span = found.word_att[i]
    start, end = (float(t) for t in np.asarray(att.time(np.asarray(span))))
    return start, end

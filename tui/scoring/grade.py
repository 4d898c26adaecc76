"""Turn the evidence about one attempt into a calibrated :class:`~tui.scoring.score.Score`.

Three kinds of evidence meet here: the template match (DTW measurements, every
language), the cohort content check (every language with a cohort) and, for
English, the forced phone alignment. Which models apply depends on whether
phone evidence exists; the score card names the evidence used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui.scoring.calibration import ModelSet, load_calibration
from tui.scoring.cohort import ContentEvidence
from tui.scoring.features import FRAME_S, Analysis
from tui.scoring.issues import find_issues
from tui.scoring.measure import WORD_FEATURES, Measurements
from tui.scoring.phones import FAILED_GOP, FRAME_RATE, PhoneEvidence
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming

PATH_POINTS = 200
"""At most this many alignment points are kept in :attr:`Score.path`."""
PHONES = "phone alignment (English)"
TEMPLATE = "template match"
NO_WORDS = "template match (no words to align)"
NO_COHORT_Z = 3.0
NO_COHORT_MARGIN = 0.1
"""Content evidence assumed when there is no cohort: a clear fit, so the cap rests on the other evidence."""
COVERAGE_FULL = 0.9
"""Template completeness: this share of the reference covered by speech counts as all of it."""
FAILED_FIT = 2.0
"""``word_fit`` of a failed alignment (and its ceiling)."""
SPOKEN_RAMP = 20.0
"""Width (GOP units) of the ramp from "not said" to "said" around the calibrated threshold."""
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
    phones : PhoneEvidence or None
        Forced alignment (None: not English, or no alignable word).
    alignable_text : bool
        False when the phrase text has no word that could be aligned.
    """

    measurements: Measurements
    content: ContentEvidence | None
    phones: PhoneEvidence | None
    alignable_text: bool = True


def spoken(gop: np.ndarray, spoken_gop: float) -> np.ndarray:
    """How surely each aligned word was said (0–1): a ramp :data:`SPOKEN_RAMP` wide centred on ``spoken_gop``."""
    return np.clip((gop - spoken_gop) / SPOKEN_RAMP + 0.5, 0.0, 1.0)


def phone_features(phones: PhoneEvidence, spoken_gop: float, speech_seconds: float) -> dict[str, float]:
    """Sentence-level phone measurements.

    Mean and worst word GOP, the share of words spoken, whether the alignment
    failed, and ``word_fit``: how far the aligned words' total length is from
    the attempt's speech (|log ratio|). When the text is not what was said, the
    aligner squeezes its words and leaves the rest of the speech to silence.
    """
    found = [w for w in phones.words if w is not None]
    gops = np.array([w.gop for w in found])
    if phones.failed or not gops.size:
        return {"gop_mean": FAILED_GOP, "gop_worst": FAILED_GOP, "spoken_share": 0.0, "align_failed": 1.0, "word_fit": FAILED_FIT}
    seconds = sum(w.frames for w in found) / FRAME_RATE
    return {
        "gop_mean": phones.sentence_gop(),
        "gop_worst": float(gops.min()),
        "spoken_share": float(spoken(gops, spoken_gop).mean()),
        "align_failed": 0.0,
        "word_fit": float(min(abs(np.log(seconds / max(speech_seconds, FRAME_S))), FAILED_FIT)),
    }


def content_features(content: ContentEvidence | None) -> dict[str, float]:
    """Cohort measurements (neutral values without a cohort)."""
    if content is None:
        return {"cohort_z": NO_COHORT_Z, "cohort_margin": NO_COHORT_MARGIN, "cohort_rank": 0.0}
    return {"cohort_z": content.z, "cohort_margin": content.margin, "cohort_rank": float(content.rank)}


def word_rows(found: Measurements, phones: PhoneEvidence | None, overall_raw: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per-word feature rows: template path features, word GOP (and its gap to the sentence's), sentence level."""
    names: tuple[str, ...] = (*WORD_FEATURES, "sentence_overall")
    rows = np.hstack([found.words, np.full((len(found.words), 1), overall_raw)])
    if phones is None:
        return rows, names
    sentence = phones.sentence_gop()
    gop = np.array([FAILED_GOP if w is None or phones.failed else w.gop for w in phones.words])
    if gop.size != rows.shape[0]:
        gop = np.full(rows.shape[0], sentence)
    return np.hstack([rows, gop[:, None], (gop - sentence)[:, None]]), (*names, "gop", "gop_rel")


def measurement_values(
    found: Measurements, content: ContentEvidence | None, phones: PhoneEvidence | None, models: ModelSet, speech_seconds: float
) -> dict[str, float]:
    """Every named sentence measurement the models may use."""
    values = dict(found.sentence)
    values.update(content_features(content))
    if phones is not None:
        values.update(phone_features(phones, models.spoken_gop or 0.0, speech_seconds))
    return values


def sentence_scores(models: ModelSet, values: dict[str, float], *, phones: bool) -> tuple[dict[str, float], float, float]:
    """Sub-scores 0–100 (overall scaled by completeness), completeness and the content scale.

    Completeness is the share of the phrase's words spoken (phone evidence),
    else (no phone evidence, or no alignment found) the share of the reference
    covered by speech. Every score is multiplied by the content scale (1 when
    it is surely this phrase, 0.4 when it is surely not).
    """
    p_right = float(models.content(_row(values, models.content.features))[0])
    scale = models.content_scale(p_right)
    subs = {
        name: float(np.clip(model(_row(values, model.features))[0], 0.0, 100.0)) * scale
        for name, model in models.sentence.items()
    }
    if phones and not values["align_failed"]:
        completeness = 100.0 * values["spoken_share"]
    else:
        completeness = float(np.clip(100.0 * values["coverage"] / COVERAGE_FULL, 0.0, 100.0))
    subs["overall"] *= min(1.0, completeness / COMPLETE_FOR_FULL_OVERALL)
    return subs, completeness, scale


def _row(values: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[values[name] for name in names]], dtype=np.float64)


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
    phones = evidence.phones
    models: ModelSet = calibration.phones if phones is not None else calibration.template
    found = evidence.measurements
    values = measurement_values(found, evidence.content, phones, models, att.speech_seconds)
    subs, completeness, scale = sentence_scores(models, values, phones=phones is not None)
    overall = subs["overall"]
    scored: list[WordScore] = []
    if words:
        overall_model = models.sentence["overall"]
        rows, names = word_rows(found, phones, float(overall_model.raw(_row(values, overall_model.features))[0]))
        table = {name: rows[:, i] for i, name in enumerate(names)}
        x = np.stack([table[name] for name in models.word.features], axis=1)
        word_scores = np.clip(models.word(x), 0.0, 100.0) * scale
        for i, (timing, value) in enumerate(zip(words, word_scores)):
            start, end = _word_span(i, found, phones, att)
            scored.append(WordScore(text=timing.text, score=_score(float(value)), ref_start=timing.start, ref_end=timing.end,
                                    att_start=start, att_end=end))
    step = max(1, len(found.path) // PATH_POINTS)
    kept = found.path[::step]
    seconds = np.stack([ref.time(kept[:, 0]), att.time(kept[:, 1])], axis=1).round(3)
    kind = PHONES if phones is not None else TEMPLATE if evidence.alignable_text else NO_WORDS
    return Score(
        overall=_score(overall),
        accuracy=_score(subs["accuracy"]),
        fluency=_score(subs["fluency"]),
        intonation=_score(subs["intonation"]),
        completeness=_score(completeness),
        words=tuple(scored),
        issues=find_issues(found, scored, content_cap=100.0 * scale, completeness=completeness),
        path=tuple((float(r), float(a)) for r, a in seconds),
        scorer_version=version,
        evidence=kind,
    )


def _score(value: float) -> float:
    """A score as shown and stored: one decimal, and 0 rather than NaN should a measurement ever be undefined."""
    return round(value, 1) if np.isfinite(value) else 0.0


def _word_span(i: int, found: Measurements, phones: PhoneEvidence | None, att: Analysis) -> tuple[float | None, float | None]:
    """Where word ``i`` lies in the attempt (s): from the phone alignment when there is one, else the DTW path."""
    if phones is not None and not phones.failed and i < len(phones.words) and phones.words[i] is not None:
        word = phones.words[i]
        assert word is not None
        return round(word.start, 3), round(word.end, 3)
    span = found.word_att[i]
    start, end = (round(float(t), 3) for t in np.asarray(att.time(np.asarray(span))))
    return start, end

"""Plain-language findings about an attempt, for the score card."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui.scoring.measure import Measurements
from tui.scoring.score import WordScore

LONG_PAUSE_S = 0.35
SLOW, FAST = np.log(1.3), np.log(1 / 1.3)
WORD_LONG = np.log(1.8)
WEAK_WORD = 45.0
MAX_ISSUES = 5
INCOMPLETE = 70.0
"""Template completeness (%) below which the card says part of the phrase is missing."""
DIFFERENT_PHRASE = "this sounds like a different phrase"
DIFFERENT_CAP = 50.0
"""Below this content cap the card says the take sounds like another phrase (and what was heard)."""
CLIPPED = "too loud: clipped — move back from the microphone or turn the input down"
MISSING_SHOWN = 4
"""Missing words named at most (then "…")."""


@dataclass(frozen=True)
class Findings:
    """What the grader found beside the measurements.

    Attributes
    ----------
    content_cap : float
        The highest score the content check allows (below :data:`DIFFERENT_CAP`: likely not this phrase).
    completeness : float
        Share (%) of the phrase that was said.
    missing : tuple of str
        Phrase words the English evidence did not find ("" without English evidence).
    clipped : bool
        The take was clipped.
    weakest_sound : str
        The weakest word's weakest sound in plain words ("" when none is weak).
    heard : str
        What Whisper heard ("" without English evidence).
    """

    content_cap: float = 100.0
    completeness: float = 100.0
    missing: tuple[str, ...] = ()
    clipped: bool = False
    weakest_sound: str = ""
    heard: str = ""


def _quoted(words: tuple[str, ...]) -> str:
    shown = ", ".join(f"'{w.strip('.,!?;:')}'" for w in words[:MISSING_SHOWN])
    return shown + (", …" if len(words) > MISSING_SHOWN else "")


def find_issues(found: Measurements, words: list[WordScore], findings: Findings) -> tuple[str, ...]:
    """At most :data:`MAX_ISSUES` findings, most important first."""
    s = found.sentence
    issues: list[str] = [CLIPPED] if findings.clipped else []
    missing = [f"not heard: {_quoted(findings.missing)}"] if findings.missing else []
    if findings.content_cap < DIFFERENT_CAP:
        heard = f" (heard: “{findings.heard}”)" if findings.heard else ""
        # the other findings would compare another phrase with this one
        return (*issues, DIFFERENT_PHRASE + heard, *missing)
    issues.extend(missing)
    if not missing and findings.completeness < INCOMPLETE:
        issues.append("part of the phrase seems to be missing")
    if findings.weakest_sound:
        issues.append(findings.weakest_sound)
    if s["log_speech_ratio"] > SLOW:
        issues.append(f"much slower than the reference ({np.exp(s['log_speech_ratio']):.1f}× as long)")
    elif s["log_speech_ratio"] < FAST:
        issues.append(f"much faster than the reference ({np.exp(-s['log_speech_ratio']):.1f}× as quick)")
    for i, word in enumerate(words):
        if i > 0 and found.word_pause[i] >= LONG_PAUSE_S:
            issues.append(f"long pause before '{word.text}' ({found.word_pause[i]:.1f} s)")
        if found.words[i, 3] - s["log_speech_ratio"] > WORD_LONG:
            issues.append(f"'{word.text}' much longer than the reference")
    weak = sorted((w for w in words if w.score < WEAK_WORD and w.text not in findings.missing), key=lambda w: w.score)
    issues.extend(f"'{w.text}' sounds different from the reference" for w in weak[: 1 if findings.weakest_sound else 2])
    if s["log_pitch_range_ratio"] < np.log(0.5):
        issues.append("intonation flatter than the reference")
    elif s["pitch_corr"] < 0.1 and s["voiced_share"] > 0.2:
        issues.append("pitch moves differently from the reference")
    return tuple(issues[:MAX_ISSUES])

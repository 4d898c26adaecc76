"""A plain-text score card, for the CLI."""

from __future__ import annotations

from tui.scoring.score import Score

BAR = 20


def _bar(value: float) -> str:
    filled = round(value / 100 * BAR)
    return "█" * filled + "·" * (BAR - filled)


FALLBACK = " — "
"""Between the evidence used and why the English models were not (see :func:`fallback_note`)."""


def fallback_note(score: Score) -> str:
    """Why the English models could not be used for ``score`` ("" when they were, or were not wanted)."""
    return score.evidence.partition(FALLBACK)[2]


def score_card(score: Score) -> str:
    """The score as aligned text lines: sub-scores with bars, words, issues."""
    lines = [f"{'overall':<15}{score.overall:5.1f}  {_bar(score.overall)}"]
    for name in ("accuracy", "fluency", "intonation", "completeness"):
        value = getattr(score, name)
        lines.append(f"  {name:<13}{value:5.1f}  {_bar(value)}")
    if score.words:
        lines.append("words")
        width = max(len(w.text) for w in score.words)
        for word in score.words:
            where = f"{word.att_start:5.2f}–{word.att_end:5.2f} s" if word.att_start is not None else "not found"
            lines.append(f"  {word.text:<{width}}  {word.score:5.1f}  {where}")
    if score.issues:
        lines.append("issues")
        lines.extend(f"  - {issue}" for issue in score.issues)
    if score.evidence:
        lines.append(f"evidence: {score.evidence}")
    lines.append(f"scorer {score.scorer_version}")
    return "\n".join(lines)

"""Plain-text and JSON views of packs and validation results, for the CLI."""

from __future__ import annotations

import soundfile as sf

from tui.packs.loader import Problem
from tui.packs.model import Pack, Phrase


def phrase_duration(phrase: Phrase) -> float:
    """Length of the phrase's reference audio in seconds."""
    return float(sf.info(str(phrase.audio)).duration)


def pack_dict(pack: Pack) -> dict[str, object]:
    """The pack as JSON-ready data: metadata and phrases with absolute audio paths and durations."""
    return {
        "id": pack.id,
        "title": pack.title,
        "language": pack.language,
        "version": pack.version,
        "author": pack.author,
        "description": pack.description,
        "phrases": [
            {
                "id": phrase.id,
                "text": phrase.text,
                "translation": phrase.translation,
                "notes": phrase.notes,
                "tags": list(phrase.tags),
                "audio": str(phrase.audio),
                "duration": round(phrase_duration(phrase), 3),
                "words": [word.to_dict() for word in phrase.words],
            }
            for phrase in pack.phrases
        ],
    }


def pack_text(pack: Pack) -> str:
    """The pack as readable text: a heading, then one block per phrase."""
    lines = [f"{pack.title}  ({pack.id}, {pack.language}, version {pack.version})"]
    if pack.author:
        lines.append(f"by {pack.author}")
    if pack.description:
        lines.append(pack.description)
    lines.append(f"{len(pack.phrases)} phrases in {pack.root}")
    for number, phrase in enumerate(pack.phrases, 1):
        lines.append("")
        lines.append(f"{number:>3}. {phrase.text}   [{phrase.id}, {phrase_duration(phrase):.1f} s, {len(phrase.words)} words timed]")
        if phrase.translation:
            lines.append(f"     = {phrase.translation}")
        if phrase.notes:
            lines.append(f"     ♪ {phrase.notes}")
    return "\n".join(lines)


def problems_text(problems: list[Problem]) -> str:
    """One line per problem, errors first."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line or 0))
    return "\n".join(str(problem) for problem in ordered)

"""Plain-text and JSON views of packs and validation results, for the CLI.

The text views pass everything from the pack through :func:`tui.text.printable`:
a title or phrase can hold terminal escape sequences.
"""

from __future__ import annotations

from tui.packs.loader import Problem
from tui.packs.model import Pack
from tui.text import plural, printable


def _line(value: object) -> str:
    return printable(str(value), single_line=True)


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
                "duration": round(phrase.duration, 3),
                "words": [word.to_dict() for word in phrase.words],
            }
            for phrase in pack.phrases
        ],
    }


def pack_text(pack: Pack) -> str:
    """The pack as readable text: a heading, then one block per phrase."""
    lines = [f"{_line(pack.title)}  ({_line(pack.id)}, {_line(pack.language)}, version {_line(pack.version)})"]
    if pack.author:
        lines.append(f"by {_line(pack.author)}")
    if pack.description:
        lines.append(_line(pack.description))
    lines.append(f"{plural(len(pack.phrases), 'phrase')} in {_line(str(pack.root))}")
    for number, phrase in enumerate(pack.phrases, 1):
        lines.append("")
        lines.append(f"{number:>3}. {_line(phrase.text)}   [{_line(phrase.id)}, {phrase.duration:.1f} s, "
                     f"{plural(len(phrase.words), 'word')} timed]")
        if phrase.translation:
            lines.append(f"     = {_line(phrase.translation)}")
        if phrase.notes:
            lines.append(f"     ♪ {_line(phrase.notes)}")
    return "\n".join(lines)


def problems_text(problems: list[Problem]) -> str:
    """One line per problem, errors first."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line or 0))
    return "\n".join(_line(str(problem)) for problem in ordered)

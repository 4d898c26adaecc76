"""Pack and phrase ids as the server takes them: NFKC-normalised, and never a look-alike of another id.

A pack's own ids are safe slugs compared in NFC (:mod:`tui.packs.ids`). The
server is stricter, because an id a learner sends becomes a column or a filter
that a teacher reads: it folds compatibility forms (a fullwidth ``ｅn-basics``
is ``en-basics``) and refuses an id that mixes scripts (a Cyrillic ``е`` in a
Latin word) or is written wholly in letters that look Latin (``сое`` in
Cyrillic), in the spirit of Unicode's confusable detection (UTS #39).
"""

from __future__ import annotations

import unicodedata

from tui.packs.ids import id_problem

LATIN_LOOKALIKES = frozenset(
    "аеіјорсуххѕһԁԛԝӏӀаАВЕЅІЈКМНОРСТХУ"  # Cyrillic
    "αβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Greek
    "ɑɡɩɪʏ"  # Latin-like IPA letters outside Latin's usual block
)
"""Letters of other scripts that are drawn like Latin letters."""
_ONE_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "CJK", "HALFWIDTH": "CJK"}


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return _ONE_SCRIPT.get(first, first)


def id_refusal(value: str) -> str | None:
    """Why ``value`` (already NFKC) cannot be an id on the server, or None when it can."""
    problem = id_problem(value)
    if problem is not None:
        return problem
    letters = [char for char in value if unicodedata.category(char).startswith("L")]
    scripts = {_script(char) for char in letters}
    if len(scripts) > 1:
        return f"mixes letters of several scripts ({', '.join(sorted(s.lower() for s in scripts))})"
    if letters and not value.isascii() and all(char.isascii() or char in LATIN_LOOKALIKES for char in letters):
        return "is written in letters that look like Latin ones"
    return None


def server_id(value: str) -> str:
    """``value`` folded to NFKC, the form the server keeps and compares ids in."""
    return unicodedata.normalize("NFKC", value)

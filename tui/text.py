"""Text from packs, databases and requests, made safe to show in a terminal.

A phrase, a title or a file name can hold escape sequences (clear the screen,
set the window title, hide text) or bidirectional overrides that make text read
differently from what it is. Everything that reaches a terminal from such a
source goes through :func:`printable`; the app additionally shows it as
``rich.text.Text`` (never as markup), so ``[bold]`` in a phrase stays literal.
"""

from __future__ import annotations

import unicodedata
from datetime import date

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that make text read in another order than it is stored (Trojan Source)."""


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, single_line: bool = False) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``) instead of acting.

    Parameters
    ----------
    text : str
        Untrusted text.
    single_line : bool
        Also escape newlines and tabs (for table cells and one-line messages).

    Returns
    -------
    str
        The same text where every C0/C1 control character, DEL,
        bidirectional override and lone surrogate (an undecodable byte of a
        file name) is replaced by its backslash escape.
    """
    keep = "" if single_line else "\n\t"
    out = []
    for char in text:
        if char in keep:
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS:
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def brief(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for quoting an untrusted value in a message.

    ``repr`` escapes control characters; the cut keeps a hostile value (a
    megabyte-long title, a list of a million items) from flooding the message.
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def due_text(due_on: date, today: date) -> str:
    """When work is due, as a learner reads it: ``today``, ``tomorrow``, ``Fri`` within a week, else ``14 Mar``."""
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if 1 < days < 7:
        return due_on.strftime("%a")
    if days < 0 and days > -7:
        return f"was {due_on.strftime('%a')}"
    return f"{due_on.day} {due_on.strftime('%b')}" + (f" {due_on.year}" if due_on.year != today.year else "")


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 attempt``, ``3 attempts`` (``many`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"

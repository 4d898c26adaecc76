"""Checks on what authoring writes into a pack: language tags, one-line texts, folders that stay inside it."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from tui.errors import PackError
from tui.fsio import resolved
from tui.speech.types import LANGUAGE_TAG
from tui.text import BIDI_CONTROLS, brief


def check_language(lang: str) -> str:
    """``lang`` when it is a BCP 47 tag such as ``fr-FR`` (nothing around it, not even a newline)."""
    if not LANGUAGE_TAG.fullmatch(lang):
        raise PackError(f"{brief(lang)} is not a BCP 47 language tag", hint='use a tag such as "en-US", "es-ES" or "fr-FR"')
    return lang


def check_text(text: str, *, what: str) -> str:
    """``text`` when it is one line with something in it and no control or bidirectional characters."""
    if not text.strip():
        raise PackError(f"the {what} is empty", hint=f"give the {what}")
    if any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in text):
        raise PackError(f"the {what} {brief(text)} contains control characters", hint=f"type the {what} as plain text")
    return text


def check_inside(folder: Path, pack: Path) -> None:
    """Refuse to write into ``folder`` when a symbolic link leads it out of the pack."""
    try:
        outside = os.path.lexists(folder) and not resolved(folder).is_relative_to(resolved(pack))
    except OSError:
        outside = True
    if outside:
        raise PackError(f"{folder} is a link out of the pack; nothing was written",
                        hint="pronounce never writes through links out of a pack: replace the link with a folder")

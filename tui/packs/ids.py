"""Pack and phrase ids: Unicode-normalised safe slugs.

An id becomes part of a path (a pack imported beside its zip is named after
its id; recordings are filed under the pack and phrase ids), so it must be
one harmless file-name component: letters, digits, ``-``, ``_`` and ``.``,
starting with a letter or digit, never ``..``. Ids are compared in Unicode
NFC, so ``"café"`` typed with a combining accent and with a precomposed
``é`` is one id.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ID_LENGTH = 64
ID_HINT = 'use letters, digits, "-", "_" and ".", starting with a letter or digit, e.g. "good-morning"'
_SLUG = re.compile(r"[^\W_][\w.\-]*")


def normalize_id(value: str) -> str:
    """``value`` in Unicode NFC, the one form ids are stored and compared in."""
    return unicodedata.normalize("NFC", value)


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a safe id (a phrase for an error message), or None when it is one.

    ``value`` should already be :func:`normalize_id`-ed.
    """
    if not value:
        return "is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"is longer than {MAX_ID_LENGTH} characters"
    if not _SLUG.fullmatch(value) or ".." in value:
        return "is not a safe id (no '/', '..', spaces or symbols)"
    return None


def is_safe_id(value: str) -> bool:
    """True when ``value`` is a safe id as it is (normalised, see :func:`id_problem`)."""
    return value == normalize_id(value) and id_problem(value) is None

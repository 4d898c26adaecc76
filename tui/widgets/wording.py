"""Small wording helpers for what the app says."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 attempt``, ``3 attempts`` (``many`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"

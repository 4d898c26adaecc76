"""Small wording helpers for what the app says."""

from __future__ import annotations

from rich.text import Text

from tui.text import plural

__all__ = ["GAP", "fit", "plural"]

GAP = "   "




def fit(parts: list[tuple[int, Text]], width: int, gap: str = GAP) -> Text:
    """``parts`` joined by ``gap``, leaving out the least important (highest number) until the line fits ``width``.

    What still does not fit is cut with "…": the line never wraps.
    """
    kept = [part for part in parts if part[1].plain]
    while len(kept) > 1 and sum(len(text) for _, text in kept) + len(gap) * (len(kept) - 1) > width:
        kept.remove(max(kept, key=lambda part: part[0]))
    line = Text(gap).join(text for _, text in kept)
    line.truncate(max(width, 1), overflow="ellipsis")
    return line

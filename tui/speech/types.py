"""Types shared by everything that handles speech: where each word sits in time."""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""A BCP 47 language tag as packs and manifests write it (``en-US``, ``es``, ``zh-Hant-TW``); use ``fullmatch``,
which, unlike ``$``, does not let a trailing newline through."""


@dataclass(frozen=True)
class WordTiming:
    """One word of a phrase and where it sits in the reference audio.

    Attributes
    ----------
    text : str
        The word as written in the phrase.
    start, end : float
        Start and end of the word in the reference audio, in seconds.
    """

    text: str
    start: float
    end: float

    def to_dict(self) -> dict[str, object]:
        """The timing as a JSON/TOML-ready mapping."""
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3)}

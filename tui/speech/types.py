"""Types shared by everything that handles speech: where each word sits in time."""

from __future__ import annotations

from dataclasses import dataclass


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

"""Typed lesson-pack objects: a :class:`Pack` holds :class:`Phrase` items with word timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tui.errors import PackError
from tui.speech.types import WordTiming


@dataclass(frozen=True)
class Phrase:
    """One phrase to practise.

    Attributes
    ----------
    id : str
        Unique within the pack.
    text : str
        What to say.
    translation, notes : str
        Translation and a short pronunciation note ("" when absent).
    tags : tuple of str
        Free-form labels.
    audio : Path
        Absolute path of the reference audio.
    words : tuple of WordTiming
        Word boundaries in the reference audio (empty when unknown).
    duration : float
        Length of the reference audio in seconds.
    """

    id: str
    text: str
    translation: str = ""
    notes: str = ""
    tags: tuple[str, ...] = ()
    audio: Path = field(default_factory=Path)
    words: tuple[WordTiming, ...] = ()
    duration: float = 0.0


@dataclass(frozen=True)
class Pack:
    """A lesson pack: metadata and its phrases, in file order.

    Attributes
    ----------
    id, title, language, version, author, description : str
        The ``[pack]`` table; ``language`` is a BCP 47 tag such as ``es-ES``.
    phrases : tuple of Phrase
        The ``[[phrase]]`` tables.
    root : Path
        The folder the pack was loaded from (for a ``.zip``, its extracted copy).
    """

    id: str
    title: str
    language: str
    version: str = "1"
    author: str = ""
    description: str = ""
    phrases: tuple[Phrase, ...] = ()
    root: Path = field(default_factory=Path)

    def phrase(self, id: str) -> Phrase:
        """The phrase with this ``id``; :class:`PackError` when there is none."""
        for phrase in self.phrases:
            if phrase.id == id:
                return phrase
        raise PackError(
            f"pack {self.id!r} has no phrase {id!r}",
            hint=f"run `pronounce pack show {self.root}` to list its phrase ids",
        )

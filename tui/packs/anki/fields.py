"""Anki note fields as plain text, and which field of a note type is the phrase, translation, notes and audio.

A field is HTML written by Anki's editor (or by anyone): it is never rendered.
Tags are dropped (``<script>``/``<style>`` with their content), entities become
characters, ``[sound:…]`` tags are taken out (and remembered as the note's
audio), cloze deletions become their answer (``{{c1::Hola::greeting}}`` →
``Hola``), and control characters go. What remains is shown as text
everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from tui.packs.anki.collection import Note, NoteType

SOUND = re.compile(r"\[sound:([^\]\[]*)\]")
CLOZE = re.compile(r"\{\{c\d+::((?:(?!\{\{|\}\}).)*?)(?:::(?:(?!\{\{|\}\}).)*?)?\}\}", re.S)
"""An innermost cloze deletion, ``{{c1::answer}}`` or ``{{c1::answer::hint}}``."""
_BLOCKS = {"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "table", "blockquote"}
_HIDDEN = {"script", "style", "head", "title", "template", "noscript", "textarea", "object", "svg", "math"}
ROLES = ("text", "translation", "notes", "audio")
NAMES = {
    "audio": ("audio", "sound", "recording", "voice", "pronunciation", "mp3", "tts"),
    "text": ("text", "sentence", "expression", "phrase", "front", "word", "vocab", "vocabulary", "target", "question",
             "spanish", "french", "german", "italian", "portuguese", "japanese", "chinese", "korean", "russian"),
    "translation": ("translation", "meaning", "english", "definition", "gloss", "back", "answer", "back extra"),
    "notes": ("notes", "note", "extra", "comments", "comment", "hint", "remarks", "explanation"),
}
"""Field-name words of each role, best first: an exact name wins over a name that contains one."""


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def sounds(html: str) -> list[str]:
    """The file names of the ``[sound:…]`` tags in ``html``, in order."""
    return [_plain(name).strip() for name in SOUND.findall(html)]


def plain_text(html: str, *, lines: bool = False) -> str:
    """``html`` as the text a reader sees: one line, or with ``lines`` its lines kept (for notes)."""
    text = SOUND.sub(" ", html)
    for _ in range(8):  # nested deletions, innermost first
        text, count = CLOZE.subn(r"\1", text)
        if not count:
            break
    text = _plain(text)
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") and c != "\n" else c for c in text)
    kept = [" ".join(line.split()) for line in cleaned.split("\n")]
    if lines:
        return "\n".join(line for line in kept if line)
    return " ".join(line for line in kept if line)


def _plain(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).replace("\xa0", " ")


@dataclass(frozen=True)
class FieldChoice:
    """Which field (index into the note type's fields) plays each role, None when none does."""

    text: int
    translation: int | None = None
    notes: int | None = None
    audio: int | None = None

    def roles(self, index: int) -> list[str]:
        """The roles of field ``index`` (the phrase's field may hold its audio too)."""
        return [role for role in ROLES if getattr(self, role) == index]


def choose_fields(notetype: NoteType, notes: Sequence[Note], wanted: dict[str, str | None]) -> FieldChoice:
    """The field of each role: the one named in ``wanted`` when this note type has it, else a guess.

    Audio: a field holding ``[sound:…]`` tags in some note, by name first
    (:data:`NAMES`), else the one holding most. Text: by name, except that a
    sound sitting in a field with words (``Hola [sound:hola.mp3]``) marks that
    field as the phrase; else the first field. Translation: by name, else the
    next free field. Notes: by name only. Text, translation and notes are
    different fields.
    """
    names = [name.casefold().strip() for name in notetype.fields]
    count = len(names)

    def named(role: str) -> int | None:
        name = (wanted.get(role) or "").casefold().strip()
        return names.index(name) if name in names else None

    with_sound = [sum(bool(SOUND.search(note.fields[i])) for note in notes) for i in range(count)]
    audio = named("audio")
    if audio is None and not wanted.get("audio"):
        candidates = [i for i in range(count) if with_sound[i]]
        audio = _by_name(names, candidates, NAMES["audio"])
        if audio is None and candidates:
            audio = max(candidates, key=with_sound.__getitem__)
            if not wanted.get("text") and any(plain_text(note.fields[audio]) for note in notes):
                wanted = {**wanted, "text": notetype.fields[audio]}
    text = named("text")
    if text is None:
        text = _by_name(names, [i for i in range(count) if i != audio], NAMES["text"])
    if text is None:
        text = next((i for i in range(count) if i != audio), 0)
    free = [i for i in range(count) if i not in (text, audio)]
    translation = named("translation")
    if translation is None and not wanted.get("translation"):
        translation = _by_name(names, free, NAMES["translation"])
        if translation is None and free:
            translation = free[0]
    free = [i for i in free if i != translation]
    notes_field = named("notes")
    if notes_field is None and not wanted.get("notes"):
        notes_field = _by_name(names, free, NAMES["notes"])
    return FieldChoice(text=text, translation=translation, notes=notes_field, audio=audio)


def _by_name(names: list[str], free: list[int], words: tuple[str, ...]) -> int | None:
    for word in words:
        if (exact := next((i for i in free if names[i] == word), None)) is not None:
            return exact
    for word in words:
        if (partial := next((i for i in free if re.search(rf"\b{re.escape(word)}\b", names[i])), None)) is not None:
            return partial
    return None

"""The Author screen's work on a pack folder: read and validate, create, add, edit and remove phrases.

Plain Python (no Textual); every function is blocking (files, TTS, DSP). Each
change is written atomically by :mod:`tui.packs` and raises
:class:`~tui.errors.PackError` when the pack cannot be changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.packs.model import Pack, Phrase

if TYPE_CHECKING:
    from tui.audio.recorder import Recording
    from tui.packs.loader import Problem

SCREEN_HINTS = {
    "create one with `pronounce pack new DIR`": "type the title and language beside the folder, then Open / create (ctrl+o)",
    'add one with `pronounce pack add DIR "text"`': "type a phrase under New phrase, then Synthesize (ctrl+t), Import (ctrl+f) or Record (ctrl+r)",
    "convert it, or add it with `pronounce pack add --audio FILE`, which converts":
        "convert it, or add the phrase again with Import (ctrl+f), which converts",
}
"""The pack checker's hints that name a command, as the Author screen says them."""


@dataclass(frozen=True, kw_only=True)
class ScreenProblem:
    """A problem of the pack as the Author screen words it: ``where`` is "" unless the file exists."""

    severity: str
    where: str
    message: str
    hint: str


def for_screen(problem: Problem, folder: Path) -> ScreenProblem:
    """``problem`` worded for the Author screen: no command lines, no place in a file that was never written."""
    exists = (folder / problem.file).is_file()
    where = (f"{problem.file}:{problem.line}" if problem.line else problem.file) if exists else ""
    message = problem.message
    if not exists and problem.file == "pack.toml":
        message = "this folder has no pack yet"
    hint = SCREEN_HINTS.get(problem.hint, problem.hint)
    if "`pronounce " in hint:  # a command to run: the screen checks the pack on every change already
        hint = ""
    return ScreenProblem(severity=problem.severity, where=where, message=message, hint=hint)


def read(folder: Path) -> tuple[Pack | None, list[ScreenProblem]]:
    """The pack in ``folder`` (None when it has errors) and every problem found, worded for the screen."""
    from tui.packs.loader import read_pack

    pack, problems = read_pack(folder)
    return pack, [for_screen(problem, folder) for problem in problems]


def create(folder: Path, *, lang: str, title: str) -> None:
    """A new, empty pack in ``folder``."""
    from tui.packs.authoring import new_pack

    new_pack(folder, lang=lang, title=title)


def add_synthesized(folder: Path, text: str, *, translation: str) -> None:
    """Add ``text`` with a reference spoken by espeak-ng."""
    from tui.packs.authoring import add_tts_phrase

    add_tts_phrase(folder, text, translation=translation)


def add_imported(folder: Path, text: str, audio: Path, *, translation: str) -> None:
    """Add ``text`` with the audio file ``audio`` as its reference."""
    from tui.packs.authoring import add_audio_phrase

    add_audio_phrase(folder, text, audio, translation=translation)


def add_recorded(folder: Path, text: str, recording: Recording, *, translation: str) -> None:
    """Add ``text`` with ``recording``, its leading and trailing silence trimmed, as its reference.

    The recording's file is deleted either way: the pack keeps its own copy.
    """
    from tui.packs.authoring import add_recorded_phrase
    from tui.packs.editing import trim_silence

    try:
        samples = trim_silence(recording.samples, recording.samplerate)
        add_recorded_phrase(folder, text, samples, recording.samplerate, translation=translation)
    finally:
        recording.path.unlink(missing_ok=True)


def update(folder: Path, phrase: Phrase, *, text: str, translation: str) -> None:
    """Change ``phrase``'s text and translation (a new text gets new word timings)."""
    from tui.packs.editing import update_phrase

    update_phrase(folder, phrase, text=text, translation=translation)


def remove(folder: Path, phrase_id: str) -> None:
    """Remove phrase ``phrase_id`` and its reference audio."""
    from tui.packs.editing import remove_phrase

    remove_phrase(folder, phrase_id)

"""What the teacher sent, drawn: an answer to a take (comment, words to work on, their recording) and the assignments.

Texts come from the class server: they are shown literally (never as markup)
and with control characters escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from tui.text import printable

if TYPE_CHECKING:
    from tui.practice.classroom import AssignmentLine, TeacherNote


def note_text(note: TeacherNote) -> Text:
    """``Ms Lee · 12 Mar`` / the comment / ``work on: [morning] [good]`` / how to hear the recording."""
    text = Text()
    text.append("✉ ", style="bold cyan")
    text.append(printable(note.author, single_line=True), style="bold")
    text.append(f" · {note.updated_at.astimezone():%d %b %H:%M}", style="dim")
    if not note.seen:
        text.append("  new", style="bold yellow")
    if note.comment:
        text.append("\n" + printable(note.comment))
    if note.words:
        text.append("\nwork on: ", style="dim")
        for word in note.words:
            text.append(f" {printable(word, single_line=True)} ", style="bold black on yellow")
            text.append(" ")
    if note.audio is not None:
        text.append("\nt", style="bold")
        text.append(": play the teacher's recording · ", style="dim")
        text.append("b", style="bold")
        text.append(": your take, then the teacher's", style="dim")
    elif note.audio_url:
        text.append("\nthe teacher's recording is still downloading", style="dim")
    return text


class TeacherNotePanel(Static):
    """The teacher's answer to the attempt shown (hidden when there is none)."""

    DEFAULT_CSS = """
    TeacherNotePanel { height: auto; margin: 1 0; padding: 0 1; border-left: thick $accent; background: $boost; }
    """

    def show_note(self, note: TeacherNote | None) -> None:
        """Show ``note``, or hide the panel."""
        self.display = note is not None
        self.update(note_text(note) if note is not None else "")


def assignments_text(lines: Sequence[AssignmentLine], current_pack: str | None, today: date) -> Text:
    """One line per assignment (``▸`` marks those of the pack practised), with how to open another pack's."""
    text = Text()
    for n, line in enumerate(lines):
        a = line.progress.assignment
        here = a.pack_id == current_pack
        if n:
            text.append("\n")
        text.append("▸ " if here else "  ", style="bold yellow")
        style = "green" if line.progress.done else "bold" if here else ""
        text.append(printable(line.text(today), single_line=True), style=style)
        if not here and not line.progress.done:
            text.append("  (A opens it)" if line.folder is not None else "  (pack not pulled yet)", style="dim")
    return text


class AssignmentsBox(Static):
    """The learner's assignments above the phrase (hidden when there are none)."""

    DEFAULT_CSS = """
    AssignmentsBox { height: auto; max-height: 4; margin-top: 1; padding: 0 1; border-left: thick $warning; }
    """

    def show_lines(self, lines: Sequence[AssignmentLine], current_pack: str | None, today: date) -> None:
        """Show ``lines``, or hide the box."""
        self.display = bool(lines)
        self.update(assignments_text(lines, current_pack, today) if lines else "")

"""What the teacher sent, as the screens show it: answers to takes, assigned phrases first in the queue, assignments.

Plain Python (no Textual); the methods read the attempts database and are
blocking. A :class:`Classroom` exists while the learner is logged in to a
class server (:meth:`Session.start_uploads <tui.practice.session.Session.start_uploads>`);
what it shows was fetched by the uploader's thread, so it works offline too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tui.text import due_text

if TYPE_CHECKING:
    from tui.packs.model import Pack
    from tui.store.inbox import Inbox, Progress, TeacherNote


@dataclass(frozen=True)
class AssignedPhrase:
    """A phrase some assignment asks for: ``label`` reads "due Fri · target 80" (or "done · target 80")."""

    phrase_id: str
    due_on: date
    target: int
    done: bool

    def label(self, today: date) -> str:
        """What the phrase list shows beside the phrase."""
        return f"done · target {self.target}" if self.done else f"due {due_text(self.due_on, today)} · target {self.target}"


def assigned_phrases(progress: Sequence[Progress], pack_id: str) -> dict[str, AssignedPhrase]:
    """The phrases of ``pack_id`` that assignments ask for; a phrase in several counts for the soonest one not done."""
    found: dict[str, AssignedPhrase] = {}
    for item in sorted(progress, key=lambda p: (p.assignment.due_on, p.assignment.id)):
        a = item.assignment
        if a.pack_id != pack_id:
            continue
        for (phrase_id, _), best in zip(a.phrases, item.best):
            done = best is not None and best >= a.target
            known = found.get(phrase_id)
            if known is None or (known.done and not done):
                found[phrase_id] = AssignedPhrase(phrase_id, a.due_on, a.target, done)
    return found


def assigned_first(phrase_ids: Sequence[str], assigned: dict[str, AssignedPhrase]) -> list[str]:
    """``phrase_ids`` with the assigned ones not done yet first (the soonest due first), the rest in their order."""
    first = sorted((phrase_id for phrase_id in phrase_ids if phrase_id in assigned and not assigned[phrase_id].done),
                   key=lambda phrase_id: assigned[phrase_id].due_on)
    return first + [phrase_id for phrase_id in phrase_ids if phrase_id not in first]


@dataclass(frozen=True)
class AssignmentLine:
    """One assignment as the practice screen lists it, with the folder its pack was pulled to."""

    progress: Progress
    folder: Path | None

    def text(self, today: date) -> str:
        """``English basics · 1/3 · due Fri · target 80`` (or ``done``, or ``overdue``)."""
        a, p = self.progress.assignment, self.progress
        if p.done:
            state = "done"
        elif a.due_on < today:
            state = f"{p.reached}/{len(p.best)} · overdue ({due_text(a.due_on, today)})"
        else:
            state = f"{p.reached}/{len(p.best)} · due {due_text(a.due_on, today)} · target {a.target}"
        return f"{a.title} · {state}"


class Classroom:
    """The teacher's answers and assignments kept for the login ``server`` (blocking methods).

    Parameters
    ----------
    inbox : Inbox
        The attempts database's inbox (the uploader's; it closes it).
    server : str
        The class server's address the answers came from.
    pack_folder : callable(pack id) -> Path
        Where an assigned pack is pulled to.
    refresh : callable
        Counts the unseen answers again for the status line.
    """

    def __init__(self, inbox: Inbox, server: str, pack_folder: Callable[[str], Path], refresh: Callable[[], None]) -> None:
        self.inbox = inbox
        self.server = server
        self._pack_folder = pack_folder
        self._refresh = refresh

    def notes(self, attempt_ids: Sequence[int] | None = None) -> dict[int, TeacherNote]:
        """The teacher's answers by the local attempt they answer (of ``attempt_ids``, or all)."""
        return self.inbox.notes_by_attempt(self.server, attempt_ids)

    def seen(self, note: TeacherNote) -> None:
        """Review showed ``note``: it no longer counts as new in the status line."""
        if self.inbox.mark_seen(note):
            self._refresh()

    def progress(self) -> list[Progress]:
        """Every assignment with the learner's progress, the soonest due first."""
        return [self.inbox.progress(assignment) for assignment in self.inbox.assignments(self.server)]

    def lines(self) -> list[AssignmentLine]:
        """Every assignment as the practice screen lists it: not done first, then by due day."""
        found = []
        for item in self.progress():
            folder = self._pack_folder(item.assignment.pack_id)
            found.append(AssignmentLine(item, folder if (folder / "pack.toml").is_file() else None))
        return sorted(found, key=lambda line: (line.progress.done, line.progress.assignment.due_on))

    def assigned(self, pack: Pack) -> dict[str, AssignedPhrase]:
        """The phrases of ``pack`` that assignments ask for."""
        return assigned_phrases(self.progress(), pack.id)

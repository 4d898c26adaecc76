"""App-wide messages: what happened on a recorder, player or worker thread (dataclasses, posted thread-safely)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual.message import Message

from tui.audio.meter import Level
from tui.packs.model import Pack
from tui.practice.captures import Capture, CaptureEvent, Chunk
from tui.practice.classroom import AssignedPhrase, AssignmentLine
from tui.practice.progress import Progress
from tui.practice.results import Reference, Result
from tui.practice.takes import Take


@dataclass
class ChunkRecorded(Message):
    """One metered block of recorder ``name``, for the level meter and the live waveform.

    Blocks arrive at block rate; a newer one replaces an older one still queued,
    so a busy UI drops levels instead of falling behind.
    """

    name: str
    samples: np.ndarray
    level: Level

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ChunkRecorded) and message.name == self.name


@dataclass
class AudioFailed(Message):
    """A recorder or the player failed on its own thread."""

    error: BaseException


@dataclass
class RecordingChanged(Message):
    """The session's one recording of ``capture`` (an input test, an author's reference) started or ended.

    ``running`` False also when it failed to start.
    """

    capture: Capture
    running: bool


@dataclass
class TakeChanged(Message):
    """``take`` moved on (started, or failed to start)."""

    take: Take


@dataclass
class TakeScored(Message):
    """``take`` was scored (or rejected: ``result.score`` is None)."""

    take: Take
    result: Result


@dataclass
class AttemptSaved(Message):
    """The store kept ``take`` as attempt ``attempt_id``."""

    take: Take
    attempt_id: int


@dataclass
class AttemptDeleted(Message):
    """Attempt ``attempt_id`` is no longer in the store."""

    attempt_id: int


@dataclass
class ProgressRead(Message):
    """The progress of ``pack`` was read (the session keeps it)."""

    pack: Pack
    progress: Progress


@dataclass
class ReferenceLoaded(Message):
    """The reference of ``reference.phrase_id`` is loaded (and maybe prepared for scoring)."""

    reference: Reference


@dataclass
class LatestLoaded(Message):
    """The latest saved attempt at ``phrase_id`` (None: there is none)."""

    phrase_id: str
    result: Result | None


@dataclass
class PlaybackChanged(Message):
    """A sequence of sounds started or ended playing."""


@dataclass
class StatusChanged(Message):
    """The session's status line changed."""


@dataclass
class InboxChanged(Message):
    """The teacher's answers or assignments were fetched: assigned phrases and answers may have changed."""


@dataclass
class AssignmentsRead(Message):
    """What the teacher's assignments ask of ``pack`` (its assigned phrases) and every assignment's line, read."""

    pack: Pack
    assigned: dict[str, AssignedPhrase]
    lines: list[AssignmentLine]


def capture_message(event: CaptureEvent) -> Message:
    """The UI message for one capture event."""
    if isinstance(event, Chunk):
        return ChunkRecorded(event.capture.name, event.samples, event.level)
    return AudioFailed(event.error)

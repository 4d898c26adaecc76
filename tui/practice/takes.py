"""A take: one attempt at one phrase, and the states it goes through — changed only by its own methods.

Plain Python (no Textual). A :class:`Take` is bound to the pack, phrase and
reference it was started on, so wherever the learner moves meanwhile, the take
is scored against and filed under that phrase. Its state moves forward only::

    STARTING ─started─▶ RECORDING ─stop─▶ SCORING ─scored─▶ SCORED ─saved─▶ SAVED
        │                   │                │       └────▶ REJECTED (no speech)
        └──────── failed ───┴──── failed ────┴── failed (also from SCORED) ──▶ FAILED

Any other move raises :class:`~tui.errors.TakeStateError` and changes nothing;
the moves are atomic, so the event loop and a worker can race for one (a key
that stops the take, the recorder's failure) and only the first wins.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from tui.errors import TakeStateError
from tui.packs.model import Pack, Phrase
from tui.practice.captures import Capture
from tui.practice.results import Reference, Result

if TYPE_CHECKING:
    from tui.audio.recorder import Recording
    from tui.practice.phrase_scoring import LiveScore


class TakeState(Enum):
    """Where a take is: running (starting, recording), being scored, or done one way or another."""

    STARTING = "starting"
    RECORDING = "recording"
    SCORING = "scoring"
    SCORED = "scored"
    SAVED = "saved"
    REJECTED = "rejected"
    FAILED = "failed"

    @property
    def running(self) -> bool:
        """The recorder is (about to be) running: the phrase must not change under it."""
        return self in (TakeState.STARTING, TakeState.RECORDING)

    @property
    def busy(self) -> bool:
        """Not finished yet: running or being scored."""
        return self.running or self is TakeState.SCORING


_FAILABLE = (TakeState.STARTING, TakeState.RECORDING, TakeState.SCORING, TakeState.SCORED)


@dataclass(eq=False)
class Take:
    """One attempt at one phrase, from pressing record to being saved (or rejected).

    ``live`` is the :class:`~tui.practice.phrase_scoring.LiveScore` fed while
    recording (None: the file is scored after the stop).
    """

    pack: Pack
    phrase: Phrase
    reference: Reference
    capture: Capture = field(default_factory=Capture)
    live: LiveScore | None = None
    _state: TakeState = field(default=TakeState.STARTING, init=False)
    _recording: Recording | None = field(default=None, init=False)
    _result: Result | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def state(self) -> TakeState:
        """Where the take is now."""
        return self._state

    @property
    def recording(self) -> Recording | None:
        """The finished recording (set once scored or rejected)."""
        return self._recording

    @property
    def result(self) -> Result | None:
        """What the take scored, or why it was rejected (set once scored or rejected)."""
        return self._result

    @property
    def recorder(self) -> str:
        """The name of the recorder taking it ("" until it started)."""
        return self.capture.name

    def started(self) -> None:
        """The recorder runs: STARTING → RECORDING."""
        self._move(TakeState.RECORDING, TakeState.STARTING)

    def stop(self) -> None:
        """The learner (or auto-stop) ended the take; it is being scored: RECORDING → SCORING."""
        self._move(TakeState.SCORING, TakeState.RECORDING)

    def scored(self, recording: Recording, result: Result) -> None:
        """Scoring ended: SCORING → SCORED, or REJECTED when ``result`` has no score (too little speech)."""
        with self._lock:
            self._check(TakeState.SCORING)
            self._recording, self._result = recording, result
            self._state = TakeState.SCORED if result.score is not None else TakeState.REJECTED

    def saved(self, attempt_id: int, created_at: datetime) -> None:
        """The store keeps it as attempt ``attempt_id``: SCORED → SAVED."""
        with self._lock:
            self._check(TakeState.SCORED)
            self._result = replace(self._result, attempt_id=attempt_id, created_at=created_at) if self._result else None
            self._state = TakeState.SAVED

    def failed(self) -> None:
        """The recorder, the scorer or the store failed, or the app quit while it ran: → FAILED."""
        self._move(TakeState.FAILED, *_FAILABLE)

    def scored_parts(self) -> tuple[Recording, Result]:
        """The recording and the result of a SCORED take (refused in any other state)."""
        with self._lock:
            self._check(TakeState.SCORED)
            if self._recording is None or self._result is None:  # scored() always sets both
                raise TakeStateError(f"{self!r} has no recording or result")
            return self._recording, self._result

    def _move(self, to: TakeState, *allowed_from: TakeState) -> None:
        with self._lock:
            self._check(*allowed_from, to=to)
            self._state = to

    def _check(self, *allowed: TakeState, to: TakeState | None = None) -> None:
        if self._state not in allowed:
            where = f" to {to.name}" if to is not None else ""
            raise TakeStateError(f"a take that is {self._state.value} cannot move{where}", hint="this is a bug in pronounce; please report it")

    def __repr__(self) -> str:
        return f"Take({self.pack.id!r}/{self.phrase.id!r}, {self._state.name}, recorder={self.recorder!r})"

"""The practice session the screens share: settings, store, player, the pack, and takes.

Plain Python (no Textual): the app creates one :class:`Session` and hands it to
each screen. Methods marked *blocking* do file I/O, DSP or SQLite and belong in
a worker thread; the others are cheap. Engine modules are imported when first
used, so the app's first frame does not wait for them.

:meth:`Session.add_saved_listener` announces every saved attempt (the app's
uploader queues it there) and :meth:`Session.set_status` puts a short line
("↑ 3 waiting") in every screen's status bar. Scoring is in :mod:`tui.references`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui import references
from tui.announce import Announcer
from tui.captures import Captures
from tui.config import ConfigError, config_path, load_config, save_config
from tui.errors import PronounceError, RecorderError
from tui.history import PhraseBadge, attempt_result, phrase_badges
from tui.packs.model import Pack, Phrase
from tui.playback import PlaybackQueue
from tui.recovered import pack_of
from tui.takes import (
    Capture,
    CaptureListener,
    RecoveredTake,
    Reference,
    Result,
    Take,
    TakeState,
    sidecar_path,
    write_sidecar,
)

if TYPE_CHECKING:
    from tui.audio.player import Player
    from tui.store import Attempt, AttemptStore

CLOSE_WAIT_S = 15.0
"""How long closing waits for a take being scored and saved."""


class Session(Announcer):
    """Everything the screens share, created once per app run.

    Parameters
    ----------
    data_dir : Path
        Where attempts and recordings live.
    input_file : Path, optional
        Record from this file instead of a microphone.
    config_file : Path, optional
        The settings file [default: ``config_path(data_dir)``]. A broken one is
        reported in :attr:`config_error` and the defaults are used.
    """

    def __init__(self, data_dir: Path, *, input_file: Path | None = None, config_file: Path | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.input_file = input_file
        self.config_file = config_file or config_path(data_dir)
        self.config_error: ConfigError | None = None
        try:
            self.config = load_config(self.config_file)
        except ConfigError as exc:  # the file's valid settings still apply
            self.config, self.config_error = exc.usable, exc
        self.pack: Pack | None = None
        self.take: Take | None = None
        self.captures = Captures(self.incoming_dir, lambda: (self.config.input_device, self.input_file))
        self.playback = PlaybackQueue(lambda: self.player, device=lambda: self.config.output_device, on_error=self._report)
        self._references: dict[str, Reference] = {}
        self._lock = threading.RLock()  # references and the current take: held briefly, never across slow work
        self._making = threading.Lock()  # creating the store or the player (slow the first time)
        self._finishing = threading.Lock()  # held while a take is scored and saved
        self._store: AttemptStore | None = None
        self._player: Player | None = None

    # ---- what the session owns ---------------------------------------------

    @property
    def incoming_dir(self) -> Path:
        """Where recorders write until the store takes the file."""
        return self.data_dir / "recordings" / "incoming"

    @property
    def dropped_audio(self) -> int:
        """Audio blocks lost (overflows) in this session's recordings."""
        return self.captures.dropped_audio

    @property
    def store(self) -> AttemptStore:
        """The attempts store (opened on first use; blocking then)."""
        if self._store is None:
            with self._making:
                if self._store is None:
                    from tui.store import AttemptStore

                    self._store = AttemptStore(self.data_dir)
        return self._store

    @property
    def player(self) -> Player:
        """The one audio player (created on first use; blocking then: it loads the time-stretcher)."""
        if self._player is None:
            with self._making:
                if self._player is None:
                    from tui.audio.player import Player

                    self._player = Player()
        return self._player

    def update_config(self, **changes: Any) -> None:
        """Apply ``changes`` to the settings and save them.

        Raises
        ------
        ConfigError
            The file could not be written (the change still applies to this run).
        """
        self.config = self.config.with_changes(**changes)
        save_config(self.config, self.config_file)

    # ---- the pack, its references, scoring -------------------------------------

    def open_pack(self, path: Path) -> Pack:
        """Load and use the pack at ``path`` (blocking; :class:`~tui.errors.PackError` when invalid)."""
        from tui.packs.loader import load_pack

        pack = load_pack(path)
        self.use_pack(pack)
        return pack

    def use_pack(self, pack: Pack) -> None:
        """Practise ``pack`` from now on."""
        with self._lock:
            self.pack = pack
            self._references.clear()

    def reference(self, phrase: Phrase) -> Reference | None:
        """The loaded reference of ``phrase`` (None until :meth:`load_reference` ran)."""
        with self._lock:
            return self._references.get(phrase.id)

    def load_reference(self, phrase: Phrase) -> Reference:
        """Read the current pack's ``phrase`` reference audio and word timings (blocking)."""
        assert self.pack is not None, "open a pack first"
        return self.reference(phrase) or self._keep(self.pack, references.load_reference(self.pack, phrase))

    def prepare_reference(self, phrase: Phrase) -> Reference:
        """``phrase``'s reference, analysed for scoring and with its pitch contour (blocking, once per phrase)."""
        reference = self.load_reference(phrase)
        if reference.prepared is not None or self.pack is None:
            return reference
        return self._keep(self.pack, references.prepare(reference, self.pack, phrase))

    def _keep(self, pack: Pack, reference: Reference) -> Reference:
        with self._lock:
            if pack is self.pack:
                self._references[reference.phrase_id] = reference
        return reference

    # ---- takes -----------------------------------------------------------------

    def new_take(self, phrase: Phrase) -> Take:
        """A take of ``phrase`` against its loaded reference, not started yet (cheap).

        Raises
        ------
        RecorderError
            Another take is not finished, or the reference is not loaded yet.
        """
        with self._lock:
            if self.take is not None and self.take.state.busy:
                raise RecorderError(f"a take of “{self.take.phrase.text}” is not finished", hint="stop it first (space)")
            reference = self._references.get(phrase.id)
            if self.pack is None or reference is None:
                raise RecorderError("the reference is still loading", hint="try again in a moment")
            self.take = Take(self.pack, phrase, reference)
            return self.take

    def start_take(self, take: Take, listener: CaptureListener | None = None) -> Take:
        """Start recording ``take`` (blocking). Playback stops first, unless shadowing is on.

        Raises
        ------
        AudioError
            The recorder could not start; the take is then ``FAILED``.
        """
        if not self.config.shadowing:
            self.playback.stop()
        if take.reference.prepared is not None:  # scored while spoken; else from the file after stop
            take.live = references.LiveScore(take.reference)
            take.capture.tap = take.live.feed
        try:
            self.captures.open(listener, capture=take.capture)
        except BaseException:
            take.state = TakeState.FAILED
            if take.live is not None:
                take.live.close()
            raise
        if take.capture.stem:
            write_sidecar(self.incoming_dir, take.capture.stem, take)
        take.state = TakeState.RECORDING
        return take

    def auto_stop_due(self, take: Take, now: float | None = None) -> bool:
        """Whether auto-stop should end ``take``: speech was heard, then ``auto_stop_seconds`` of quiet."""
        quiet = take.capture.silent_for(now)
        return (
            self.config.auto_stop and take.state is TakeState.RECORDING and quiet is not None and quiet > self.config.auto_stop_seconds
        )

    def finish_take(self, take: Take, on_scored: Callable[[Result], object] | None = None) -> Attempt | None:
        """Stop, score and (unless rejected) save ``take``; ``on_scored`` sees the result before it is saved (blocking).

        :meth:`close` waits for this to end, so quitting while a take is scored still keeps it.
        """
        with self._finishing:
            result = self.stop_and_score(take)
            if on_scored is not None:
                on_scored(result)
            return self.save(take) if result.score is not None else None

    def stop_and_score(self, take: Take) -> Result:
        """Stop ``take``'s recorder and score it against its own phrase's reference (blocking).

        A rejected take (no or too little speech) is not kept: its recording is
        deleted and the result says why. When scoring fails unexpectedly the
        take is ``FAILED`` and its recording stays among the recovered takes.
        """
        take.state = TakeState.SCORING
        try:
            take.recording = recording = self.captures.close(take.capture)
            reference = take.reference
            if reference.prepared is None:
                own = take.pack is self.pack
                reference = self.prepare_reference(take.phrase) if own else references.ready(take.pack, take.phrase)
            whole = not (recording.failed or recording.dropped_events)  # else the live scorer missed blocks
            result = references.score(reference, recording.samples, recording.samplerate, take.live, whole=whole)
        except BaseException:
            take.state = TakeState.FAILED
            if take.live is not None:
                take.live.close()
            raise
        take.result = result
        if result.score is None:
            take.state = TakeState.REJECTED
            recording.path.unlink(missing_ok=True)
            self._forget_sidecar(take.capture)
        else:
            take.state = TakeState.SCORED
        return result

    def save(self, take: Take) -> Attempt:
        """Keep a scored take in the store and announce it (blocking).

        Raises
        ------
        StoreError
            The disk is full or not writable; the recording stays among the recovered takes.
        """
        assert take.recording is not None and take.result is not None and take.result.score is not None
        try:
            attempt = self._save(take.pack, take.phrase, take.reference, take.recording.path, take.recorder,
                                 take.recording.duration, take.result)
        except BaseException:
            take.state = TakeState.FAILED
            raise
        self._forget_sidecar(take.capture)
        take.result = replace(take.result, attempt_id=attempt.id, created_at=attempt.created_at)
        take.state = TakeState.SAVED
        return attempt

    def _save(self, pack: Pack, phrase: Phrase, reference: Reference, path: Path, recorder: str, duration: float,
              result: Result, **when: Any) -> Attempt:
        assert result.score is not None
        attempt = self.store.save_attempt(
            recording_path=path, pack_id=pack.id, pack_version=pack.version, phrase_id=phrase.id, text=phrase.text,
            recorder=recorder, duration=duration, score=result.score, reference_audio=phrase.audio,
            words=reference.words, lang=pack.language, **when,
        )
        self._announce_saved(attempt)
        return attempt

    def _forget_sidecar(self, capture: Capture) -> None:
        if capture.stem:
            sidecar_path(self.incoming_dir, capture.stem).unlink(missing_ok=True)

    # ---- history and recovered takes -------------------------------------------

    def phrase_badges(self, pack: Pack) -> list[PhraseBadge]:
        """Best score and due flag of every phrase of ``pack``, in pack order (blocking)."""
        return phrase_badges(self.store, pack)

    def latest_result(self, phrase: Phrase) -> Result | None:
        """The latest saved attempt at ``phrase`` of the current pack, ready to show (blocking)."""
        if self.pack is None:
            return None
        attempts = self.store.attempts(pack=self.pack.id, phrase=phrase.id)
        if not attempts:
            return None
        return attempt_result(attempts[-1], reference_pitch=self.prepare_reference(phrase).pitch)

    def attempt_result(self, attempt: Attempt) -> Result:
        """A saved attempt with its audio and both pitch contours, ready to show (blocking)."""
        return attempt_result(attempt)

    def recovered_takes(self) -> list[RecoveredTake]:
        """Finished recordings no attempt holds (cut by a kill or a quit, or not saved), newest first."""
        take = self.take
        busy = {take.capture.stem} if take is not None and (take.state.busy or take.state is TakeState.SCORED) else set()
        return self.captures.files.list(exclude=busy)

    def score_recovered(self, take: RecoveredTake) -> tuple[Result, Attempt | None]:
        """Score a recovered take against its phrase and, unless rejected, save it (blocking).

        Raises
        ------
        PronounceError
            Which phrase the take was for is unknown, or its pack cannot be opened.
        """
        from tui.audio.files import load_audio

        pack = pack_of(take, self.pack)
        phrase = pack.phrase(take.phrase_id)
        reference = self.prepare_reference(phrase) if pack is self.pack else references.ready(pack, phrase)
        samples, samplerate = load_audio(take.path)
        result = references.score(reference, samples, samplerate)
        if result.score is None:
            return result, None
        name = take.path.name.removesuffix(".flac").split("-", 1)[-1]
        attempt = self._save(pack, phrase, reference, take.path, name, samples.size / samplerate, result,
                             created_at=take.recorded_at)
        self.captures.files.forget(take)
        return replace(result, attempt_id=attempt.id, created_at=attempt.created_at), attempt

    def delete_recovered(self, take: RecoveredTake) -> None:
        """Delete a recovered take's recording (blocking)."""
        self.captures.files.delete(take)

    # ---- start-up, background preparation, shutdown ----------------------------

    def start_up(self) -> list[Path]:
        """Recover recordings cut by a kill and reconcile the store with the recordings folder (blocking).

        Raises
        ------
        AudioError
            A cut recording could not be rebuilt (full disk): its journal is kept; the store is reconciled anyway.
        """
        from tui.audio import recorder

        try:
            return recorder.recover(self.incoming_dir)
        finally:
            self.store.reconcile()

    def warm_up_scoring(self) -> None:
        """Check and load the English scoring models, so the first take's score does not wait for them (blocking)."""
        references.warm_up_scoring()

    def warm_up_playback(self) -> None:
        """Load the player and its time-stretcher so that the first slow playback starts at once (blocking)."""
        from tui.audio.player import prepare

        assert self.player is not None  # created here, off the event loop
        prepare(np.zeros(4096, dtype=np.float32), 16000, speed=0.75)

    def close(self) -> list[Path]:
        """End the session: stop playback and a running take; return where an unfinished take was kept.

        A take still recording is finalised, not scored: it is listed among the
        recovered takes next time (with its phrase), where it can be scored.
        """
        self.playback.stop()
        finishing = self._finishing.acquire(timeout=CLOSE_WAIT_S)  # a take being scored gets saved first
        kept: list[Path] = []
        take = self.take
        if take is not None and take.state.running and take.capture.name:
            try:
                kept.append(self.captures.close(take.capture).path)
            except PronounceError:  # stopped already (a signal's handler finalised it), or its file is unfinished
                kept.extend(self.captures.files.files_of(take.capture.stem))
            take.state = TakeState.FAILED
        if take is not None and take.live is not None:
            take.live.close()
        self.captures.shut()
        if self._store is not None:
            self._store.close()
        if finishing:
            self._finishing.release()
        return kept

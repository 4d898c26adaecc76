"""The practice session the screens share: settings, store, player, the pack, the one recording, takes, uploads.

Plain Python (no Textual): the app creates one :class:`Session` and hands it to
each screen. Methods marked *blocking* do file I/O, DSP or SQLite and belong in
a worker thread; the others are cheap. Engine modules are imported when first
used, so the app's first frame does not wait for them.

:meth:`Session.add_saved_listener` announces every saved attempt (the uploader
queues it there) and :meth:`Session.set_status` puts a short line ("↑ 3
waiting", "1 new comment from your teacher") in every screen's status bar;
:attr:`Session.classroom` holds what the teacher sent. Scoring is in
:mod:`tui.practice.phrase_scoring`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.config import ConfigError, config_path, load_config, save_config
from tui.errors import PronounceError, RecorderError, StoreError
from tui.packs.model import Pack, Phrase
from tui.paths import cache_dir
from tui.practice import phrase_scoring
from tui.practice.announce import Announcer
from tui.practice.captures import CaptureListener, CaptureRun, Captures
from tui.practice.classroom import Classroom
from tui.practice.history import attempt_result
from tui.practice.playback import PlaybackQueue
from tui.practice.practiced import PracticedPack
from tui.practice.progress import Progress, read_progress
from tui.practice.recovered import RecoveredTake, RecoveredTakes, pack_of, write_sidecar
from tui.practice.results import Reference, Result
from tui.practice.takes import Take, TakeState

if TYPE_CHECKING:
    from tui.audio.player import Player
    from tui.audio.slowed import SlowedCache
    from tui.client.uploader import Uploader
    from tui.scoring.score import Score
    from tui.store import Attempt, AttemptStore

CLOSE_WAIT_S = 15.0
"""How long closing waits for a take being scored and saved."""
UPLOAD_STOP_WAIT = 1.0
"""How long closing waits for an upload in progress (a cut upload is simply sent again next time)."""


class Session(Announcer, PracticedPack):
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
        Announcer.__init__(self)
        PracticedPack.__init__(self)
        self.data_dir = data_dir
        self.input_file = input_file
        self.config_file = config_file or config_path(data_dir)
        self.config_error: ConfigError | None = None
        try:
            self.config = load_config(self.config_file)
        except ConfigError as exc:  # the file's valid settings still apply
            self.config, self.config_error = exc.usable, exc
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        """What "now" is for due dates, today's goal and the streak."""
        self.take: Take | None = None
        self.captures = Captures(self.incoming_dir, lambda: (self.config.input_device, self.input_file))
        self.recording = CaptureRun(self.captures)
        """The one recording at a time: a take here, a reference on Author, an input test on Devices."""
        self.recovered = RecoveredTakes(self.incoming_dir)
        self.playback = PlaybackQueue(lambda: self.player, device=lambda: self.config.output_device, on_error=self._report)
        self.uploader: Uploader | None = None
        self.classroom: Classroom | None = None
        """The teacher's answers and assignments, while logged in to a class server."""
        self._making = threading.Lock()  # creating the store or the player (slow the first time)
        self._finishing = threading.Lock()  # held while a take is scored and saved
        self._store: AttemptStore | None = None
        self._player: Player | None = None
        self._slowed: SlowedCache | None = None

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
    def slowed(self) -> SlowedCache:
        """Slowed references (``s``, ``S``), made ahead by :meth:`warm_up` and kept across runs in the user cache."""
        if self._slowed is None:
            from tui.audio.slowed import SlowedCache

            self._slowed = SlowedCache(cache_dir() / "slowed")
        return self._slowed

    @property
    def player(self) -> Player:
        """The one audio player (created on first use; blocking then: it loads PortAudio)."""
        if self._player is None:
            with self._making:
                if self._player is None:
                    from tui.audio.player import Player

                    self._player = Player(self.slowed.slowed)
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

    # ---- takes -----------------------------------------------------------------

    def new_take(self, phrase: Phrase) -> Take:
        """A take of ``phrase`` against its loaded reference, holding the one recording, not started yet (cheap).

        Raises
        ------
        RecorderError
            Another take is not finished, something else records, or the reference is not loaded yet.
        """
        with self._lock:
            if self.take is not None and self.take.state.busy:
                raise RecorderError(f"a take of “{self.take.phrase.text}” is not finished", hint="stop it first (space)")
            reference = self._references.get(phrase.id)
            if self.pack is None or reference is None:
                raise RecorderError("the reference is still loading", hint="try again in a moment")
            take = Take(self.pack, phrase, reference)
            self.recording.claim(f"a take of “{phrase.text}”", take.capture)
            self.take = take
            return take

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
            take.live = phrase_scoring.LiveScore(take.reference)
            take.capture.tap = take.live.feed
        try:
            if not self.recording.start(take.capture, listener):
                raise RecorderError("the take was given up while its recorder opened", hint="press space to record again")
            if take.capture.path is not None:
                write_sidecar(take.capture.path, pack=take.pack, phrase=take.phrase, recorder=take.recorder)
            take.started()
        except BaseException:
            if take.state is TakeState.STARTING:
                take.failed()
            if take.live is not None:
                take.live.close()
            self.recording.discard(take.capture)
            raise
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

        The take may be stopped already (:meth:`Take.stop`, from a key). A
        rejected take (no or too little speech) is not kept: its recording is
        deleted and the result says why. When scoring fails unexpectedly the
        take is ``FAILED`` and its recording stays among the recovered takes.
        """
        if take.state is not TakeState.SCORING:
            take.stop()
        try:
            recording = self.recording.stop(take.capture)
            reference = take.reference
            if reference.prepared is None:
                own = take.pack is self.pack
                reference = self.prepare_reference(take.phrase) if own else phrase_scoring.ready(take.pack, take.phrase)
            whole = not (recording.failed or recording.dropped_events)  # else the live scorer missed blocks
            result = phrase_scoring.score(reference, recording.samples, recording.samplerate, take.live, whole=whole)
        except BaseException:
            take.failed()
            if take.live is not None:
                take.live.close()
            raise
        take.scored(recording, result)
        if result.score is None:
            recording.path.unlink(missing_ok=True)
            self.recovered.forget(recording.path)
        return result

    def save(self, take: Take) -> Attempt:
        """Keep a scored take in the store and announce it (blocking).

        Raises
        ------
        TakeStateError
            The take is not scored (rejected, failed, saved already).
        StoreError
            The disk is full or not writable; the recording stays among the recovered takes.
        """
        recording, result = take.scored_parts()
        assert result.score is not None  # narrows the type: a SCORED take has a score
        try:
            attempt = self._save(take.pack, take.phrase, take.reference, recording.path, take.recorder, recording.duration, result.score)
        except BaseException:
            take.failed()
            raise
        self.recovered.forget(recording.path)
        take.saved(attempt.id, attempt.created_at)
        return attempt

    def _save(self, pack: Pack, phrase: Phrase, reference: Reference, path: Path, recorder: str, duration: float,
              score: Score, **when: Any) -> Attempt:
        attempt = self.store.save_attempt(
            recording_path=path, pack_id=pack.id, pack_version=pack.version, phrase_id=phrase.id, text=phrase.text,
            recorder=recorder, duration=duration, score=score, reference_audio=phrase.audio,
            words=reference.words, lang=pack.language, **when,
        )
        self._announce_saved(attempt)
        return attempt

    # ---- history and recovered takes -------------------------------------------

    def read_progress(self, pack: Pack) -> Progress:
        """Read ``pack``'s progress (best and latest scores, due phrases, today's goal); kept when it is the current pack (blocking)."""
        return self.keep_progress(pack, read_progress(self.store, pack, goal=self.config.daily_goal, now=self.clock()))

    def attempt_exists(self, attempt_id: int) -> bool:
        """Whether attempt ``attempt_id`` is still in the store (blocking)."""
        try:
            self.store.get(attempt_id)
        except StoreError:
            return False
        return True

    def latest_result(self, phrase: Phrase) -> Result | None:
        """The latest saved attempt at ``phrase`` of the current pack, ready to show (blocking)."""
        if self.pack is None:
            return None
        attempts = self.store.attempts(pack=self.pack.id, phrase=phrase.id)
        if not attempts:
            return None
        return attempt_result(attempts[-1], reference_pitch=self.prepare_reference(phrase).pitch)

    def recovered_takes(self) -> list[RecoveredTake]:
        """Finished recordings no attempt holds (cut by a kill or a quit, or not saved), newest first."""
        take = self.take
        busy = take.capture.path if take is not None and (take.state.busy or take.state is TakeState.SCORED) else None
        return self.recovered.list(exclude={busy} if busy is not None else set())

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
        reference = self.prepare_reference(phrase) if pack is self.pack else phrase_scoring.ready(pack, phrase)
        samples, samplerate = load_audio(take.path)
        result = phrase_scoring.score(reference, samples, samplerate)
        if result.score is None:
            return result, None
        attempt = self._save(pack, phrase, reference, take.path, take.recorder, samples.size / samplerate, result.score,
                             created_at=take.recorded_at)
        self.recovered.forget(take.path)
        return replace(result, attempt_id=attempt.id, created_at=attempt.created_at), attempt

    def delete_recovered(self, take: RecoveredTake) -> None:
        """Delete a recovered take's recording (blocking)."""
        self.recovered.delete(take)

    # ---- start-up, uploads, background preparation, shutdown -------------------

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

    def start_uploads(self) -> None:
        """When logged in to a class server (``pronounce login``), upload every saved take in the background (blocking).

        Raises
        ------
        PronounceError
            The login file or the outbox is damaged: practice goes on without uploads.
        """
        from tui.client.inbox import assigned_pack_dir
        from tui.client.uploader import Uploader

        uploader = Uploader.for_data_dir(self.data_dir, on_status=lambda status: self.set_status(status.label()),
                                         on_inbox=lambda report: self._announce_inbox())
        if uploader is None:
            return
        self.uploader = uploader
        self.classroom = Classroom(uploader.inbox, uploader.login.url, lambda pack_id: assigned_pack_dir(self.data_dir, pack_id),
                                   uploader.refresh)
        self.add_saved_listener(lambda attempt: uploader.enqueue(attempt.id))
        self.set_status(uploader.status().label())
        uploader.start()
        self._announce_inbox()  # what was fetched before this run

    def warm_up(self, pack: Pack) -> int:
        """After the first frame, make ahead what ``pack`` will need; how many slowed references were made (blocking).

        The place for work that must not delay the first frame: the player
        (PortAudio), the English scoring models (checked and loaded, so the
        first take's score does not wait for them), then the slowed references
        of every phrase (kept in the user cache, so only a new or changed
        reference costs anything).
        """
        from tui.audio.files import load_audio

        _ = self.player  # PortAudio starts here, not on the first key that plays
        phrase_scoring.warm_up_scoring()  # never raises: a missing model is said on the first score it would have served
        made = 0
        for phrase in pack.phrases:
            if pack is not self.pack:
                break  # another pack opened meanwhile: its own warm-up follows
            try:
                made += self.slowed.prepare([load_audio(phrase.audio)])
            except PronounceError:
                continue  # an unreadable reference says so when it is played
        return made

    def close(self) -> list[Path]:
        """End the session: stop uploads, playback and a running take; return where an unfinished take was kept.

        A take still recording is finalised, not scored: it is listed among the
        recovered takes next time (with its phrase), where it can be scored.
        """
        if self.uploader is not None:
            self.uploader.stop(UPLOAD_STOP_WAIT)
        self.playback.stop()
        finishing = self._finishing.acquire(timeout=CLOSE_WAIT_S)  # a take being scored gets saved first
        kept: list[Path] = []
        take = self.take
        if take is not None and take.state.running:
            take.failed()
            if self.recording.owns(take.capture) and take.capture.path is not None:
                try:
                    kept.append(self.recording.stop(take.capture).path)
                except PronounceError:  # stopped already (a signal's handler finalised it), or its file is unfinished
                    kept.extend(self.recovered.files_of(take.capture.path))
        if take is not None and take.live is not None:
            take.live.close()
        self.recording.discard(self.recording.capture)  # an author's reference or an input test still running
        self.captures.shut()
        if self._store is not None:
            self._store.close()
        if finishing:
            self._finishing.release()
        return kept

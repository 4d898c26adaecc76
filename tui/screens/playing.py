"""Playback on the practice screen: reference (normal or slow), my attempt, A/B, one word, the marker."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.reactive import var

from tui.practice.playback import Play
from tui.practice.results import Reference, Result
from tui.screens.base import AppScreen
from tui.widgets.waveform import Waveform

PLAYBACK_BINDINGS = [
    Binding("p", "play_reference", "Play", tooltip="Play the reference"),
    Binding("s", "slow(0.75)", "Slow", tooltip="Play the reference slower (0.75×), same pitch"),
    Binding("S", "slow(0.5)", "Slower", tooltip="Play the reference at half speed, same pitch", show=False),
    Binding("a", "play_attempt", "Mine", tooltip="Play my attempt"),
    Binding("b", "ab", "A/B", tooltip="Play the reference, then my attempt"),
    # priority: the phrase list would take ← → to scroll sideways
    Binding("left", "word(-1)", "Previous word: hear it", key_display="←", show=False, priority=True),
    Binding("right", "word(1)", "Next word: hear it", key_display="→", show=False, priority=True),
    Binding("w", "replay_word", "Hear the word again", show=False),
    Binding("escape", "stop_playback", "Stop playback", show=False),
]


class PlaybackActions(AppScreen):
    """The practice screen's playback keys.

    The screen provides :attr:`reference` and :attr:`shown`, and draws what
    this class decides: it watches :attr:`word` (the selected word, an index
    into the reference's words) and :attr:`marker` (``(target, seconds)``
    where playback is, None when idle) and marks them in its own widgets.
    """

    reference: Reference | None
    shown: Result | None
    word: var[int | None] = var(None)
    marker: var[tuple[str, float] | None] = var(None)

    def _play(self, plays: list[Play]) -> None:
        self.session.playback.play(plays)

    def _reference_play(self, speed: float = 1.0, start: float | None = None, end: float | None = None) -> Play | None:
        ref = self.reference
        return None if ref is None else Play("reference", ref.samples, ref.samplerate, speed, start, end)

    def _attempt_play(self, start: float | None = None, end: float | None = None) -> Play | None:
        shown = self.shown
        if shown is None or shown.samples is None:
            return None
        return Play("attempt", shown.samples, shown.samplerate, 1.0, start, end)

    def action_play_reference(self) -> None:
        """Play the reference at normal speed."""
        self.action_slow(1.0)

    def action_slow(self, speed: float) -> None:
        """Play the reference at ``speed`` (same pitch)."""
        play = self._reference_play(speed)
        if play is None:
            self.notify("The reference is still loading.")
            return
        self._play([play])

    def action_play_attempt(self) -> None:
        """Play my attempt."""
        play = self._attempt_play()
        if play is None:
            self.notify("No attempt to play yet: press space to record one.")
            return
        self._play([play])

    def action_ab(self) -> None:
        """Play the reference, then my attempt."""
        reference, attempt = self._reference_play(), self._attempt_play()
        if reference is None or attempt is None:
            self.notify("A/B needs an attempt: press space to record one.")
            return
        self._play([reference, attempt])

    def action_word(self, step: int) -> None:
        """Select the previous (-1) or next (1) word and hear it in the reference, then in my attempt."""
        if self.reference is None or not self.reference.words:
            return
        index = (0 if step > 0 else -1) if self.word is None else self.word + step
        self.word = index % len(self.reference.words)
        self.action_replay_word()

    @on(Waveform.WordSelected)
    def _word_clicked(self, message: Waveform.WordSelected) -> None:
        self.word = message.index
        self.action_replay_word()

    def action_replay_word(self) -> None:
        """Hear the selected word in the reference, then in my attempt."""
        index = self.word
        if self.reference is None or index is None or index >= len(self.reference.words):
            self.notify("Select a word first: ← → or click it.")
            return
        word = self.reference.words[index]
        plays = [Play("reference", self.reference.samples, self.reference.samplerate, 1.0, word.start, word.end)]
        score = self.shown.score if self.shown is not None else None
        if score is not None and index < len(score.words):
            start, end = score.words[index].att_start, score.words[index].att_end
            attempt = self._attempt_play(start, end) if start is not None and end is not None and end > start else None
            if attempt is not None:
                plays.append(attempt)
        self._play(plays)

    def action_stop_playback(self) -> None:
        """Stop whatever plays."""
        self.session.playback.stop()
        self._follow_playback()

    def _follow_playback(self) -> None:
        """Set :attr:`marker` to where the player is (None when idle)."""
        now = self.session.playback.now()
        self.marker = (now.play.target, now.position) if now is not None and now.position is not None else None

"""The one root error type of pronounce and its causes.

Every error a user can cause or fix carries a message (what happened) and a hint
(what to do next). The CLI prints them on one line and exits with ``exit_code``;
the app shows them as notifications.
"""

from __future__ import annotations


class PronounceError(Exception):
    """Root of every error the user should see as a message, never a traceback."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class SoundServerError(PronounceError):
    """The private PulseAudio daemon could not be started."""


class AudioError(PronounceError):
    """Recording or playback failed."""


class NoMicrophoneError(AudioError):
    """No input device exists."""

    exit_code = 3


class DeviceError(AudioError):
    """A device was not found, could not be opened, or failed while in use."""


class RecorderError(AudioError):
    """A named recorder was misused: unknown name, name in use."""


class TakeStateError(RecorderError):
    """A take was asked to move where its state does not allow (stopped before it started, saved unscored)."""


class AudioFormatError(PronounceError):
    """Audio is unreadable, empty, silent, too short or holds invalid samples."""


class ScoringError(PronounceError):
    """A score could not be computed from otherwise valid input."""


class PackError(PronounceError):
    """A lesson pack is malformed or cannot be written."""


class TTSError(PackError):
    """espeak-ng is missing, has no voice for the language, or failed to speak."""


class StoreError(PronounceError):
    """The attempts database or recordings folder cannot be used."""


class ClassroomError(PronounceError):
    """The class server, its store, or the connection to it failed or refused a request."""

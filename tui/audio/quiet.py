"""Processes that play nothing and draw no screen: the audio libraries stay out of sight there.

Two libraries do things a command that only reads files should not:

- espeak-ng (1.51) sets up an audio output whenever it starts, even to synthesize
  into memory: through libpcaudio it connects to the user's PulseAudio server,
  opens a playback stream, and when none runs creates PulseAudio's runtime
  folders (and may spawn a daemon). :func:`no_sound_server` hides every server
  from libpulse for the moment espeak-ng starts.
- libsndfile's MP3 decoder (libmpg123) writes notes about damaged frames
  straight to file descriptor 2, below Python: four lines of noise around our
  one-line error. :func:`library_output_hidden` points descriptor 2 elsewhere
  while a file is decoded.

Both act only inside :func:`quiet_process`, which the command line enters for
every command but the app (which plays audio and draws its screen on
descriptor 2) and the class server (which logs there from other threads).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PULSE_SERVER = "PULSE_SERVER"
"""libpulse's server list; set but empty, it names no server: no connection, no runtime folder, no daemon."""

_state = threading.local()
_quiet = False
_stderr_lock = threading.RLock()


@contextmanager
def quiet_process() -> Iterator[None]:
    """Within the block, this process plays and records nothing and no screen is drawn on descriptor 2."""
    global _quiet
    before, _quiet = _quiet, True
    try:
        yield
    finally:
        _quiet = before


def is_quiet() -> bool:
    """True inside :func:`quiet_process`."""
    return _quiet


@contextmanager
def no_sound_server() -> Iterator[None]:
    """In a quiet process, libpulse finds no sound server within the block (the environment is restored after)."""
    if not _quiet:
        yield
        return
    before = os.environ.get(PULSE_SERVER)
    os.environ[PULSE_SERVER] = ""
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PULSE_SERVER, None)
        else:
            os.environ[PULSE_SERVER] = before


@contextmanager
def library_output_hidden() -> Iterator[None]:
    """In a quiet process, what C libraries write to descriptor 2 within the block is discarded."""
    if not _quiet or getattr(_state, "hiding", False):
        yield
        return
    with _stderr_lock:
        sys.stderr.flush()
        saved = os.dup(2)
        _state.hiding = True
        try:
            with tempfile.TemporaryFile() as sink:
                os.dup2(sink.fileno(), 2)
                try:
                    yield
                finally:
                    os.dup2(saved, 2)
        finally:
            os.close(saved)
            _state.hiding = False

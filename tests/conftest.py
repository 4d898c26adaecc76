"""Shared fixtures: the private sound server every audio test records and plays through."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tui.audio.devices import rescan
from tui.audio.soundserver import SoundServer, start_sound_server
from tui.errors import SoundServerError

ON_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def sound_server() -> Iterator[SoundServer]:
    """A private PulseAudio daemon with a null sink whose monitor is the default input.

    Outside CI a machine without ``pulseaudio`` skips the audio tests; on CI
    (``CI=true``) that is a failure, so audio tests can never silently vanish.
    """
    try:
        server = start_sound_server()
    except SoundServerError as exc:
        if ON_CI:
            pytest.fail(f"the sound server must run on CI: {exc}")
        pytest.skip(f"no private sound server on this machine: {exc}")
    server.activate()
    rescan()
    yield server
    server.stop()
    rescan()

"""Shared fixtures: the private sound server every audio test records and plays through, and small disks that fill up."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tui.audio.devices import rescan
from tui.audio.soundserver import SoundServer, start_sound_server
from tui.errors import SoundServerError

ON_CI = os.environ.get("CI", "").lower() == "true"

# Slowed references go to a cache of this run's own, never the user's (the app and every CLI it starts inherit it).
os.environ.setdefault("PRONOUNCE_CACHE_DIR", tempfile.mkdtemp(prefix="pronounce-test-cache-"))


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


@contextmanager
def mounted_tmpfs(folder: Path, *, size_mib: int) -> Iterator[Path]:
    """A real file system of ``size_mib`` MiB at ``folder`` that fills up, unmounted afterwards.

    Needs root; elsewhere the test is skipped, and on CI (``CI=true``) a failure to mount fails it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        if ON_CI:
            pytest.fail(f"cannot mount a tmpfs on CI: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill_disk(path: Path) -> Path:
    """Write zeros to the new file ``path`` until the disk holding it is full, to the last block; ``path``."""
    with open(path, "ab", buffering=0) as handle:
        try:
            while True:
                handle.write(bytes(4096))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return path

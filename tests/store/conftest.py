"""Store fixtures: a fresh data dir, real WAV takes in recordings/incoming, root-only setups."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import mounted_tmpfs
from tests.store.helpers import ON_CI, write_take
from tui.store import AttemptStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AttemptStore]:
    """An empty store in a fresh data dir."""
    with AttemptStore(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def take(store: AttemptStore) -> Callable[[], Path]:
    """Make a new recording in the store's ``recordings/incoming``."""
    return lambda: write_take(store.incoming_dir)


@pytest.fixture
def as_root() -> None:
    """Tests that mount a file system or drop privileges need root: skipped elsewhere, failed on CI."""
    if os.geteuid() != 0:
        if ON_CI:
            pytest.fail("the store's disk-full and permission tests must run as root on CI")
        pytest.skip("needs root (mount a tmpfs, run a child as nobody)")


@pytest.fixture
def small_disk(as_root: None, tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs: a real file system that fills up."""
    with mounted_tmpfs(tmp_path / "small", size_mib=3) as mount:
        yield mount

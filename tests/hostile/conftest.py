"""The hostile world every family of cases runs in, and the in-process harness bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, user_env
from tests.hostile.world import World, build


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Built once: every case reads it, none may change it (copies are made where a case writes)."""
    return build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def harness(world: World, capfd: pytest.CaptureFixture[str]) -> Harness:
    """``pronounce`` in this process, as a user whose home, config and data dir lie in the world."""
    return Harness(capfd, user_env(world.root / "home", Path(world.paths["data"])), world.root)


@pytest.fixture
def unchanged(world: World, tmp_path: Path) -> Iterator[Unchanged]:
    """Fingerprints of the world, the victim beside it and the case's own folder, taken before the case."""
    yield Unchanged(world.root, world.victim, tmp_path)

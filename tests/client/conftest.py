"""Client fixtures: the class server of the server tests, and a learner's own data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import Classroom, room  # noqa: F401  (a running server for this module)


@pytest.fixture
def learner_dir(tmp_path: Path) -> Path:
    """An empty data dir for the learner's app."""
    return tmp_path / "learner"


__all__ = ["Classroom"]

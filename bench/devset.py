"""Where the speechocean762 development set lies: ``shared/datasets/speechocean762-dev`` beside the checkout.

The checkout may be the main clone (``/work/main``) or a worktree one level deeper
(``/work/wt/NAME``); ``PRONOUNCE_DEV_SET`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dev_set() -> Path:
    """The folder holding ``manifest.csv`` (the first candidate when none has it, so errors name a path)."""
    if os.environ.get("PRONOUNCE_DEV_SET"):
        return Path(os.environ["PRONOUNCE_DEV_SET"])
    candidates = [parent / "shared" / "datasets" / "speechocean762-dev" for parent in ROOT.parents[:3]]
    return next((c for c in candidates if (c / "manifest.csv").is_file()), candidates[0])


DATA = dev_set()

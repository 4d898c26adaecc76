"""Scoring engine: features, DTW alignment, English evidence, content check, the fitted scorer. No Textual here.

The names below load on first use (PEP 562), so importing a light module such as
:mod:`tui.scoring.score` does not load numpy, librosa or the English models with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.scoring.cohort import Cohort, build_cohort, pack_cohort
    from tui.scoring.comparison import compare, pitch_track
    from tui.scoring.live import LiveScorer
    from tui.scoring.models import ModelError, warm
    from tui.scoring.prepared import SCORER_VERSION, PreparedReference, prepare_phrase, prepare_reference

_HOMES = {
    "Cohort": "cohort",
    "build_cohort": "cohort",
    "pack_cohort": "cohort",
    "compare": "comparison",
    "pitch_track": "comparison",
    "LiveScorer": "live",
    "SCORER_VERSION": "prepared",
    "PreparedReference": "prepared",
    "prepare_reference": "prepared",
    "prepare_phrase": "prepared",
    "ModelError": "models",
    "warm": "models",
}

__all__ = [
    "SCORER_VERSION",
    "Cohort",
    "LiveScorer",
    "ModelError",
    "PreparedReference",
    "build_cohort",
    "compare",
    "pack_cohort",
    "pitch_track",
    "prepare_phrase",
    "prepare_reference",
    "warm",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)

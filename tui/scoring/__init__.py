"""Scoring engine: features, DTW alignment, phone evidence, content check, calibration. No Textual here."""

from tui.scoring.cohort import Cohort, build_cohort, pack_cohort
from tui.scoring.compare import compare, pitch_track
from tui.scoring.live import LiveScorer
from tui.scoring.prepared import SCORER_VERSION, PreparedReference, prepare_reference

__all__ = [
    "SCORER_VERSION",
    "Cohort",
    "LiveScorer",
    "PreparedReference",
    "build_cohort",
    "compare",
    "pack_cohort",
    "pitch_track",
    "prepare_reference",
]

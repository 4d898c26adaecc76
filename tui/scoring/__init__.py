"""Scoring engine: features, DTW alignment, sub-scores, calibration. No Textual here."""

from tui.scoring.compare import SCORER_VERSION, PreparedReference, compare, pitch_track, prepare_reference

__all__ = ["SCORER_VERSION", "PreparedReference", "compare", "pitch_track", "prepare_reference"]

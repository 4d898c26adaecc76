"""Scoring engine: features, DTW alignment, sub-scores, calibration. No Textual here."""

"""The shipped calibration loads, and a damaged one fails clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui.errors import ScoringError
from tui.scoring import SCORER_VERSION
from tui.scoring.calibration import load_calibration
from tui.scoring.measure import SENTENCE_FEATURES, WORD_FEATURES


def test_shipped_calibration_matches_the_measurements() -> None:
    calibration = load_calibration()
    assert calibration.version == SCORER_VERSION
    assert set(calibration.sentence) == {"overall", "accuracy", "fluency", "intonation"}
    for model in calibration.sentence.values():
        assert model.features == SENTENCE_FEATURES
        assert np.all(np.diff(model.knots_x) > 0) and np.all(np.diff(model.knots_y) >= 0)
        assert model.knots_y[-1] == 100.0
    assert calibration.word.features == (*WORD_FEATURES, "sentence_overall")


def test_damaged_calibration_is_a_scoring_error(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text('{"version": "x"}')
    with pytest.raises(ScoringError, match="calibration .* is missing or damaged"):
        load_calibration(path)

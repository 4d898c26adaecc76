"""The shipped calibration loads, uses only measurements the scorer makes, and a damaged one fails clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui.errors import ScoringError
from tui.scoring import SCORER_VERSION, english
from tui.scoring.calibration import DOUBTED_SCALE, load_calibration
from tui.scoring.grade import content_features
from tui.scoring.measure import SENTENCE_FEATURES, WORD_FEATURES


def test_shipped_calibration_matches_the_measurements() -> None:
    calibration = load_calibration()
    assert calibration.version == SCORER_VERSION
    sentence_names = {*SENTENCE_FEATURES, *content_features(None), *english.SENTENCE_FEATURES, "found_share"}
    for models in (calibration.english, calibration.template):
        assert set(models.sentence) == {"overall", "accuracy", "fluency", "intonation"}
        for model in models.sentence.values():
            assert set(model.features) <= sentence_names
            assert np.all(np.diff(model.knots_x) > 0) and np.all(np.diff(model.knots_y) >= 0)
            assert model.knots_y[-1] == 100.0
        assert set(models.content.features) <= sentence_names
        assert set(models.word.features) <= {*WORD_FEATURES, "sentence_overall", *english.WORD_FEATURES}
        assert 0.0 <= models.gate[0] < models.gate[1] <= 1.0
    assert set(english.WORD_FEATURES) & set(calibration.english.word.features)
    assert not set(english.WORD_FEATURES) & set(calibration.template.word.features)


def test_a_doubted_take_is_scaled_into_0_to_40_and_a_sure_one_is_left_alone() -> None:
    models = load_calibration().english
    low, high = models.gate
    scales = [models.content_scale(p) for p in (0.0, low, (low + high) / 2, high, 1.0)]
    assert scales[0] == scales[1] == DOUBTED_SCALE == 0.4
    assert scales[1] < scales[2] < scales[3]
    assert scales[3] == scales[4] == 1.0


def test_damaged_calibration_is_a_scoring_error(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text('{"version": "x"}')
    with pytest.raises(ScoringError, match="calibration .* is missing or damaged"):
        load_calibration(path)

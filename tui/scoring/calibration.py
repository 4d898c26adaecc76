"""Map raw measurements to 0–100 with the fitted models in ``calibration.json``.

Each model is a ridge regression on standardised features followed by a
monotone piecewise-linear map (isotonic on the training data, anchored so a
perfect match reaches 100). ``bench/calibrate.py`` refits and rewrites the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tui.errors import ScoringError

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class Model:
    """One fitted mapping from named features to a 0–100 score."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    knots_x: np.ndarray
    knots_y: np.ndarray

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Linear prediction for rows ``x`` [shape=(n, n_features)] on the expert 0–10 scale."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Scores 0–100 for rows ``x`` [shape=(n, n_features)]."""
        return np.interp(self.raw(x), self.knots_x, self.knots_y)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6),
            "knots_x": self.knots_x.round(5).tolist(),
            "knots_y": self.knots_y.round(3).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Model:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            features=tuple(data["features"]),  # type: ignore[arg-type]
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            knots_x=np.asarray(data["knots_x"], dtype=np.float64),
            knots_y=np.asarray(data["knots_y"], dtype=np.float64),
        )


@dataclass(frozen=True)
class Calibration:
    """The shipped models: sentence sub-scores, the per-word score, the content gate.

    ``content_gate`` is ``(low, high)`` on the ``excess_mean`` measurement: up to
    ``low`` (the 99th percentile of expert-scored learners) scores stand, beyond
    ``high`` the attempt is not the reference phrase and scores drop to 0.
    """

    version: str
    sentence: dict[str, Model]
    word: Model
    content_gate: tuple[float, float]

    def gate(self, excess_mean: float) -> float:
        """Factor 0–1 applied to every score: 1 while the attempt sounds like the phrase."""
        low, high = self.content_gate
        return float(np.clip((high - excess_mean) / (high - low), 0.0, 1.0))


@lru_cache(maxsize=1)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """Read the calibration file (cached).

    Raises
    ------
    ScoringError
        If the file is missing or malformed.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration(
            version=str(data["version"]),
            sentence={name: Model.from_dict(model) for name, model in data["sentence"].items()},
            word=Model.from_dict(data["word"]),
            content_gate=(float(data["content_gate"][0]), float(data["content_gate"][1])),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScoringError(
            f"scoring calibration {path} is missing or damaged: {exc}",
            hint="reinstall pronounce, or run bench/calibrate.py to rebuild it",
        ) from exc

"""Map raw measurements to 0–100 with the fitted models in ``calibration.json``.

Each sub-score model is a ridge regression on standardised features followed by
a monotone piecewise-linear map onto the experts' scale (experts' 10 is 100);
the content check is a logistic regression whose probability scales every score
(a doubted take is scaled into 0–40). There is one set of models for English
with Whisper and phone evidence (fitted by ``bench/fit_scorer.py``) and one for
template matching, any language (``bench/calibrate.py``); each script rewrites
its own part of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tui.errors import ScoringError

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DOUBTED_SCALE = 0.4
"""Factor on every score of a take the content check doubts: it comes out at most 40, but keeps its order.

Capping doubted takes at 0 instead cost most of the agreement with experts, since
the check doubts some right takes too (the development speakers' CV: overall r
0.54 capped at 0, 0.63 scaled, 0.71 with no check at all)."""


@dataclass(frozen=True)
class Linear:
    """A linear function of named, standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Linear prediction for rows ``x`` [shape=(n, n_features)]."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6),
        }

    @staticmethod
    def fields_from(data: dict[str, Any]) -> dict[str, Any]:
        """The :class:`Linear` fields of a :meth:`to_dict` mapping."""
        return {
            "features": tuple(data["features"]),
            "mean": np.asarray(data["mean"], dtype=np.float64),
            "scale": np.asarray(data["scale"], dtype=np.float64),
            "coef": np.asarray(data["coef"], dtype=np.float64),
            "intercept": float(data["intercept"]),
        }


@dataclass(frozen=True)
class Model(Linear):
    """One fitted mapping from named features to a 0–100 score (``raw`` is on the expert 0–10 scale)."""

    knots_x: np.ndarray = field(default_factory=lambda: np.array([0.0, 10.0]))
    knots_y: np.ndarray = field(default_factory=lambda: np.array([0.0, 100.0]))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Scores 0–100 for rows ``x`` [shape=(n, n_features)]."""
        return np.interp(self.raw(x), self.knots_x, self.knots_y)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {**super().to_dict(), "knots_x": self.knots_x.round(5).tolist(), "knots_y": self.knots_y.round(3).tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            **cls.fields_from(data),
            knots_x=np.asarray(data["knots_x"], dtype=np.float64),
            knots_y=np.asarray(data["knots_y"], dtype=np.float64),
        )


@dataclass(frozen=True)
class Logistic(Linear):
    """Probability that an attempt says the reference phrase, from content evidence."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """P(right phrase) for rows ``x`` [shape=(n, n_features)]."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.raw(x), -40.0, 40.0)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Logistic:
        """Rebuild from :meth:`to_dict` output."""
        return cls(**cls.fields_from(data))


@dataclass(frozen=True)
class ModelSet:
    """The models for one kind of evidence ("english": Whisper and phone evidence, "template": any language).

    ``gate`` is ``(low, high)`` on the content probability: every score is
    multiplied by :data:`DOUBTED_SCALE` at or below ``low`` (not this phrase),
    by 1 from ``high``, by a factor linear in the probability between.
    """

    sentence: dict[str, Model]
    word: Model
    content: Logistic
    gate: tuple[float, float]

    def content_scale(self, p_right: float) -> float:
        """The factor on every score of an attempt that says the phrase with probability ``p_right``."""
        low, high = self.gate
        return float(np.interp(p_right, [low, high], [DOUBTED_SCALE, 1.0]))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "sentence": {name: model.to_dict() for name, model in self.sentence.items()},
            "word": self.word.to_dict(),
            "content": self.content.to_dict(),
            "gate": [round(v, 4) for v in self.gate],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSet:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            sentence={name: Model.from_dict(model) for name, model in data["sentence"].items()},
            word=Model.from_dict(data["word"]),
            content=Logistic.from_dict(data["content"]),
            gate=(float(data["gate"][0]), float(data["gate"][1])),
        )


@dataclass(frozen=True)
class Calibration:
    """The shipped models: one :class:`ModelSet` per kind of evidence."""

    version: str
    english: ModelSet
    template: ModelSet


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
            english=ModelSet.from_dict(data["english"]),
            template=ModelSet.from_dict(data["template"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScoringError(
            f"scoring calibration {path} is missing or damaged: {exc}",
            hint="reinstall pronounce, or run bench/calibrate.py to rebuild it",
        ) from exc

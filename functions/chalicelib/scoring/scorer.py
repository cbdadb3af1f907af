"""Runtime credit scorer: the hot path inside Lambda.

Reads the plain artifact written by `creditmodel` (bin tables, coefficients, flattened tree
arrays) and scores one application with numpy and the standard library only: no pandas, no
scikit-learn at score time, so the Lambda package stays small and cold starts stay short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from chalicelib.bureau.categories import PLAIN
from chalicelib.reasons import Reason

__all__ = ["ARTIFACT_FILE", "ScoreResult", "Scorer"]

ARTIFACT_FILE = "model.joblib"
FORMAT_VERSION = 1
MAX_REASONS = 4
# A feature must cost at least this many points before it is named as a reason.
MIN_POINTS_LOST = 1.0
# Features the model may use but that are never given as a reason for an adverse decision
# (fair-lending expectations: an applicant is not told their age counted against them). The
# score still uses them; the next strongest features are named instead.
NOT_A_REASON = frozenset({"AGE"})


@dataclass(frozen=True)
class ScoreResult:
    pd: float
    score: int
    grade: str
    reasons: tuple[Reason, ...]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _malformed(name: str, expected: str, raw: object) -> ValueError:
    # ValueError, not TypeError: the contract is "malformed input -> ValueError naming the feature".
    return ValueError(f"feature {name!r} must be {expected}, got {type(raw).__name__}")


class _Feature:
    """One input feature: how to find its bin, and its scorecard points per bin."""

    __slots__ = (
        "best_points",
        "bin_labels",
        "categories",
        "code",
        "edges",
        "label",
        "missing_bin",
        "name",
        "numeric",
        "points",
        "tree_col",
        "tree_levels",
        "tree_median",
    )

    def __init__(self, spec: Mapping[str, Any], points: list[float], best: float) -> None:
        self.name: str = spec["name"]
        self.numeric = spec["kind"] == "numeric"
        self.edges = [float(e) for e in spec["edges"]]
        self.categories: dict[str, int] = dict(spec["categories"])
        self.missing_bin = int(spec["n_bins"]) - 1
        self.points = points
        self.best_points = best
        self.code: str = spec["reason_code"]
        self.label: str = spec["reason_label"]
        self.bin_labels: list[str] = list(spec["labels"])
        self.tree_col = -1
        self.tree_median = 0.0
        self.tree_levels: dict[str, int] = {}

    def value(self, raw: object) -> float | str | None:
        """The validated value: float for numeric, str for categorical, None when missing."""
        if _missing(raw):
            return None
        if self.numeric:
            if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | np.number):
                raise _malformed(self.name, "a number", raw)
            return float(raw)
        if not isinstance(raw, str):
            raise _malformed(self.name, "a string", raw)
        return raw

    def bin_of(self, value: float | str | None) -> int:
        if value is None:
            return self.missing_bin
        if self.numeric:
            assert isinstance(value, float)
            if math.isnan(value):
                return self.missing_bin
            # value <= edges[i] -> bin i (the side the training trees used).
            lo, hi = 0, len(self.edges)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.edges[mid] < value:
                    lo = mid + 1
                else:
                    hi = mid
            return lo
        return self.categories.get(str(value), self.missing_bin)


class Scorer:
    """Scores one application: calibrated PD, points score, grade and up to four reasons."""

    def __init__(self, artifact: Mapping[str, Any]) -> None:
        if artifact.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported model artifact format {artifact.get('format_version')!r}"
            )
        self._artifact = artifact
        sc = artifact["scorecard"]
        self._intercept = float(sc["intercept"])
        self._features: list[_Feature] = []
        for spec, pts in zip(artifact["features"], sc["points"], strict=True):
            counts = spec["counts"]
            seen = [p for p, c in zip(pts, counts, strict=True) if c > 0] or list(pts)
            self._features.append(_Feature(spec, [float(p) for p in pts], max(seen)))
        self._woe_logit = [[float(v) for v in row] for row in sc["logit_per_bin"]]
        blend = artifact["blend"]
        self._w = float(blend["scorecard_weight"])
        self._cal_a = float(artifact["calibration"]["a"])
        self._cal_b = float(artifact["calibration"]["b"])
        scale = artifact["score_scale"]
        self._offset = float(scale["offset"])
        self._factor = float(scale["factor"])
        self._grade_edges = [float(e) for e in artifact["grades"]["pd_edges"]]
        self._grade_labels = list(artifact["grades"]["labels"])
        self._forest = artifact.get("forest")
        if self._forest is not None:
            self._prepare_forest(self._forest, artifact["tree_inputs"])

    def _prepare_forest(self, forest: Mapping[str, Any], layout: Mapping[str, Any]) -> None:
        by_name = {f.name: f for f in self._features}
        col = 0
        for name, median in zip(layout["numeric"], layout["medians"], strict=True):
            by_name[name].tree_col = col
            by_name[name].tree_median = float(median)
            col += 1
        for name, levels in layout["categorical"]:
            by_name[name].tree_col = col
            by_name[name].tree_levels = {lv: i for i, lv in enumerate(levels)}
            col += len(levels)
        self._n_tree_inputs = col
        self._t_feature = np.asarray(forest["feature"], dtype=np.intp)
        self._t_threshold = np.asarray(forest["threshold"], dtype=np.float64)
        right = np.asarray(forest["right"], dtype=np.int32)
        # next = right + (goes left) * (left - right): much faster than np.where on 60k nodes.
        self._t_right = right
        self._t_delta = np.asarray(forest["left"], dtype=np.int32) - right
        self._t_value = np.asarray(forest["value"], dtype=np.float64)
        self._t_roots = np.asarray(forest["roots"], dtype=np.intp)
        self._t_depth = int(forest["max_depth"])
        self._clip = float(self._artifact["blend"]["prob_clip"])

    @classmethod
    def load(cls, model_dir: str | Path) -> Scorer:
        return cls(joblib.load(Path(model_dir) / ARTIFACT_FILE))

    @property
    def cutoff_pd(self) -> float:
        return float(self._artifact["cutoff"]["pd"])

    @property
    def feature_spec(self) -> dict[str, str | list[str]]:
        return {f.name: "numeric" if f.numeric else sorted(f.categories) for f in self._features}

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._artifact["metadata"])

    @property
    def artifact(self) -> Mapping[str, Any]:
        return self._artifact

    def _forest_proba(self, values: list[float | str | None]) -> float:
        x = np.zeros(self._n_tree_inputs, dtype=np.float32)
        for f, v in zip(self._features, values, strict=True):
            if f.numeric:
                x[f.tree_col] = f.tree_median if v is None or math.isnan(v) else v  # type: ignore[arg-type]
            elif v is not None:
                i = f.tree_levels.get(str(v))
                if i is not None:
                    x[f.tree_col + i] = 1.0
        # sklearn trees compare float32 inputs against float64 thresholds; do the same.
        # One sample: evaluate every split at once, then walk the roots down the chosen children.
        xd = x.astype(np.float64)
        goes_left = xd.take(self._t_feature) <= self._t_threshold
        nxt = self._t_right + goes_left * self._t_delta
        node: np.ndarray = self._t_roots
        for _ in range(self._t_depth):
            node = nxt[node]
        return float(self._t_value[node].mean())

    def logit(
        self, features: Mapping[str, object]
    ) -> tuple[float, list[int], list[float | str | None]]:
        values = [f.value(features.get(f.name)) for f in self._features]
        bins = [f.bin_of(v) for f, v in zip(self._features, values, strict=True)]
        z = self._intercept + sum(row[b] for row, b in zip(self._woe_logit, bins, strict=True))
        if self._forest is not None:
            p = min(max(self._forest_proba(values), self._clip), 1 - self._clip)
            z = self._w * z + (1 - self._w) * math.log(p / (1 - p))
        return self._cal_a + self._cal_b * z, bins, values

    def score(
        self, features: Mapping[str, object], shown_as: Mapping[str, str] | None = None
    ) -> ScoreResult:
        """Score one application.

        `shown_as` maps a feature name to the words a reason should quote for it (what the
        applicant declared, in their terms) instead of the model's internal value; features not
        in it are quoted as the model saw them, bureau categories in plain words (`PLAIN`).
        It changes reason texts only, never the score.
        """
        z, bins, values = self.logit(features)
        pd_ = 1.0 / (1.0 + math.exp(-z))
        # Points on the good:bad odds scale; ln(odds) = -logit(PD).
        score = math.floor(self._offset - self._factor * z + 0.5)
        grade = self._grade_labels[-1]
        for edge, label in zip(self._grade_edges, self._grade_labels, strict=False):
            if pd_ < edge:
                grade = label
                break
        return ScoreResult(pd_, score, grade, self._reasons(bins, values, shown_as or {}))

    def _reasons(
        self, bins: list[int], values: list[float | str | None], shown_as: Mapping[str, str]
    ) -> tuple[Reason, ...]:
        lost = []
        for i, (f, b) in enumerate(zip(self._features, bins, strict=True)):
            if f.code in NOT_A_REASON:
                continue
            gap = f.best_points - f.points[b]
            if gap >= MIN_POINTS_LOST:
                lost.append((-round(gap, 6), i))
        lost.sort()
        out = []
        for _, i in lost[:MAX_REASONS]:
            f, v = self._features[i], values[i]
            out.append(Reason(f.code, _reason_text(f, bins[i], v, shown_as.get(f.name))))
        return tuple(out)


def _reason_text(f: _Feature, b: int, value: float | str | None, shown: str | None = None) -> str:
    if value is None:
        return f"{f.label}: not provided."
    if shown is None:
        shown = f"{value:g}" if isinstance(value, float) else PLAIN.get(str(value), str(value))
    if not f.numeric and b == f.missing_bin:
        return f"{f.label}: '{shown}' is uncommon in our lending history."
    return f"{f.label} ({shown}) is associated with a higher risk of non-repayment."

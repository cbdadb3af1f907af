"""Supervised binning of tabular features into plain, JSON-able bin tables.

A fitted table is what the runtime scorer reads: numeric features keep sorted cut points,
categorical features keep a value -> bin map. Every feature has one extra bin that takes
missing values (and, for categories, rare or unseen values), so scoring never fails on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

NUMERIC = "numeric"
CATEGORICAL = "categorical"
# WoE smoothing: half an observation in each cell keeps empty bins finite.
WOE_PSEUDOCOUNT = 0.5


@dataclass
class BinningConfig:
    max_bins: int = 6
    min_bin_frac: float = 0.05
    # Categories seen fewer times than this share the "other" bin with unknown values.
    min_category_count: int = 10
    # A numeric column with at most this many distinct values is still numeric, but binned on them.
    categorical_if_nunique_at_most: int = 0


@dataclass
class FeatureBins:
    name: str
    kind: str
    n_bins: int  # bins including the missing/other bin, which is always the last one
    edges: list[float] = field(default_factory=list)  # numeric: value <= edges[i] -> bin i
    categories: dict[str, int] = field(default_factory=dict)  # categorical: value -> bin
    labels: list[str] = field(default_factory=list)  # human label of each bin
    counts: list[int] = field(default_factory=list)
    bad_counts: list[int] = field(default_factory=list)
    woe: list[float] = field(default_factory=list)  # ln(share of bads / share of goods)

    @property
    def missing_bin(self) -> int:
        return self.n_bins - 1

    def transform(self, values: pd.Series) -> np.ndarray:
        if self.kind == NUMERIC:
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            out = np.searchsorted(np.asarray(self.edges, dtype=float), x, side="left")
            out[np.isnan(x)] = self.missing_bin
            return out.astype(np.int64)
        mapped = values.map(lambda v: self.categories.get(_cat_key(v), self.missing_bin))
        return mapped.to_numpy(dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "n_bins": self.n_bins,
            "edges": list(self.edges),
            "categories": dict(self.categories),
            "labels": list(self.labels),
            "counts": list(self.counts),
            "bad_counts": list(self.bad_counts),
            "woe": list(self.woe),
        }


def _cat_key(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\x00missing"
    return str(value)


def detect_kind(series: pd.Series, config: BinningConfig) -> str:
    if pd.api.types.is_bool_dtype(series):
        return CATEGORICAL
    if pd.api.types.is_numeric_dtype(series):
        if series.nunique(dropna=True) <= config.categorical_if_nunique_at_most:
            return CATEGORICAL
        return NUMERIC
    return CATEGORICAL


def _tree_cuts(x: np.ndarray, y: np.ndarray, config: BinningConfig) -> list[float]:
    """Cut points of a shallow tree on one column: the classic supervised scorecard binning."""
    if len(x) == 0 or len(np.unique(x)) < 2:
        return []
    tree = DecisionTreeClassifier(
        max_leaf_nodes=max(2, config.max_bins),
        min_samples_leaf=max(1, math.ceil(config.min_bin_frac * len(x))),
        random_state=0,
    )
    tree.fit(x.reshape(-1, 1), y)
    t = tree.tree_
    return sorted(float(v) for v, f in zip(t.threshold, t.feature, strict=True) if f >= 0)


def _woe(bad: np.ndarray, good: np.ndarray) -> np.ndarray:
    b = (bad + WOE_PSEUDOCOUNT) / (bad.sum() + WOE_PSEUDOCOUNT * len(bad))
    g = (good + WOE_PSEUDOCOUNT) / (good.sum() + WOE_PSEUDOCOUNT * len(good))
    return np.log(b / g)


def _finish(fb: FeatureBins, bins: np.ndarray, y: np.ndarray) -> FeatureBins:
    counts = np.bincount(bins, minlength=fb.n_bins)
    bads = np.bincount(bins, weights=y, minlength=fb.n_bins)
    woe = _woe(bads, counts - bads)
    # An empty bin (e.g. no missing values in training) is neutral: WoE 0 = the average applicant.
    woe[counts == 0] = 0.0
    fb.counts = [int(c) for c in counts]
    fb.bad_counts = [int(b) for b in bads]
    fb.woe = [float(w) for w in woe]
    return fb


def fit_feature(name: str, series: pd.Series, y: np.ndarray, config: BinningConfig) -> FeatureBins:
    kind = detect_kind(series, config)
    if kind == NUMERIC:
        x = series.to_numpy(dtype=float)
        ok = ~np.isnan(x)
        edges = _tree_cuts(x[ok], y[ok], config)
        n_bins = len(edges) + 2
        bounds = [-math.inf, *edges, math.inf]
        labels = [f"({_fmt(bounds[i])}, {_fmt(bounds[i + 1])}]" for i in range(len(edges) + 1)]
        fb = FeatureBins(name, NUMERIC, n_bins, edges=edges, labels=[*labels, "missing"])
        return _finish(fb, fb.transform(series), y)

    keys = series.map(_cat_key)
    counts = keys.value_counts()
    frequent = sorted(k for k, c in counts.items() if c >= config.min_category_count)
    if not frequent:
        fb = FeatureBins(name, CATEGORICAL, 1, labels=["other"])
        return _finish(fb, np.zeros(len(series), dtype=np.int64), y)
    # Order the frequent categories by bad rate, then let the tree merge neighbours.
    rate = {k: float(y[(keys == k).to_numpy()].mean()) for k in frequent}
    order = sorted(frequent, key=lambda k: (rate[k], k))
    rank = {k: i for i, k in enumerate(order)}
    ok = keys.isin(frequent).to_numpy()
    r = keys[ok].map(rank).to_numpy(dtype=float)
    cuts = _tree_cuts(r, y[ok], config)
    groups = np.searchsorted(np.asarray(cuts), np.arange(len(order)), side="left")
    categories = {k: int(groups[rank[k]]) for k in order}
    n_groups = len(cuts) + 1
    labels = [" / ".join(k for k in order if categories[k] == g) for g in range(n_groups)] + [
        "other or missing"
    ]
    fb = FeatureBins(name, CATEGORICAL, n_groups + 1, categories=categories, labels=labels)
    return _finish(fb, fb.transform(series), y)


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return f"{v:g}"


class Binner:
    """Fits bins for every input column; transforms a frame into a bin-index matrix."""

    def __init__(self, config: BinningConfig | None = None) -> None:
        self.config = config or BinningConfig()
        self.features: list[FeatureBins] = []

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Binner:
        y = np.asarray(y, dtype=float)
        self.features = [fit_feature(c, X[c], y, self.config) for c in X.columns]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([fb.transform(X[fb.name]) for fb in self.features])

    def woe_matrix(self, bins: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [np.asarray(fb.woe)[bins[:, j]] for j, fb in enumerate(self.features)]
        )

    def onehot(self, bins: np.ndarray) -> np.ndarray:
        offsets = np.cumsum([0] + [fb.n_bins for fb in self.features])
        out = np.zeros((bins.shape[0], offsets[-1]))
        rows = np.arange(bins.shape[0])
        for j in range(bins.shape[1]):
            out[rows, offsets[j] + bins[:, j]] = 1.0
        return out

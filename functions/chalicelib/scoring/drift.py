"""Population stability: production applications vs the training baseline stored in the artifact.

Pure functions (numpy + standard library) so a scheduled Lambda can call them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.scoring.scorer import Scorer

# Usual reading of PSI: < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted.
PSI_WATCH = 0.10
PSI_ALERT = 0.25
_EPS = 1e-4


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI between two share vectors over the same bins; empty bins get a small floor."""
    if len(expected) != len(actual):
        raise ValueError("psi needs share vectors of equal length")
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(float(e), _EPS), max(float(a), _EPS)
        total += (a - e) * math.log(a / e)
    return total


def shares(indices: Iterable[int], n: int) -> list[float]:
    counts = [0] * n
    k = 0
    for i in indices:
        counts[i] += 1
        k += 1
    return [c / k if k else 0.0 for c in counts]


def score_band(score: float, edges: Sequence[float]) -> int:
    """Band i holds scores in (edges[i-1], edges[i]]; the last band is open above."""
    for i, e in enumerate(edges):
        if score <= e:
            return i
    return len(edges)


def _status(value: float) -> str:
    return "alert" if value > PSI_ALERT else "watch" if value > PSI_WATCH else "stable"


def drift_report(
    artifact: Mapping[str, Any] | Scorer, rows: Iterable[Mapping[str, object]]
) -> dict[str, Any]:
    """PSI of score bands and of each feature's bins, production rows vs training baseline.

    `artifact` is the loaded model.joblib dict or a Scorer; `rows` are feature mappings as the
    app records them (extra keys ignored). Rows with malformed features are counted and skipped.
    """
    from chalicelib.scoring.scorer import Scorer

    scorer = artifact if isinstance(artifact, Scorer) else Scorer(artifact)
    baseline = scorer.artifact["baseline"]
    band_edges = baseline["score_band_edges"]
    feats = scorer._features
    band_idx: list[int] = []
    feat_bins: list[list[int]] = [[] for _ in feats]
    skipped = 0
    for row in rows:
        try:
            z, bins, _ = scorer.logit(row)
        except ValueError:
            skipped += 1
            continue
        score = scorer._offset - scorer._factor * z
        band_idx.append(score_band(score, band_edges))
        for j, b in enumerate(bins):
            feat_bins[j].append(b)
    n = len(band_idx)
    score_actual = shares(band_idx, len(band_edges) + 1)
    score_psi = psi(baseline["score_band_shares"], score_actual) if n else float("nan")
    features = {}
    for j, f in enumerate(feats):
        expected = baseline["feature_bin_shares"][f.name]
        actual = shares(feat_bins[j], len(expected))
        value = psi(expected, actual) if n else float("nan")
        features[f.name] = {"psi": value, "status": _status(value) if n else "no data"}
    return {
        "model_version": scorer.metadata.get("model_version"),
        "rows": n,
        "skipped_rows": skipped,
        "score": {
            "psi": score_psi,
            "status": _status(score_psi) if n else "no data",
            "band_edges": list(band_edges),
            "expected_shares": list(baseline["score_band_shares"]),
            "actual_shares": score_actual,
        },
        "features": features,
    }

"""Evaluation measures used by the model card (training side; numpy + scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve


def auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p))


def ks(y: np.ndarray, p: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(brier_score_loss(y, p))


def calibration_slope(y: np.ndarray, p: np.ndarray) -> float:
    """Slope of a logistic fit of the outcome on logit(PD): 1 is ideal, < 1 means overconfident."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p)).reshape(-1, 1)
    return float(LogisticRegression(C=1e6, max_iter=5000).fit(z, y).coef_[0, 0])


def expected_cost(
    y: np.ndarray, pd_: np.ndarray, cutoff: float, cost_bad: float, cost_good: float
) -> float:
    """Average cost per applicant when applicants with PD < cutoff are accepted."""
    accept = pd_ < cutoff
    return float(
        (cost_bad * np.sum(accept & (y == 1)) + cost_good * np.sum(~accept & (y == 0))) / len(y)
    )


def best_cutoff(
    y: np.ndarray, pd_: np.ndarray, cost_bad: float, cost_good: float
) -> tuple[float, float]:
    """The PD cutoff minimising expected cost, searched over midpoints of observed PDs."""
    u = np.unique(pd_)
    candidates = np.concatenate([[0.0], (u[:-1] + u[1:]) / 2, [1.0 + 1e-9]])
    costs = [expected_cost(y, pd_, c, cost_bad, cost_good) for c in candidates]
    i = int(np.argmin(costs))
    return float(candidates[i]), float(costs[i])


def psi_from_scores(expected: np.ndarray, actual: np.ndarray, edges: np.ndarray) -> float:
    e = np.bincount(np.searchsorted(edges, expected, side="left"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="left"), minlength=len(edges) + 1)
    e = np.maximum(e / e.sum(), 1e-4)
    a = np.maximum(a / a.sum(), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


def approval_ratios(groups: np.ndarray, approved: np.ndarray) -> dict:
    """Approval rate per group and its ratio to the most-approved group (four-fifths rule)."""
    rates = {}
    for g in sorted(set(groups.tolist())):
        m = groups == g
        rates[str(g)] = {"n": int(m.sum()), "approval_rate": float(approved[m].mean())}
    top = max(r["approval_rate"] for r in rates.values()) if rates else 0.0
    for r in rates.values():
        r["ratio_to_highest"] = r["approval_rate"] / top if top > 0 else float("nan")
    min_ratio = min((r["ratio_to_highest"] for r in rates.values()), default=float("nan"))
    return {"groups": rates, "min_ratio": min_ratio, "passes_four_fifths": bool(min_ratio >= 0.8)}

"""Pricing evidence and fairness under the shipped policy, on out-of-fold PDs.

Two policies side by side on the same PDs (each applicant's PD from a model that never saw them):

(a) fixed cutoff: the policy before issue 14. Approve PD < the cost-matrix cutoff; price by the
    hand-set grade table (PD edges 0.05 / 0.10 / 0.20 / 0.35 onto the product's five steps).
(b) risk-based pricing (shipped): approve when the pricing model's APR* fits under the top rate
    step; price at the step it rounds up to (`chalicelib.pricing_model`).

Returns are a year on the drawn balance after the cost of funds, servicing and losses: expected
from the PDs, realised from the observed outcomes (a bad loses LGD x EAD of the draw). Money
figures are per 100 applicants who each draw `amount_fen` over the pricing model's typical term.
Training-side analysis: floats are fine here; the product prices with the Decimal model itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from chalicelib import pricing_model as PM
from creditmodel import metrics as M

TODAY_GRADE_EDGES = (0.05, 0.10, 0.20, 0.35)
"""The hand-set grade table the pricing model replaced, kept to price policy (a)."""


@dataclass(frozen=True)
class Policy:
    name: str
    approved: np.ndarray
    apr: np.ndarray
    """APR offered to each applicant (NaN where declined)."""
    review: np.ndarray
    """Sent to an analyst (counted apart: the evidence cannot know what the analyst learns)."""


def _f(d: Decimal) -> float:
    return float(d)


def fixed_cutoff_policy(pd_: np.ndarray, cutoff: float, margin: float = 0.02) -> Policy:
    steps = np.array([_f(apr) for _, apr in PM.RATE_STEPS])
    apr = steps[np.searchsorted(np.asarray(TODAY_GRADE_EDGES), pd_, side="right")]
    approved = pd_ < cutoff
    review = (pd_ > cutoff - margin) & (pd_ <= cutoff + margin)
    return Policy("fixed cutoff", approved, np.where(approved, apr, np.nan), review)


def offered_apr(pd_: np.ndarray, e: PM.Economics) -> np.ndarray:
    """The step each applicant's APR* rounds up to, capped at the top step (what an analyst's
    approval above the break-even is offered)."""
    return np.array([_f(PM.capped_quote(float(p), e)[1]) for p in pd_])


def risk_based_policy(pd_: np.ndarray, e: PM.Economics, amount_fen: int) -> Policy:
    approved = np.array([PM.quote(float(p), e).within_cap for p in pd_])
    review = np.array([PM.worth_review(float(p), amount_fen, e) for p in pd_])
    apr = offered_apr(pd_, e)
    return Policy("risk-based pricing", approved, np.where(approved, apr, np.nan), review)


def outcomes(
    y: np.ndarray, pd_: np.ndarray, pol: Policy, e: PM.Economics, amount_fen: int
) -> dict[str, Any]:
    a = pol.approved
    b = _f(e.balance_years)
    loss_per_bad = _f(e.lgd * e.ead) / b  # a year on the balance, per unit of PD
    costs = _f(e.cost_of_funds + e.servicing)
    out: dict[str, Any] = {
        "approval_rate": float(a.mean()),
        "review_rate": float(pol.review.mean()),
    }
    if not a.any():
        return out | {k: None for k in ("bad_rate", "expected_loss", "mean_apr")}
    mean_apr = float(np.mean(pol.apr[a]))
    el, rl = float(pd_[a].mean()) * loss_per_bad, float(y[a].mean()) * loss_per_bad
    realised = mean_apr - costs - rl
    yuan = amount_fen / 100
    return out | {
        "bad_rate": float(y[a].mean()),
        "expected_bad_rate": float(pd_[a].mean()),
        "expected_loss": el,
        "realised_loss": rl,
        "mean_apr": mean_apr,
        "expected_return": mean_apr - costs - el,
        "realised_return": realised,
        "realised_profit_per_100_applicants_yuan": 100 * float(a.mean()) * realised * b * yuan,
        "grades": _grade_shares(pol.apr[a]),
    }


def _grade_shares(aprs: np.ndarray) -> dict[str, float]:
    return {g: float(np.isclose(aprs, _f(apr)).mean()) for g, apr in PM.RATE_STEPS}


def frontier(
    y: np.ndarray, pd_: np.ndarray, e: PM.Economics, points: int = 40
) -> list[dict[str, float]]:
    """Approve the lowest PDs first, growing the approval rate: expected loss and return under
    risk-based prices (capped at the top step) and under the old grade table, at each rate."""
    order = np.argsort(pd_, kind="stable")
    p = pd_[order]
    risk = offered_apr(p, e)
    steps = np.array([_f(apr) for _, apr in PM.RATE_STEPS])
    table = steps[np.searchsorted(np.asarray(TODAY_GRADE_EDGES), p, side="right")]
    n = len(p)
    k = np.arange(1, n + 1)
    b = _f(e.balance_years)
    loss = _f(e.lgd * e.ead) / b
    costs = _f(e.cost_of_funds + e.servicing)
    el = np.cumsum(p) / k * loss
    rl = np.cumsum(y[order]) / k * loss
    out = []
    for i in np.unique(np.linspace(1, n, points).round().astype(int)) - 1:
        out.append(
            {
                "approval_rate": float(k[i] / n),
                "expected_loss": float(el[i]),
                "realised_loss": float(rl[i]),
                "expected_return_risk_based": float(np.cumsum(risk)[i] / k[i] - costs - el[i]),
                "expected_return_fixed_table": float(np.cumsum(table)[i] / k[i] - costs - el[i]),
            }
        )
    return out


# --- fairness ----------------------------------------------------------------------------------


def approval_by_group(
    approved: np.ndarray, groups: dict[str, np.ndarray], min_ratio: float
) -> dict[str, Any]:
    out = {}
    for attr, g in groups.items():
        r = M.approval_ratios(g, approved)
        r["passes_target"] = bool(r["min_ratio"] >= min_ratio)
        out[attr] = r
    return out


def calibration_by_group(
    y: np.ndarray, pd_: np.ndarray, groups: dict[str, np.ndarray]
) -> dict[str, dict[str, dict[str, float]]]:
    """Mean PD against the observed bad rate per group: a model that under-states a group's
    risk prices that group below its cost, and someone else pays for it."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for attr, g in groups.items():
        out[attr] = {
            str(v): {
                "n": int((g == v).sum()),
                "mean_pd": float(pd_[g == v].mean()),
                "bad_rate": float(y[g == v].mean()),
            }
            for v in sorted(set(g.tolist()))
        }
    return out


def cost_of_target(
    y: np.ndarray,
    pd_: np.ndarray,
    pol: Policy,
    groups: dict[str, np.ndarray],
    min_ratio: float,
    e: PM.Economics,
    amount_fen: int,
) -> dict[str, Any]:
    """What reaching `min_ratio` would cost where the policy falls short of it.

    For each group under the target, approve its declined applicants with the lowest PDs, at the
    top step, until the group's approval rate is `min_ratio` of the best group's: the cheapest
    way there short of lowering everyone's standard. Reports how many, their PD and return, and
    the portfolio before and after. This is a measurement, not a policy we run: it approves on
    the protected attribute itself.
    """
    top = _f(e.top_step[1])
    base = outcomes(y, pd_, pol, e, amount_fen)
    out: dict[str, Any] = {}
    for attr, g in groups.items():
        r = M.approval_ratios(g, pol.approved)
        if r["min_ratio"] >= min_ratio:
            continue
        best = max(v["approval_rate"] for v in r["groups"].values())
        approved, apr = pol.approved.copy(), pol.apr.copy()
        extra_idx: list[int] = []
        for name, v in r["groups"].items():
            need = int(np.ceil(min_ratio * best * v["n"] - 1e-9)) - round(
                v["approval_rate"] * v["n"]
            )
            if need <= 0:
                continue
            cand = np.flatnonzero((g == name) & ~approved)
            pick = cand[np.argsort(pd_[cand], kind="stable")][:need]
            approved[pick], apr[pick] = True, top
            extra_idx.extend(pick.tolist())
        extra = np.asarray(extra_idx, dtype=int)
        after = outcomes(y, pd_, Policy("target", approved, apr, pol.review), e, amount_fen)
        loss = _f(e.lgd * e.ead / e.balance_years)
        costs = _f(e.cost_of_funds + e.servicing)
        out[attr] = {
            "extra_approvals": len(extra),
            "extra_share_of_applicants": len(extra) / len(y),
            "extra_mean_pd": float(pd_[extra].mean()) if len(extra) else None,
            "extra_bad_rate": float(y[extra].mean()) if len(extra) else None,
            "extra_expected_return": float(top - costs - pd_[extra].mean() * loss)
            if len(extra)
            else None,
            "before": _brief(base),
            "after": _brief(after),
        }
    return out


def _brief(o: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "approval_rate",
        "bad_rate",
        "expected_return",
        "realised_return",
        "realised_profit_per_100_applicants_yuan",
    )
    return {k: o.get(k) for k in keys}


def economics_dict(e: PM.Economics) -> dict[str, Any]:
    return {
        "cost_of_funds": str(e.cost_of_funds),
        "servicing": str(e.servicing),
        "target_return": str(e.target_return),
        "lgd": str(e.lgd),
        "ead": str(e.ead),
        "draw_months": e.draw_months,
        "balance_years": str(e.balance_years.quantize(Decimal("1e-4"))),
        "typical_draw_income_months": str(e.typical_draw_income_months),
        "review_cost_fen": e.review_cost_fen,
        "review_odds_factor": str(e.review_odds_factor),
        "break_even_pd": float(e.break_even_pd),
        "rate_steps": {g: str(apr) for g, apr in e.rate_steps},
    }


def tier_rows(e: PM.Economics, y: np.ndarray, pd_: np.ndarray) -> dict[str, Any]:
    """The tier table the pricing model makes, with each band's share and bad rate here."""
    rows = {}
    for t in PM.tier_table(e):
        lo, hi = float(t.pd_from), float(t.pd_to)
        m = (pd_ > lo) & (pd_ <= hi) if t.grade != "A" else pd_ <= hi
        rows[t.grade] = {
            "pd_from": lo,
            "pd_to": hi,
            "apr": str(t.apr),
            "daily_rate": str(t.daily_rate),
            "share": float(m.mean()),
            "observed_bad_rate": float(y[m].mean()) if m.any() else None,
        }
    above = pd_ > float(e.break_even_pd)
    return {
        "bands": rows,
        "above_cap": {"pd_from": float(e.break_even_pd), "share": float(above.mean())},
        "basis": "out-of-fold PD; grade = the step APR*(PD) rounds up to",
    }

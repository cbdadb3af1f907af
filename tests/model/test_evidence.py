"""Pricing evidence and fairness measures on small hand-made books, where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib import pricing_model as PM
from creditmodel import evidence as EV

E = PM.DEFAULT_ECONOMICS
AMOUNT = 500_000
B = float(E.balance_years)
LOSS = float(E.lgd * E.ead) / B  # a year on the balance per unit of PD
COSTS = float(E.cost_of_funds + E.servicing)


def test_the_fixed_cutoff_prices_by_the_old_grade_table() -> None:
    pd_ = np.array([0.01, 0.07, 0.12, 0.25, 0.5])
    pol = EV.fixed_cutoff_policy(pd_, cutoff=0.15)
    assert pol.approved.tolist() == [True, True, True, False, False]
    assert pol.apr[:3].tolist() == [0.072, 0.108, 0.144]
    assert np.isnan(pol.apr[3:]).all()
    assert pol.review.tolist() == [False, False, False, False, False]
    assert EV.fixed_cutoff_policy(np.array([0.14, 0.16]), 0.15).review.all()


def test_risk_based_pricing_approves_under_the_cap_at_the_models_step() -> None:
    pd_ = np.array([0.005, 0.05, 0.15, 0.17, 0.6])
    pol = EV.risk_based_policy(pd_, E, AMOUNT)
    assert pol.approved.tolist() == [True, True, True, False, False]
    assert pol.apr[:3].tolist() == [0.072, 0.144, 0.2376]
    assert pol.review.tolist() == [False, False, True, True, False]  # the ¥5,000 band


def test_outcomes_on_a_known_book() -> None:
    # GIVEN four applicants, two approved at 14.4 %, one of whom goes bad
    y = np.array([1, 0, 1, 0])
    pd_ = np.array([0.1, 0.1, 0.5, 0.5])
    pol = EV.Policy(
        "t",
        np.array([True, True, False, False]),
        np.array([0.144, 0.144, np.nan, np.nan]),
        np.zeros(4, bool),
    )
    o = EV.outcomes(y, pd_, pol, E, AMOUNT)
    # THEN the figures are the pricing model's arithmetic
    assert o["approval_rate"] == 0.5 and o["bad_rate"] == 0.5
    assert o["expected_loss"] == pytest.approx(0.1 * LOSS)
    assert o["realised_loss"] == pytest.approx(0.5 * LOSS)
    assert o["expected_return"] == pytest.approx(0.144 - COSTS - 0.1 * LOSS)
    assert o["realised_return"] == pytest.approx(0.144 - COSTS - 0.5 * LOSS)
    profit = 100 * 0.5 * (0.144 - COSTS - 0.5 * LOSS) * B * 5_000
    assert o["realised_profit_per_100_applicants_yuan"] == pytest.approx(profit)
    assert o["grades"] == {"A": 0.0, "B": 0.0, "C": 1.0, "D": 0.0, "E": 0.0}


def test_nobody_approved_reports_no_rates() -> None:
    pol = EV.risk_based_policy(np.array([0.9, 0.8]), E, AMOUNT)
    o = EV.outcomes(np.array([1, 1]), np.array([0.9, 0.8]), pol, E, AMOUNT)
    assert o["approval_rate"] == 0 and o["bad_rate"] is None


def test_the_frontier_approves_the_lowest_pds_first() -> None:
    rng = np.random.default_rng(1)
    pd_ = rng.uniform(0, 0.6, 500)
    y = (rng.uniform(size=500) < pd_).astype(int)
    front = EV.frontier(y, pd_, E, points=20)
    rates = [p["approval_rate"] for p in front]
    assert rates == sorted(rates) and rates[-1] == 1.0
    losses = [p["expected_loss"] for p in front]
    assert losses == sorted(losses)
    assert losses[-1] == pytest.approx(pd_.mean() * LOSS)
    # risk-based prices earn more than the old table wherever it charges less than the risk needs
    assert front[-1]["expected_return_risk_based"] > front[-1]["expected_return_fixed_table"]


def test_the_cost_of_the_target_is_the_fewest_extra_approvals_that_reach_it() -> None:
    # GIVEN group b approved at 2 of 10 against group a's 8 of 10 (ratio 0.25)
    pd_ = np.r_[np.full(8, 0.05), np.full(2, 0.5), np.full(2, 0.05), np.linspace(0.2, 0.4, 8)]
    y = np.r_[np.zeros(10), np.zeros(2), np.ones(8)].astype(int)
    groups = {"g": np.array(["a"] * 10 + ["b"] * 10)}
    pol = EV.risk_based_policy(pd_, E, AMOUNT)
    fair = EV.approval_by_group(pol.approved, groups, 0.8)
    assert fair["g"]["min_ratio"] == pytest.approx(0.25) and not fair["g"]["passes_target"]
    cost = EV.cost_of_target(y, pd_, pol, groups, 0.8, E, AMOUNT)["g"]
    # THEN b needs 0.8 x 0.8 x 10 = 6.4 -> 7 approved: 5 more, the lowest PDs of b's declined
    assert cost["extra_approvals"] == 5
    assert cost["extra_mean_pd"] == pytest.approx(np.linspace(0.2, 0.4, 8)[:5].mean())
    assert cost["extra_bad_rate"] == 1.0
    assert cost["after"]["approval_rate"] == pytest.approx(15 / 20)
    assert cost["after"]["realised_return"] < cost["before"]["realised_return"]


def test_no_cost_is_reported_where_the_target_is_met() -> None:
    pd_ = np.full(20, 0.05)
    groups = {"g": np.array(["a", "b"] * 10)}
    pol = EV.risk_based_policy(pd_, E, AMOUNT)
    assert EV.cost_of_target(np.zeros(20, int), pd_, pol, groups, 0.8, E, AMOUNT) == {}


def test_calibration_by_group_compares_mean_pd_with_what_happened() -> None:
    cal = EV.calibration_by_group(
        np.array([1, 0, 0, 0]), np.array([0.5, 0.5, 0.1, 0.3]), {"g": np.array(list("aabb"))}
    )
    assert cal["g"]["a"] == {"n": 2, "mean_pd": 0.5, "bad_rate": 0.5}
    assert cal["g"]["b"] == {"n": 2, "mean_pd": pytest.approx(0.2), "bad_rate": 0.0}

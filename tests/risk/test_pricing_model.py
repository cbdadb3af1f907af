"""The pricing model's properties: the price rises with risk and never passes the cap, the tiers
are its output, the line shrinks with risk and grows with income, review sits where it pays."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.pricing_model import (
    APR_CAP,
    DEFAULT_ECONOMICS,
    RATE_STEPS,
    Economics,
    daily_rate,
    expected_return,
    grade_pd_edges,
    quote,
    required_apr,
    review_band,
    review_value_fen,
    risk_line_fen,
    tier_table,
    worth_review,
)

E = DEFAULT_ECONOMICS
pds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
YUAN = 100


def test_the_assumptions_give_the_documented_figures() -> None:
    # docs/risk.md quotes these; a change of assumption must change the docs too
    assert E.balance_years == Decimal(13) / 24
    assert E.base_apr == Decimal("0.062")
    assert round(E.break_even_pd, 4) == Decimal("0.1599")
    assert grade_pd_edges() == [0.009103, 0.041876, 0.074649, 0.109698]


@settings(max_examples=300, deadline=None)
@given(a=pds, b=pds)
def test_the_price_never_falls_as_risk_rises(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert required_apr(lo) <= required_apr(hi)
    q_lo, q_hi = quote(lo), quote(hi)
    if q_hi.within_cap:
        assert q_lo.within_cap and q_lo.apr is not None and q_hi.apr is not None
        assert q_lo.apr <= q_hi.apr


@settings(max_examples=300, deadline=None)
@given(pd=pds)
def test_a_quote_is_the_lowest_step_that_earns_the_target_and_never_above_the_cap(
    pd: float,
) -> None:
    q = quote(pd)
    steps = [apr for _, apr in RATE_STEPS]
    if q.within_cap:
        assert q.apr is not None and q.required_apr <= q.apr <= APR_CAP
        assert daily_rate(q.apr) * 360 <= APR_CAP
        assert q.apr == min(s for s in steps if s >= q.required_apr)
        assert expected_return(q.apr, pd) >= E.target_return
    else:
        assert q.required_apr > steps[-1]
        assert Decimal(str(pd)) > E.break_even_pd


def test_the_tier_table_is_the_models_output_and_covers_zero_to_break_even() -> None:
    tiers = tier_table()
    assert [t.grade for t in tiers] == ["A", "B", "C", "D", "E"]
    assert tiers[0].pd_from == 0 and tiers[-1].pd_to == E.break_even_pd
    for below, above in itertools.pairwise(tiers):
        assert below.pd_to == above.pd_from and below.pd_to < above.pd_to
    for t in tiers:
        assert t.daily_rate * 360 <= APR_CAP
        inside = (t.pd_from + t.pd_to) / 2
        assert quote(inside).grade == t.grade
        assert quote(t.pd_to).grade == t.grade  # the upper edge belongs to the grade
    assert quote(tiers[-1].pd_to + Decimal("1e-9")).grade is None


def test_cheaper_money_moves_the_bands_up() -> None:
    cheaper = replace(E, cost_of_funds=Decimal("0.02"))
    assert all(c.pd_to > d.pd_to for c, d in zip(tier_table(cheaper), tier_table(E), strict=True))


def test_a_step_the_base_price_already_exceeds_has_an_empty_band() -> None:
    dear = replace(E, cost_of_funds=Decimal("0.06"))  # base 8.7 %: nobody is priced at 7.2 %
    a = tier_table(dear)[0]
    assert a.pd_from == a.pd_to == 0
    assert quote(0.0, dear).grade == "B"


@pytest.mark.parametrize(
    "change",
    [
        {"rate_steps": (("A", Decimal("0.10")), ("B", Decimal("0.0720")))},
        {"rate_steps": (("A", Decimal("0.0720")), ("Z", Decimal("0.2401")))},
        {"lgd": Decimal("0")},
        {"draw_months": 0},
    ],
)
def test_nonsense_economics_are_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        replace(E, **change)


@pytest.mark.parametrize("pd", [-0.1, 1.01, float("nan"), float("inf")])
def test_impossible_pds_are_refused(pd: float) -> None:
    with pytest.raises(ValueError):
        quote(pd)


# --- the line ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(a=pds, b=pds, income=st.integers(min_value=0, max_value=10**10))
def test_the_risk_line_shrinks_as_risk_rises(a: float, b: float, income: int) -> None:
    lo, hi = sorted((a, b))
    line_lo, line_hi = risk_line_fen(lo, income), risk_line_fen(hi, income)
    assert line_hi is not None or hi == 0
    assert line_lo is None or line_hi is None or line_lo >= line_hi


@settings(max_examples=300, deadline=None)
@given(
    pd=st.floats(min_value=1e-6, max_value=1.0),
    a=st.integers(min_value=0, max_value=10**10),
    b=st.integers(min_value=0, max_value=10**10),
)
def test_the_risk_line_grows_with_income(pd: float, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    line_lo, line_hi = risk_line_fen(pd, lo), risk_line_fen(pd, hi)
    assert line_lo is not None and line_hi is not None and line_lo <= line_hi


def test_the_risk_line_keeps_the_full_use_loss_within_the_margin_of_a_typical_draw() -> None:
    income = 8_000 * YUAN
    for pd in (0.005, 0.05, 0.15):
        line = risk_line_fen(pd, income)
        assert line is not None
        margin = (required_apr(pd) - E.cost_of_funds - E.servicing) * E.balance_years * income
        assert abs(Decimal(str(pd)) * E.lgd * line - margin) < Decimal("1e-6")
    assert risk_line_fen(0.0, income) is None  # no risk, no risk limit


# --- review ------------------------------------------------------------------------------------


def test_review_pays_only_near_the_break_even() -> None:
    amount = 8_000 * YUAN
    assert review_value_fen(0.02, amount) == 0  # clearly fine at any step
    assert review_value_fen(0.60, amount) == 0  # clearly above the cap
    near = review_value_fen(E.break_even_pd, amount)
    assert near > review_value_fen(0.14, amount) > 0
    assert near > review_value_fen(0.18, amount) > 0


def test_the_band_is_one_interval_around_the_break_even_and_widens_with_the_amount() -> None:
    bands = [review_band(yuan * YUAN) for yuan in (1_000, 5_000, 8_000, 50_000, 200_000)]
    assert bands[0] is None  # ¥1,000 at stake never pays for an analyst
    widths = []
    for band in bands[1:]:
        assert band is not None
        lo, hi = band
        assert lo < E.break_even_pd < hi
        widths.append((lo, hi))
    for (lo1, hi1), (lo2, hi2) in itertools.pairwise(widths):
        assert lo2 < lo1 and hi2 > hi1
    lo, hi = widths[1]  # ¥8,000
    assert worth_review(lo, 800_000) and worth_review(hi, 800_000)
    assert not worth_review(lo - Decimal("1e-5"), 800_000)
    assert not worth_review(hi + Decimal("1e-5"), 800_000)


def test_a_dearer_review_narrows_the_band() -> None:
    cheap = review_band(800_000)
    dear = review_band(800_000, replace(E, review_cost_fen=7_000))
    assert cheap is not None and dear is not None
    assert dear[0] > cheap[0] and dear[1] < cheap[1]


def test_economics_are_typed_decimal_not_float() -> None:
    # money and rates are never float (brief): a float field would make every price inexact
    for name, value in vars(Economics()).items():
        assert not isinstance(value, float), name

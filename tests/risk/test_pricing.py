from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import pricing
from chalicelib.pricing import (
    APR_CAP,
    GRADES,
    AprCapExceeded,
    daily_rate_percent,
    price,
    review_line,
)
from chalicelib.pricing_model import DEFAULT_ECONOMICS, tier_table

from .factories import NOW, bureau

YUAN = 100
INCOME = 8_000 * YUAN


@pytest.mark.parametrize(
    "pd,grade,apr,daily_shown",
    [
        (0.0045, "A", "0.0720", "0.0200"),
        (0.0255, "B", "0.1080", "0.0300"),
        (0.0583, "C", "0.1440", "0.0400"),
        (0.0922, "D", "0.1825", "0.0507"),
        (0.1348, "E", "0.2376", "0.0660"),
    ],
)
def test_each_grade_prices_within_the_legal_band(
    pd: float, grade: str, apr: str, daily_shown: str
) -> None:
    offer = price(pd, INCOME, bureau(), 3_000 * YUAN, now=NOW)
    assert (offer.grade, offer.apr) == (grade, Decimal(apr))
    assert Decimal("0.072") <= offer.apr <= APR_CAP
    assert daily_rate_percent(offer.daily_rate) == daily_shown
    assert offer.daily_rate * 360 <= APR_CAP


def test_the_rate_table_is_the_pricing_models_steps() -> None:
    aprs = [pricing.RATE_TABLE[g].apr for g in GRADES]
    assert aprs == sorted(aprs)
    assert aprs == [t.apr for t in tier_table()]


def test_an_applicant_an_analyst_approved_above_the_break_even_gets_the_top_step() -> None:
    offer = price(0.35, INCOME, bureau(), 3_000 * YUAN, now=NOW)
    assert (offer.grade, offer.apr) == ("E", Decimal("0.2376"))


@pytest.mark.parametrize(
    "pd,income_yuan,debt_yuan,thin,expected_limit_yuan,codes",
    [
        (0.05, 8_000, 0, False, 6_800, ()),  # risk line 6,823.53 rounds DOWN to ¥100
        (0.13, 8_000, 0, False, 6_000, ()),  # riskier: shorter
        (0.03, 8_000, 0, False, 7_600, ()),  # safer: longer
        (0.03, 8_123, 0, False, 7_700, ()),  # richer: longer (7,756.67)
        (0.001, 8_000, 0, False, 48_000, ("LINE_AFFORDABILITY",)),  # 66,776 > 50 % DTI room
        (0.0, 8_000, 0, False, 48_000, ("LINE_AFFORDABILITY",)),  # no risk limit at PD 0
        (0.05, 8_000, 0, True, 3_400, ("LINE_THIN_FILE",)),  # halved
        (0.05, 1_000_000, 0, False, 200_000, ()),  # clamped to the ceiling
        (0.05, 30, 0, False, 50, ()),  # raised to the floor: affordability allows ¥180
        (0.05, 8_000, 42_000, False, 6_000, ("LINE_AFFORDABILITY",)),  # 4000 - 3500/month room
        (0.05, 8_000, 48_000, False, 0, ("LINE_AFFORDABILITY", "LINE_UNAFFORDABLE")),
    ],
)
def test_line_rules(
    pd: float,
    income_yuan: int,
    debt_yuan: int,
    thin: bool,
    expected_limit_yuan: int,
    codes: tuple,
) -> None:
    b = bureau(outstanding_debt_fen=debt_yuan * YUAN, thin_file=thin)
    offer = price(pd, income_yuan * YUAN, b, 5_000 * YUAN, now=NOW)
    assert offer.limit_fen == expected_limit_yuan * YUAN
    assert tuple(r.code for r in offer.reasons) == codes
    assert offer.first_draw_fen == min(5_000 * YUAN, offer.limit_fen)


def test_offer_expires_in_30_days_and_serialises_without_floats() -> None:
    offer = price(0.0922, INCOME, bureau(), 1_000 * YUAN, now=NOW)
    assert offer.expires_at == NOW + timedelta(days=30)
    d = offer.as_dict()
    assert d["apr"] == "0.1825" and d["aprPercent"] == "18.25" and d["dailyRatePercent"] == "0.0507"
    assert not any(isinstance(v, float) for v in d.values())


@pytest.mark.parametrize(
    "apr,daily", [(Decimal("0.25"), Decimal("0.0006")), (Decimal("0.24"), Decimal("0.00067"))]
)
def test_guard_checks_apr_and_the_apr_implied_by_the_daily_rate(
    apr: Decimal, daily: Decimal
) -> None:
    with pytest.raises(AprCapExceeded):
        pricing.guard_apr(apr, daily)


def test_the_guard_stands_behind_the_pricing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    # Economics refuses a step above the cap; if one got through anyway, no offer is made.
    monkeypatch.setattr(pricing, "capped_quote", lambda pd, e: ("E", Decimal("0.2401")))
    with pytest.raises(AprCapExceeded):
        price(0.1, INCOME, bureau(), 0, now=NOW)


@pytest.mark.parametrize("pd", [-0.01, 1.5, float("nan")])
def test_impossible_pd_and_naive_time_are_refused(pd: float) -> None:
    with pytest.raises(ValueError):
        price(pd, INCOME, bureau(), 0, now=NOW)
    with pytest.raises(ValueError):
        price(0.01, INCOME, bureau(), 0, now=NOW.replace(tzinfo=None))


offers = dict(
    pd=st.floats(min_value=0.0, max_value=1.0),
    income=st.integers(min_value=0, max_value=10**12),
    debt=st.integers(min_value=0, max_value=10**12),
    thin=st.booleans(),
    requested=st.integers(min_value=0, max_value=10**12),
)


@settings(max_examples=300, deadline=None)
@given(**offers)
def test_no_input_prices_above_24_percent(
    pd: float, income: int, debt: int, thin: bool, requested: int
) -> None:
    offer = price(pd, income, bureau(outstanding_debt_fen=debt, thin_file=thin), requested, now=NOW)
    assert offer.apr <= APR_CAP
    assert offer.daily_rate * 360 <= APR_CAP
    assert offer.limit_fen == 0 or 5_000 <= offer.limit_fen <= 20_000_000
    assert offer.limit_fen % 10_000 == 0 or offer.limit_fen == 5_000
    assert 0 <= offer.first_draw_fen <= offer.limit_fen


@settings(max_examples=300, deadline=None)
@given(**offers, other=st.floats(min_value=0.0, max_value=1.0))
def test_the_line_never_grows_with_risk_or_shrinks_with_income(
    pd: float, income: int, debt: int, thin: bool, requested: int, other: float
) -> None:
    report = bureau(outstanding_debt_fen=debt, thin_file=thin)

    def line(p: float, inc: int) -> int:
        return price(p, inc, report, requested, now=NOW).limit_fen

    safer, riskier = sorted((pd, other))
    assert line(safer, income) >= line(riskier, income)
    assert line(pd, income + 100_000) >= line(pd, income)


def test_economics_are_replaceable() -> None:
    cheaper = replace(DEFAULT_ECONOMICS, cost_of_funds=Decimal("0.02"))
    # PD 0.12 needs 19.4 % at our cost of funds (grade E), 17.9 % if money were cheaper (D)
    assert price(0.12, INCOME, bureau(), 0, now=NOW).grade == "E"
    assert price(0.12, INCOME, bureau(), 0, now=NOW, economics=cheaper).grade == "D"


@pytest.mark.parametrize(
    "limit_yuan,grade,months,dpd,used,expected_yuan",
    [
        (10_000, "A", 7, 0, 0.6, 12_000),  # used and on time: +20 %
        (10_000, "B", 7, 0, 0.6, 11_500),
        (10_000, "C", 7, 0, 0.6, 11_000),
        (10_000, "D", 7, 0, 0.6, 10_000),  # no step-up for D/E
        (10_000, "A", 3, 0, 0.9, 10_000),  # too new
        (10_000, "A", 13, 0, 0.05, 9_000),  # dormant: -10 %
        (10_000, "A", 13, 5, 0.9, 8_000),  # late: -20 %
        (10_000, "A", 13, 45, 0.9, 5_000),  # seriously late: halved
        (10_000, "A", 13, 60, 0.9, 0),  # frozen
        (190_000, "A", 13, 0, 0.9, 200_000),  # capped
        (50, "E", 13, 5, 0.9, 50),  # floor
        (0, "A", 13, 0, 0.9, 0),  # frozen stays frozen
        (10_050, "B", 7, 0, 0.6, 11_500),  # 11,557.5 rounds down
    ],
)
def test_review_line(
    limit_yuan: int, grade: str, months: int, dpd: int, used: float, expected_yuan: int
) -> None:
    assert review_line(limit_yuan * YUAN, grade, months, dpd, used) == expected_yuan * YUAN


@pytest.mark.parametrize("used", [-0.1, 1.1])
def test_review_refuses_impossible_utilisation(used: float) -> None:
    with pytest.raises(ValueError):
        review_line(10_000, "A", 7, 0, used)


def test_policy_is_replaceable() -> None:
    policy = replace(pricing.DEFAULT_LINE_POLICY, offer_valid_days=7)
    assert price(0.01, INCOME, bureau(), 0, now=NOW, policy=policy).expires_at == NOW + timedelta(
        days=7
    )

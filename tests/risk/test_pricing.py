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
    GradeTerms,
    daily_rate_percent,
    price,
    review_line,
)

from .factories import NOW, bureau

YUAN = 100
INCOME = 8_000 * YUAN


@pytest.mark.parametrize(
    "grade,apr,daily_shown",
    [
        ("A", "0.0720", "0.0200"),
        ("B", "0.1080", "0.0300"),
        ("C", "0.1440", "0.0400"),
        ("D", "0.1825", "0.0507"),
        ("E", "0.2376", "0.0660"),
    ],
)
def test_each_grade_prices_within_the_legal_band(grade: str, apr: str, daily_shown: str) -> None:
    offer = price(grade, 600, INCOME, bureau(), 3_000 * YUAN, now=NOW)
    assert offer.apr == Decimal(apr)
    assert Decimal("0.072") <= offer.apr <= APR_CAP
    assert daily_rate_percent(offer.daily_rate) == daily_shown
    assert offer.daily_rate * 360 <= APR_CAP


def test_better_grades_never_pay_more() -> None:
    aprs = [pricing.RATE_TABLE[g].apr for g in GRADES]
    assert aprs == sorted(aprs)


@pytest.mark.parametrize(
    "grade,income_yuan,debt_yuan,thin,expected_limit_yuan,codes",
    [
        ("A", 8_000, 0, False, 24_000, ()),  # 3 x income
        ("C", 8_000, 0, False, 16_000, ()),  # 2 x income
        ("E", 8_000, 0, False, 8_000, ()),  # 1 x income
        ("A", 8_000, 0, True, 12_000, ("LINE_THIN_FILE",)),  # halved
        ("A", 1_000_000, 0, False, 200_000, ()),  # clamped to the ceiling
        ("E", 30, 0, False, 50, ()),  # raised to the floor: affordability allows ¥180
        ("A", 8_123, 0, False, 24_300, ()),  # 24,369 rounds DOWN to ¥100
        ("A", 8_000, 36_000, False, 12_000, ("LINE_AFFORDABILITY",)),  # 4000 - 3000/month room
        ("A", 8_000, 48_000, False, 0, ("LINE_AFFORDABILITY", "LINE_UNAFFORDABLE")),
    ],
)
def test_line_rules(
    grade: str, income_yuan: int, debt_yuan: int, thin: bool, expected_limit_yuan: int, codes: tuple
) -> None:
    b = bureau(outstanding_debt_fen=debt_yuan * YUAN, thin_file=thin)
    offer = price(grade, 600, income_yuan * YUAN, b, 5_000 * YUAN, now=NOW)
    assert offer.limit_fen == expected_limit_yuan * YUAN
    assert tuple(r.code for r in offer.reasons) == codes
    assert offer.first_draw_fen == min(5_000 * YUAN, offer.limit_fen)


def test_offer_expires_in_30_days_and_serialises_without_floats() -> None:
    offer = price("D", 600, INCOME, bureau(), 1_000 * YUAN, now=NOW)
    assert offer.expires_at == NOW + timedelta(days=30)
    d = offer.as_dict()
    assert d["apr"] == "0.1825" and d["aprPercent"] == "18.25" and d["dailyRatePercent"] == "0.0507"
    assert not any(isinstance(v, float) for v in d.values())


def test_the_guard_refuses_a_table_above_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = dict(pricing.RATE_TABLE, E=GradeTerms(Decimal("0.2401"), Decimal(1), Decimal(0)))
    monkeypatch.setattr(pricing, "RATE_TABLE", bad)
    with pytest.raises(AprCapExceeded):
        price("E", 600, INCOME, bureau(), 0, now=NOW)


@pytest.mark.parametrize(
    "apr,daily", [(Decimal("0.25"), Decimal("0.0006")), (Decimal("0.24"), Decimal("0.00067"))]
)
def test_guard_checks_apr_and_the_apr_implied_by_the_daily_rate(
    apr: Decimal, daily: Decimal
) -> None:
    with pytest.raises(AprCapExceeded):
        pricing.guard_apr(apr, daily)


def test_unknown_grade_and_naive_time_are_refused() -> None:
    with pytest.raises(ValueError):
        price("F", 600, INCOME, bureau(), 0, now=NOW)
    with pytest.raises(ValueError):
        price("A", 600, INCOME, bureau(), 0, now=NOW.replace(tzinfo=None))


@settings(max_examples=300, deadline=None)
@given(
    grade=st.sampled_from(GRADES),
    score=st.integers(min_value=-10_000, max_value=10_000),
    income=st.integers(min_value=0, max_value=10**12),
    debt=st.integers(min_value=0, max_value=10**12),
    thin=st.booleans(),
    requested=st.integers(min_value=0, max_value=10**12),
)
def test_no_input_prices_above_24_percent(
    grade: str, score: int, income: int, debt: int, thin: bool, requested: int
) -> None:
    offer = price(
        grade, score, income, bureau(outstanding_debt_fen=debt, thin_file=thin), requested, now=NOW
    )
    assert offer.apr <= APR_CAP
    assert offer.daily_rate * 360 <= APR_CAP
    assert offer.limit_fen == 0 or 5_000 <= offer.limit_fen <= 20_000_000
    assert offer.limit_fen % 10_000 == 0 or offer.limit_fen == 5_000
    assert 0 <= offer.first_draw_fen <= offer.limit_fen


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
    assert price(
        "A", 600, INCOME, bureau(), 0, now=NOW, policy=policy
    ).expires_at == NOW + timedelta(days=7)

"""Schedule engine: exact against the Decimal reference and numpy-financial, and its invariants."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.money.schedule import (
    ACTUAL_360,
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    HALF_EVEN,
    HALF_UP,
    THIRTY_360,
    add_months,
    build_schedule,
    div_round,
)
from lending_cli.schedule import schedule_main
from tests.money.reference import reference_schedule

amounts = st.integers(min_value=5_000, max_value=20_000_000)  # ¥50 .. ¥200,000 in fen
aprs = st.integers(min_value=0, max_value=2400).map(lambda bp: Decimal(bp).scaleb(-4))
fine_aprs = st.decimals(min_value=0, max_value=Decimal("0.24"), places=6)
terms = st.integers(min_value=1, max_value=36)
month_ends = st.sampled_from(
    [date(2024, 1, 31), date(2024, 2, 29), date(2023, 2, 28), date(2024, 3, 31), date(2024, 12, 31)]
)
starts = st.one_of(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), month_ends)
methods = st.sampled_from([EQUAL_INSTALLMENT, EQUAL_PRINCIPAL])
day_counts = st.sampled_from([THIRTY_360, ACTUAL_360])
roundings = st.sampled_from([HALF_UP, HALF_EVEN])


@settings(max_examples=400, deadline=None)
@given(amounts, st.one_of(aprs, fine_aprs), terms, starts, methods, day_counts, roundings)
def test_engine_matches_decimal_reference(p, apr, n, start, method, dc, rounding) -> None:
    s = build_schedule(p, apr, n, start, method, dc, rounding)
    ref = reference_schedule(p, apr, n, start, method, dc, rounding)
    got = list(zip(s.due_dates, s.principal, s.interest, s.total, s.balance, strict=False))
    assert got == ref


@settings(max_examples=400, deadline=None)
@given(amounts, aprs, terms, starts, methods, day_counts, roundings)
def test_schedule_invariants(p, apr, n, start, method, dc, rounding) -> None:
    s = build_schedule(p, apr, n, start, method, dc, rounding)
    assert sum(s.principal) == p
    assert s.balance[-1] == 0
    assert all(b >= 0 for b in s.balance)
    assert all(x > 0 for x in s.principal)
    assert all(i >= 0 for i in s.interest)
    assert all(t == pr + i for t, pr, i in zip(s.total, s.principal, s.interest, strict=False))
    assert s.total_repayable == p + s.total_interest
    assert s.apr <= Decimal("0.24")
    if method == EQUAL_INSTALLMENT:
        # every installment but the last is the same; the last differs by the rounding residue
        assert len(set(s.total[:-1])) <= 1
        assert abs(s.total[-1] - s.total[0]) <= n
    # balance recurrence
    prev = p
    for pr, b in zip(s.principal, s.balance, strict=False):
        assert b == prev - pr
        prev = b


@settings(max_examples=300, deadline=None)
@given(amounts, aprs.filter(lambda a: a > 0), terms, starts)
def test_equal_installment_matches_numpy_financial_pmt_to_the_fen(p, apr, n, start) -> None:
    s = build_schedule(p, apr, n, start)
    expected = float(npf.pmt(float(apr) / 12, n, -p))  # in fen
    assert abs(s.total[0] - expected) <= 0.5 + 1e-6
    if abs(expected - int(expected) - 0.5) > 1e-6:
        assert s.total[0] == int(Decimal(repr(expected)).quantize(Decimal(1), "ROUND_HALF_UP"))
    # else: the true payment is exactly on a half fen (e.g. ¥50 at 3.96% for 1 month = 5016.5
    # fen); float lands either side of it, the exact engine rounds the true tie half-up.


@settings(max_examples=200, deadline=None)
@given(starts, terms)
def test_due_dates_keep_the_draw_day_clamped_to_month_end(start, n) -> None:
    s = build_schedule(100_000, Decimal("0.12"), n, start)
    for i, d in enumerate(s.due_dates, start=1):
        assert (d.year * 12 + d.month) - (start.year * 12 + start.month) == i
        assert d.day == start.day or (d.day < start.day and (d + timedelta(days=1)).day == 1)


def test_month_end_clamping_examples() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_textbook_example_10000_at_12_percent_over_6_months() -> None:
    s = build_schedule(1_000_000, Decimal("0.12"), 6, date(2024, 1, 15))
    assert s.total[:5] == (172_548,) * 5  # pmt = 1725.4837 yuan
    assert s.interest[0] == 10_000
    assert s.balance[-1] == 0 and sum(s.principal) == 1_000_000


def test_equal_principal_example() -> None:
    s = build_schedule(1_200_000, Decimal("0.12"), 12, date(2024, 1, 15), EQUAL_PRINCIPAL)
    assert s.principal == (100_000,) * 12
    assert s.interest[0] == 12_000 and s.interest[-1] == 1_000


@pytest.mark.parametrize("bad", [Decimal("0.2401"), Decimal("-0.01"), "0.5", 0.12, "x"])
def test_apr_outside_cap_is_a_domain_error(bad) -> None:
    with pytest.raises(ValueError):
        build_schedule(100_000, bad, 12, date(2024, 1, 15))


@pytest.mark.parametrize("p,n", [(0, 12), (-1, 12), (100_000, 0), (100_000, 37), (1.5, 12)])
def test_bad_terms_are_refused(p, n) -> None:
    with pytest.raises(ValueError):
        build_schedule(p, Decimal("0.12"), n, date(2024, 1, 15))


def test_zero_apr_splits_principal() -> None:
    s = build_schedule(10_001, Decimal(0), 3, date(2024, 1, 15))
    assert s.principal == (3_334, 3_334, 3_333) and s.total_interest == 0


def test_div_round_modes() -> None:
    assert div_round(5, 2, HALF_UP) == 3 and div_round(5, 2, HALF_EVEN) == 2
    assert div_round(7, 2, HALF_EVEN) == 4 and div_round(7, 3) == 2 and div_round(8, 3) == 3


def test_cli_prints_the_schedule_json(capsys) -> None:
    rc = schedule_main(
        ["--principal", "10000", "--apr", "12", "--months", "6", "--start", "2024-01-15"]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["apr"] == "12"
    assert out["installments"][0] == {
        "n": 1,
        "dueDate": "2024-02-15",
        "principal": "1625.48",
        "interest": "100.00",
        "total": "1725.48",
        "balance": "8374.52",
    }
    assert out["totalRepayable"] == "10352.91"
    assert out["installments"][-1]["balance"] == "0.00"


def test_cli_refuses_apr_over_cap(capsys) -> None:
    rc = schedule_main(
        [
            "--principal",
            "10000",
            "--apr",
            "25",
            "--months",
            "6",
            "--start",
            "2024-01-15",
            "--method",
            "equal-principal",
            "--day-count",
            "actual/360",
            "--rounding",
            "half-even",
        ]
    )
    assert rc == 2
    assert "24%" in capsys.readouterr().err


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(amounts, st.one_of(aprs, fine_aprs), starts), min_size=1, max_size=20),
    terms,
    methods,
    day_counts,
    roundings,
)
def test_batch_rows_equal_the_per_loan_engine(loans, n, method, dc, rounding) -> None:
    from tests.money.batch import build_schedules

    b = build_schedules(
        [p for p, _, _ in loans],
        [a for _, a, _ in loans],
        n,
        [s for _, _, s in loans],
        method,
        dc,
        rounding,
    )
    for i, (p, apr, start) in enumerate(loans):
        s = build_schedule(p, apr, n, start, method, dc, rounding)
        assert tuple(b.principal[i].tolist()) == s.principal
        assert tuple(b.interest[i].tolist()) == s.interest
        assert tuple(b.total[i].tolist()) == s.total
        assert tuple(b.balance[i].tolist()) == s.balance

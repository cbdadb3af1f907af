"""Portfolio analytics: book totals, buckets, NPL ratio, roll rates, vintage curves."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.money.accrual import paid_through
from chalicelib.money.day_close import LoanState, close_through
from chalicelib.money.delinquency import ACTIVE, BUCKET_ORDER, CLOSED, OVERDUE, WRITTEN_OFF
from chalicelib.money.portfolio import (
    STATES,
    LoanSnapshot,
    VintageLoan,
    first_day_past_due,
    roll_rates,
    snapshot,
    summarise,
    vintage_curves,
)
from chalicelib.money.servicing import book_payment, position
from tests.money.servicing_harness import AT, START, loans, make_loan


def snap(loan_id, status, dpd, balance, interest=0, penalty=0, drawn=START) -> LoanSnapshot:
    return LoanSnapshot(loan_id, drawn, balance, balance, interest, penalty, status, dpd)


BOOK = [
    snap("a", ACTIVE, 0, 100_000, 300),
    snap("b", OVERDUE, 12, 50_000, 200, 10),
    snap("c", OVERDUE, 95, 40_000, 900, 300),
    snap("d", OVERDUE, 61, 10_000),
    snap("e", CLOSED, 0, 0),
    snap("f", WRITTEN_OFF, 200, 70_000),
]


def test_book_totals_buckets_and_npl_ratio() -> None:
    s = summarise(BOOK)
    assert (s.loans, s.outstanding_principal_fen) == (4, 200_000)
    assert (s.interest_receivable_fen, s.penalty_receivable_fen) == (1_400, 310)
    assert {k: (v.loans, v.balance_fen) for k, v in s.buckets.items()} == {
        "CURRENT": (1, 100_000),
        "M1": (1, 50_000),
        "M2": (0, 0),
        "M3": (1, 10_000),
        "M4+": (1, 40_000),
    }
    assert s.npl_ratio == Decimal("0.2000")
    assert (s.closed, s.written_off, s.written_off_principal_fen) == (1, 1, 70_000)
    assert s.as_dict()["nplRatio"] == "0.2000"
    assert summarise([]).npl_ratio == 0


def test_roll_rates_follow_each_loan_from_one_snapshot_to_the_next() -> None:
    after = [
        snap("a", OVERDUE, 5, 100_000),
        snap("b", ACTIVE, 0, 45_000),
        snap("c", WRITTEN_OFF, 185, 40_000),
        snap("d", OVERDUE, 91, 10_000),
    ]
    r = roll_rates(BOOK, after)
    assert r.rate("CURRENT", "M1") == 1 and r.rate("M1", "CURRENT") == 1
    assert r.rate("M4+", WRITTEN_OFF) == 1 and r.rate("M3", "M4+") == 1
    assert r.counts[("CURRENT", "M1")] == 1 and r.balances[("M1", "CURRENT")] == 50_000
    assert set(r.as_dict()) == set(BUCKET_ORDER) and set(r.as_dict()["M1"]) == set(STATES)
    assert r.rate("M2", "M3") == 0  # nothing was in M2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STATES), st.sampled_from(STATES), st.integers(0, 10**7))))
def test_each_buckets_rolls_account_for_all_of_its_balance(moves) -> None:
    dpd = {"CURRENT": 0, "M1": 10, "M2": 40, "M3": 70, "M4+": 100, CLOSED: 0, WRITTEN_OFF: 190}

    def mk(i, state, fen):
        status = (
            state if state in (CLOSED, WRITTEN_OFF) else (ACTIVE if state == "CURRENT" else OVERDUE)
        )
        return snap(f"l{i}", status, dpd[state], fen)

    before = [mk(i, a, fen) for i, (a, _, fen) in enumerate(moves)]
    after = [mk(i, b, fen) for i, (_, b, fen) in enumerate(moves)]
    r = roll_rates(before, after)
    for b in BUCKET_ORDER:
        total = sum(fen for a, _, fen in moves if a == b)
        assert sum(v for (x, _), v in r.balances.items() if x == b) == total


@settings(max_examples=60, deadline=None)
@given(loans(), st.lists(st.tuples(st.integers(0, 60), st.integers(1, 2_000_000)), max_size=5))
def test_first_day_past_due_is_what_a_day_by_day_scan_finds(loan, pays) -> None:
    day = loan.start
    for i, (gap, amount) in enumerate(pays):
        day += timedelta(days=gap)
        quote = position(loan, day).payoff_fen
        if not quote:
            break
        loan, _ = book_payment(loan, f"r{i}", day, min(amount, quote))
    through = loan.due_dates[-1] + timedelta(days=40)
    scan = next(
        (
            d
            for i in range((through - loan.start).days + 1)
            if position(paid_through(loan, d := loan.start + timedelta(days=i)), d).dpd >= 30
        ),
        None,
    )
    assert first_day_past_due(loan, 30, through) == scan


def test_vintage_curves_are_cumulative_shares_of_each_draw_months_principal() -> None:
    jan, feb = date(2024, 1, 10), date(2024, 2, 3)
    book = [
        VintageLoan("a", jan, 100_000, date(2024, 3, 20)),
        VintageLoan("b", jan, 300_000, None),
        VintageLoan("c", feb, 200_000, date(2024, 3, 5)),
        VintageLoan("d", feb, 200_000, date(2024, 6, 1)),  # after as_of: not yet
        VintageLoan("e", date(2024, 7, 1), 9, None),  # drawn after as_of: no cohort
    ]
    curves = vintage_curves(book, date(2024, 4, 30))
    assert curves == {
        "2024-01": [Decimal(0), Decimal(0), Decimal("0.25"), Decimal("0.25")],
        "2024-02": [Decimal(0), Decimal("0.5"), Decimal("0.5")],
    }


def test_snapshots_come_from_closed_loans() -> None:
    loan = make_loan()
    c = close_through(
        LoanState("loan_1", "user_1", loan), loan.due_dates[0] + timedelta(days=40), AT
    )
    s = snapshot(c.state, c.through)
    assert s.state == "M2" and s.interest_receivable_fen == c.state.book.interest_receivable_fen > 0
    first = first_day_past_due(loan, 30, c.through)
    assert first == loan.due_dates[0] + timedelta(days=30)

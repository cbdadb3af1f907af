"""`servicing.positions` (one replay, many days) and the amount due on a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.errors import Unprocessable
from chalicelib.money.accrual import paid_through
from chalicelib.money.delinquency import ACTIVE, due_fen, standing
from chalicelib.money.servicing import book_payment, position, positions
from tests.money.servicing_harness import START, loans, make_loan


@settings(max_examples=80, deadline=None)
@given(
    loans(),
    st.lists(st.tuples(st.integers(0, 50), st.integers(1, 5_000_000)), max_size=6),
    st.lists(st.integers(0, 500), min_size=1, max_size=12),
)
def test_positions_equal_position_day_by_day_counting_only_payments_made_by_then(
    loan, pays, offsets
) -> None:
    day = loan.start
    for i, (gap, amount) in enumerate(pays):
        day += timedelta(days=gap)
        quote = position(loan, day).payoff_fen
        if not quote:
            break
        loan, _ = book_payment(loan, f"r{i}", day, min(amount, quote))
    days = sorted(loan.start + timedelta(days=o) for o in offsets)
    assert positions(loan, days) == [position(paid_through(loan, d), d) for d in days]


def test_positions_refuse_days_out_of_order_or_before_the_draw() -> None:
    loan = make_loan()
    with pytest.raises(ValueError):
        positions(loan, [START + timedelta(days=2), START + timedelta(days=1)])
    with pytest.raises(Unprocessable):
        positions(loan, [START - timedelta(days=1)])


@settings(max_examples=80, deadline=None)
@given(loans(), st.integers(0, 400))
def test_paying_what_is_due_on_a_day_leaves_nothing_overdue_the_next(loan, offset) -> None:
    # nothing was paid before: the day may be in any bucket
    day = loan.start + timedelta(days=offset)
    pos = position(loan, day)
    due = due_fen(pos)
    assert 0 <= due <= pos.payoff_fen
    assert (due == 0) == (pos.due_principal_fen == pos.due_interest_fen == pos.penalty_fen == 0)
    if due:
        paid, _ = book_payment(loan, "due", day, due)
        after = position(paid, day + timedelta(days=1))
        assert after.dpd == 0 and after.overdue_fen == 0
        assert standing(ACTIVE, position(paid, day)).status in (ACTIVE, "CLOSED")


def test_due_on_a_due_date_is_the_installment_and_nothing_on_other_days() -> None:
    loan = make_loan()
    due = loan.due_dates[0]
    assert due_fen(position(loan, due - timedelta(days=1))) == 0
    pos = position(loan, due)
    assert pos.due_principal_fen == loan.scheduled_principal[0]
    assert pos.due_interest_fen == pos.interest_fen == 31 * 400
    assert due_fen(pos) == loan.scheduled_principal[0] + 31 * 400

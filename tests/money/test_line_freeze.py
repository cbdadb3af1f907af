"""A line with an overdue (or written-off) loan is frozen, and thaws when none is left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.lines.freeze import LINE_ACTIVE, LINE_CLOSED, LINE_FROZEN, LoanStatus, line_effect
from chalicelib.money.day_close import LoanState, close_through, post_collection
from chalicelib.money.delinquency import ACTIVE, CLOSED, OVERDUE, WRITTEN_OFF
from chalicelib.money.servicing import book_payment, position
from tests.money.servicing_harness import AT, make_loan


def test_any_overdue_loan_freezes_the_line_naming_it() -> None:
    e = line_effect(
        LINE_ACTIVE,
        [LoanStatus("a", ACTIVE), LoanStatus("b", OVERDUE, 3), LoanStatus("c", OVERDUE, 40)],
    )
    assert e.status == LINE_FROZEN and e.changed
    assert e.reason_codes == ("LOAN_OVERDUE", "LOAN_OVERDUE")
    assert "Loan c is 40 days past due" in e.reasons[0].text  # the most overdue first
    assert line_effect(LINE_FROZEN, [LoanStatus("w", WRITTEN_OFF, 200)]).reason_codes == (
        "LOAN_WRITTEN_OFF",
    )


def test_it_thaws_when_cured_and_a_closed_line_stays_closed() -> None:
    e = line_effect(LINE_FROZEN, [LoanStatus("a", ACTIVE), LoanStatus("b", CLOSED)])
    assert (e.status, e.changed, e.reasons) == (LINE_ACTIVE, True, ())
    assert line_effect(LINE_ACTIVE, []).changed is False
    closed = line_effect(LINE_CLOSED, [LoanStatus("b", OVERDUE, 9)])
    assert closed.status == LINE_CLOSED and not closed.changed
    with pytest.raises(ValueError):
        line_effect("OPEN", [])


def test_a_borrowers_life_freezes_then_thaws_the_line() -> None:
    loan = make_loan()
    due = loan.due_dates[0]
    c = close_through(LoanState("loan_1", "user_1", loan), due, AT)
    frozen = line_effect(LINE_ACTIVE, [LoanStatus("loan_1", c.state.status, c.last.standing.dpd)])
    assert frozen.status == LINE_FROZEN
    day = due + timedelta(days=4)
    pos = position(c.state.loan, day)
    _, pay = book_payment(
        c.state.loan, "cure", day, pos.penalty_fen + pos.interest_fen + pos.due_principal_fen
    )
    posted = post_collection(c.state, pay, AT)
    thawed = line_effect(
        frozen.status, [LoanStatus("loan_1", posted.standing.status, posted.standing.dpd)]
    )
    assert thawed.status == LINE_ACTIVE and thawed.changed

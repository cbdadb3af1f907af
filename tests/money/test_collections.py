"""Auto-debit: the retry schedule table, the amount rule, the orders a close makes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.money.collections import (
    COLLECTED,
    FAILED,
    PARTIAL,
    RETRY_SCHEDULE,
    CollectionOrder,
    CollectionOutcome,
    RetrySchedule,
    amount_to_debit,
    next_retry_day,
)
from chalicelib.money.day_close import LoanState, close_through, post_collection
from chalicelib.money.servicing import book_payment, position
from tests.money.servicing_harness import AT, START, make_loan

DAY = timedelta(days=1)


def test_the_schedule_is_the_due_date_then_d1_d3_d7_then_weekly() -> None:
    retry = [d for d in range(0, 60) if RETRY_SCHEDULE.is_retry_day(d)]
    assert retry == [0, 1, 3, 7, 14, 21, 28, 35, 42, 49, 56]
    assert [RETRY_SCHEDULE.retry_number(d) for d in retry[:6]] == [0, 1, 2, 3, 4, 5]
    assert RETRY_SCHEDULE.retry_number(5) == 2  # between rows: the last row reached


@pytest.mark.parametrize("days,every", [((), 7), ((1, 3), 7), ((0, 3, 1), 7), ((0, 1), 0)])
def test_a_malformed_schedule_is_refused(days, every) -> None:
    with pytest.raises(ValueError):
        RetrySchedule(days, every)


@given(st.integers(0, 10**9), st.integers(-(10**9), 10**9))
def test_collect_what_the_account_holds_never_more_than_due(due, balance) -> None:
    take = amount_to_debit(due, balance)
    assert 0 <= take <= due
    assert take == min(due, max(balance, 0))


def test_a_never_paying_loan_is_debited_on_the_schedule_until_written_off() -> None:
    loan = make_loan(600_000, "0.12", 1)
    due = loan.due_dates[0]
    c = close_through(LoanState("loan_1", "user_1", loan), due + timedelta(days=200), AT)
    orders = [d.collection for d in c.days if d.collection is not None]
    offsets = [(o.on - due).days for o in orders]
    assert offsets[:6] == [0, 1, 3, 7, 14, 21]
    assert offsets[-1] == 175  # the last weekly retry before the write-off at 180 DPD
    assert [o.attempt for o in orders[:4]] == [0, 1, 2, 3]
    for o in orders:
        pos = position(loan, o.on)
        assert o.amount_fen == pos.penalty_fen + pos.interest_fen + pos.due_principal_fen
        assert o.amount_fen <= pos.payoff_fen


def test_later_due_dates_are_collection_days_inside_an_overdue_episode() -> None:
    loan = make_loan(1_200_000, "0.12", 3)
    first, second = loan.due_dates[:2]
    c = close_through(LoanState("loan_1", "user_1", loan), second + DAY, AT)
    days = {d.collection.on for d in c.days if d.collection is not None}
    assert second in days and (second - first).days not in (0, 1, 3, 7, 14, 21, 28)


def test_a_partial_collection_posts_and_the_rest_is_retried() -> None:
    loan = make_loan()
    state = LoanState("loan_1", "user_1", loan)
    c = close_through(state, loan.due_dates[0] - DAY, AT)
    order = c.collection
    assert order is not None and order.on == loan.due_dates[0]
    outcome = CollectionOutcome(order, amount_to_debit(order.amount_fen, 50_000))
    assert outcome.result == PARTIAL and outcome.short_fen == order.amount_fen - 50_000
    _, payment = book_payment(c.state.loan, order.repayment_id, order.on, outcome.collected_fen)
    state = post_collection(c.state, payment, AT).state
    c = close_through(state, order.on, AT)
    retry = c.collection
    assert retry is not None and retry.on == order.on + DAY and retry.attempt == 1
    # what was short, plus a day's interest and penalty on it
    pos = position(state.loan, retry.on)
    assert retry.amount_fen == outcome.short_fen + pos.interest_fen + pos.penalty_fen
    assert pos.interest_fen > 0 and pos.penalty_fen > 0


def test_outcomes_and_ids() -> None:
    order = CollectionOrder("loan_01hx", "user_1", START, 2, 1_000)
    assert order.repayment_id == "auto-loan_01hx-20240115-2"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", order.repayment_id)  # a valid execution name
    assert CollectionOutcome(order, 1_000).result == COLLECTED
    assert CollectionOutcome(order, 0).result == FAILED
    with pytest.raises(ValueError):
        CollectionOutcome(order, 1_001)
    assert next_retry_day(START, 0) == START + DAY
    assert next_retry_day(START, 1) == START + 2 * DAY  # D+1 -> D+3
    assert next_retry_day(START, 7) == START + 7 * DAY  # D+7 -> D+14

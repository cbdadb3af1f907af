"""Borrower notifications: what a day, a collection and a review produce; ids only; stable keys."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.money.collections import CollectionOrder, CollectionOutcome
from chalicelib.money.day_close import LoanState, close_through
from chalicelib.money.notifications import (
    APR_CHANGED,
    COLLECTION_FAILED,
    COLLECTION_SUCCEEDED,
    DETAIL_TYPES,
    DUE_IN_3_DAYS,
    DUE_TODAY,
    LIMIT_CHANGED,
    OVERDUE_DAY_1,
    OVERDUE_DAY_7,
    Notification,
    collection_notifications,
    line_change_notifications,
)
from chalicelib.money.servicing import plan
from tests.money.servicing_harness import AT, START, make_loan

DAY = timedelta(days=1)
ALLOWED_KEYS = {
    "key", "kind", "userId", "on", "subject", "dueDate", "amountFen", "daysPastDue", "dueFen",
    "penaltyFen", "loanId", "collectedFen", "shortFen", "nextAttempt", "limitBeforeFen",
    "limitFen", "aprBefore", "apr", "reasons",
}  # fmt: skip


def _life():
    loan = make_loan()
    state = LoanState("loan_1", "user_1", loan)
    return loan, close_through(state, loan.due_dates[0] + timedelta(days=20), AT)


def test_a_missed_installment_gives_due_soon_due_today_then_overdue_on_d1_and_d7() -> None:
    loan, c = _life()
    due = loan.due_dates[0]
    got = [(n.kind, n.on) for d in c.days for n in d.notifications]
    assert got == [
        (DUE_IN_3_DAYS, due - 3 * DAY),
        (DUE_TODAY, due),
        (OVERDUE_DAY_1, due + DAY),
        (OVERDUE_DAY_7, due + 7 * DAY),
    ]
    soon = next(n for d in c.days for n in d.notifications if n.kind == DUE_IN_3_DAYS)
    row = plan(loan, due - 3 * DAY)[0]
    assert soon.data == {"dueDate": due.isoformat(), "amountFen": row.total_fen}
    today = next(n for d in c.days for n in d.notifications if n.kind == DUE_TODAY)
    assert today.data["amountFen"] == row.total_fen == 106_716


def test_keys_are_stable_across_reruns_and_records_hold_ids_and_figures_only() -> None:
    _, first = _life()
    _, again = _life()
    keys = [n.key for d in first.days for n in d.notifications]
    assert keys == [n.key for d in again.days for n in d.notifications]
    assert len(set(keys)) == len(keys)
    assert keys[0] == f"{DUE_IN_3_DAYS}:loan_1:{(START + timedelta(days=28)).isoformat()}"
    for d in first.days:
        for n in d.notifications:
            assert set(n.as_record()) <= ALLOWED_KEYS
            assert n.detail_type == DETAIL_TYPES[n.kind]


def test_a_catch_up_keeps_only_the_last_days_notifications() -> None:
    loan, c = _life()
    assert c.notifications == c.days[-1].notifications == ()
    state = LoanState("loan_1", "user_1", loan)
    lag = close_through(state, loan.due_dates[0], AT)
    assert [n.kind for n in lag.notifications] == [OVERDUE_DAY_1]


def test_collection_outcomes() -> None:
    order = CollectionOrder("loan_1", "user_1", START, 1, 10_000)
    (ok,) = collection_notifications(CollectionOutcome(order, 10_000))
    assert ok.kind == COLLECTION_SUCCEEDED and ok.data["collectedFen"] == 10_000
    assert ok.key == f"COLLECTED:{order.repayment_id}:{START.isoformat()}"
    (short,) = collection_notifications(CollectionOutcome(order, 4_000), START + 2 * DAY)
    assert short.kind == COLLECTION_FAILED
    assert short.data == {
        "loanId": "loan_1",
        "collectedFen": 4_000,
        "shortFen": 6_000,
        "nextAttempt": (START + 2 * DAY).isoformat(),
    }


def test_line_changes() -> None:
    got = line_change_notifications(
        "user_1", "review-1", START, 100_000, 120_000, Decimal("0.144"), Decimal("0.108"), ("X",)
    )
    assert [n.kind for n in got] == [LIMIT_CHANGED, APR_CHANGED]
    assert got[1].data == {"aprBefore": "0.144", "apr": "0.108", "reasons": ["X"]}
    same = line_change_notifications(
        "user_1", "review-1", START, 100_000, 100_000, Decimal("0.144"), Decimal("0.144"), ()
    )
    assert same == ()


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError):
        Notification("SPAM", "user_1", START, "loan_1")


def test_a_repayment_the_borrower_asked_for_is_collected_or_failed_like_an_auto_debit() -> None:
    from datetime import date

    from chalicelib.money.notifications import repayment_notifications

    day = date(2026, 4, 2)
    (paid,) = repayment_notifications("u", "loan_1", "rep_1", day, 5_000, 5_000)
    assert (paid.kind, paid.subject, paid.data) == (
        COLLECTION_SUCCEEDED, "rep_1", {"loanId": "loan_1", "collectedFen": 5_000}
    )  # fmt: skip
    (declined,) = repayment_notifications("u", "loan_1", "rep_2", day, 5_000, 0)
    assert declined.kind == COLLECTION_FAILED and declined.data["shortFen"] == 5_000
    assert "nextAttempt" not in declined.data
    with pytest.raises(ValueError):
        repayment_notifications("u", "loan_1", "rep_3", day, 5_000, 5_001)

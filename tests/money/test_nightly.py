"""A loan's night in the close of business: posted on due dates, month ends and changes of
status, deferred otherwise, and the same books, mornings and write-offs as closing every day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib.ledger.receivables import check_receivables
from chalicelib.money.accrual import expected_receivables
from chalicelib.money.cob_summary import CobSummary, of_night
from chalicelib.money.collections import COLLECTED, FAILED, PARTIAL
from chalicelib.money.day_close import LoanState, close_through
from chalicelib.money.delinquency import ACTIVE, OVERDUE, WRITTEN_OFF
from chalicelib.money.nightly import (
    DUE_DATE,
    MONTH_END,
    STATUS,
    is_month_end,
    nightly_close,
    posting_reasons,
)
from chalicelib.money.servicing import Loan, book_payment, position
from tests.money.servicing_harness import AT, loans, make_loan
from tests.money.test_day_close import LOAN_ID, USER_ID, _amount, _assert_books, _ledger, _pay
from tests.money.test_day_close import payments as payment_plans

DAY = timedelta(days=1)
START = date(2024, 1, 15)  # the harness's draw date: due on the 15th, month ends between


def _state(loan: Loan | None = None) -> LoanState:
    return LoanState(LOAN_ID, USER_ID, loan or make_loan(start=START))


def test_a_quiet_day_is_deferred_and_writes_nothing() -> None:
    state = _state()
    night = nightly_close(state, START + 3 * DAY, AT)
    assert night.deferred and night.close is None
    assert of_night(night) == CobSummary(deferred=1)
    # the same night again: the same answer (nothing was written, nothing changes)
    assert nightly_close(state, START + 3 * DAY, AT) == night


def test_a_due_date_a_month_end_and_a_change_of_status_post_the_days_not_closed_yet() -> None:
    state = _state()
    due = state.loan.due_dates[0]  # 2024-02-15
    # 2024-01-31 is the month's last day: the days from the draw are posted
    assert posting_reasons(state, date(2024, 1, 31), ACTIVE) == (MONTH_END,)
    # a night after a missed month end posts it (and the days since)
    assert posting_reasons(state, date(2024, 2, 3), ACTIVE) == (MONTH_END,)
    closed = close_through(state, date(2024, 1, 31), AT).state
    assert posting_reasons(closed, date(2024, 2, 3), ACTIVE) == ()
    assert posting_reasons(closed, due, ACTIVE) == (DUE_DATE,)
    assert posting_reasons(closed, due + DAY, ACTIVE) == (DUE_DATE,)  # it was never posted
    assert posting_reasons(closed, date(2024, 2, 3), OVERDUE) == (STATUS,)
    # unpaid, the due date's night posts and the loan is overdue on the next morning
    night = nightly_close(closed, due, AT)
    assert night.close is not None and night.close.state.last_closed == due
    assert night.standing is not None and night.standing.status == OVERDUE
    assert of_night(night).newly_overdue == 1 and of_night(night).billed == 1


def test_nothing_is_done_for_a_night_older_than_the_last_one_closed() -> None:
    closed = close_through(_state(), date(2024, 1, 31), AT).state
    night = nightly_close(closed, date(2024, 1, 20), AT)
    assert night.standing is None and night.collection is None and not night.notifications
    # the night just closed is closed already, but its morning is still told (re-run safe)
    again = nightly_close(closed, date(2024, 1, 31), AT)
    assert again.already_closed and again.standing is not None


def test_a_loan_deferred_past_180_days_is_written_off_on_the_very_day() -> None:
    state = _state(make_loan(600_000, "0.12", 1, start=START))
    due = state.loan.due_dates[0]
    state = close_through(state, due, AT).state  # overdue from the next day
    # quiet nights (no due date left, no month end when every night is the 20th) until 180 DPD
    day = due + timedelta(days=178)  # DPD on the next morning: 179
    assert nightly_close(state, day, AT).close is not None  # a month end was passed: posted
    day_before = due + timedelta(days=179)  # the morning after it is 180 DPD
    night = nightly_close(state, day_before, AT)
    assert night.close is not None and night.close.state.status == WRITTEN_OFF
    assert night.close.state.written_off_on == day_before
    assert of_night(night).written_off == 1


# -- properties -----------------------------------------------------------------------------


def _lives(loan: Loan, plan: list[tuple[int, str, bool]], horizon: int):
    """The same borrower's life closed every night eagerly (close_through) and nightly (posted or
    deferred); payments post through post_collection either way, before or after the night."""
    ledgers = {"eager": _ledger(loan.principal_fen), "nightly": _ledger(loan.principal_fen)}
    states = {k: LoanState(LOAN_ID, USER_ID, loan) for k in ledgers}
    by_day: dict[int, list[tuple[str, bool]]] = {}
    t = 0
    for gap, how, late in plan:
        t += gap
        by_day.setdefault(t, []).append((how, late))
    mornings = []
    for t in range(horizon + 1):
        on = loan.start + timedelta(days=t)

        def pay(late: bool, on: date = on, t: int = t) -> None:
            for i, (how, is_late) in enumerate(by_day.get(t, [])):
                if is_late != late:
                    continue
                amount = _amount(states["eager"], on, how)
                if amount:
                    for k in states:
                        states[k] = _pay(states[k], f"r{t}-{i}", on, amount, ledgers[k])

        pay(late=False)
        eager = close_through(states["eager"], on, AT)
        ledgers["eager"].write(eager.entries)
        states["eager"] = eager.state
        night = nightly_close(states["nightly"], on, AT)
        if night.close is not None:
            ledgers["nightly"].write(night.close.entries)
            states["nightly"] = night.close.state
        last = eager.days[-1] if eager.days else None
        mornings.append((on, night, last))
        pay(late=True)
    return states, ledgers, mornings


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loans(max_months=4), payment_plans, st.one_of(st.integers(0, 80), st.integers(190, 230)))
@example(make_loan(600_000, "0.12", 1, start=START), [], 215)
@example(make_loan(1_000_000, "0.15", 2, start=START), [(40, "part", True), (3, "due", False)], 90)
def test_nightly_closes_keep_the_books_and_mornings_of_closing_every_day(
    loan, plan, horizon
) -> None:
    states, ledgers, mornings = _lives(loan, plan, horizon)
    eager, nightly = states["eager"], states["nightly"]
    for on, night, day_close in mornings:
        # the morning is the same whether the night posted or deferred
        if day_close is not None and night.standing is not None:
            assert night.standing == day_close.standing
            assert night.collection == day_close.collection
            assert night.notifications == day_close.notifications
        # due dates, month ends and changes of status are always posted
        if night.deferred:
            assert on not in loan.due_dates and not is_month_end(on)
            assert night.standing is not None and night.standing.status == night.status_before
    # at any point the nightly books are the eager books as of the last day they posted
    want = expected_receivables(nightly.loan, nightly.last_closed, nightly.status == WRITTEN_OFF)
    assert (nightly.book.interest_receivable_fen, nightly.book.penalty_receivable_fen) == want
    _assert_books(nightly, ledgers["nightly"])
    assert check_receivables(ledgers["nightly"].items(), {LOAN_ID: want}).ok
    # and once both are closed through the same day, they are the same, to the fen
    end = loan.start + timedelta(days=horizon)
    caught_up = close_through(nightly, end, AT)
    ledgers["nightly"].write(caught_up.entries)
    # the same loan, status and receivables; the books may split a late-posted collection's
    # interest differently between settled receivable and income at once (it was or was not
    # accrued yet), so the counters can differ while every balance is the same
    done = caught_up.state
    assert (done.loan, done.status, done.last_closed, done.written_off_on) == (
        eager.loan,
        eager.status,
        eager.last_closed,
        eager.written_off_on,
    )
    for part in ("interest_receivable_fen", "penalty_receivable_fen"):
        assert getattr(done.book, part) == getattr(eager.book, part)
    assert {k: v for k, v in ledgers["nightly"].balances.items() if v} == {
        k: v for k, v in ledgers["eager"].balances.items() if v
    }


# -- the debit that ran on the day, as the loan's payments show it ---------------------------


def _due_day_state(cash: str | None) -> tuple[LoanState, date]:
    """A loan closed through the eve of its first due date; on the due date its auto-debit
    (ordered by that close) took all, part or none of what was due."""
    state = close_through(_state(), date(2024, 2, 14), AT).state
    due = state.loan.due_dates[0]
    order = close_through(_state(), date(2024, 2, 14), AT).collection
    assert order is not None and order.on == due
    if cash is not None:
        amount = order.amount_fen if cash == "all" else order.amount_fen // 2
        _, payment = book_payment(state.loan, order.repayment_id, due, amount)
        state = LoanState(
            LOAN_ID,
            USER_ID,
            state.loan.with_payment(payment),
            state.status,
            state.last_closed,
            state.book,
        )
    return state, due


def test_the_day_s_debit_is_read_from_the_payments_booked_under_its_id() -> None:
    for cash, result in (("all", COLLECTED), ("half", PARTIAL), (None, FAILED)):
        state, due = _due_day_state(cash)
        night = nightly_close(state, due, AT)
        assert night.collected is not None and night.collected.result == result, cash
        summary = of_night(night)
        assert summary.collected + summary.partial + summary.failed == 1
    # still running: its reservation is held
    state, due = _due_day_state(None)
    order_id = f"auto-{LOAN_ID}-{due:%Y%m%d}-0"
    night = nightly_close(state, due, AT, reserved=(order_id,))
    assert night.collected is None and night.collection_pending
    assert of_night(night).pending == 1


def test_a_debit_that_found_the_loan_paid_otherwise_is_not_a_failure() -> None:
    state, due = _due_day_state(None)
    amount = position(state.loan, due)
    due_fen = amount.penalty_fen + amount.interest_fen + amount.due_principal_fen
    _, own = book_payment(state.loan, "rep_own", due, due_fen)
    paid = LoanState(
        LOAN_ID, USER_ID, state.loan.with_payment(own), ACTIVE, state.last_closed, state.book
    )
    assert nightly_close(paid, due, AT).collected is None

"""Close of business for one loan: accrual, billing, delinquency, write-off, collections posted
against it; idempotent, and catching up equals closing day by day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from chalicelib.ledger.entries import (
    CREDIT_LOSS,
    INTEREST_INCOME,
    LOSS_RECOVERY,
    PENALTY_INCOME,
    interest_receivable,
    loan_principal,
    penalty_receivable,
    repayment_entry,
)
from chalicelib.ledger.receivables import check_receivables
from chalicelib.money.accrual import expected_receivables, outstanding_principal, settle
from chalicelib.money.day_close import LoanState, close_day, close_through, post_collection
from chalicelib.money.delinquency import (
    ACTIVE,
    BECAME_CLOSED,
    BECAME_OVERDUE,
    BECAME_WRITTEN_OFF,
    CLOSED,
    CURED,
    OVERDUE,
    WRITTEN_OFF,
)
from chalicelib.money.servicing import Loan, book_payment, position
from tests.money.servicing_harness import AT, START, Ledger, loans, make_loan

DAY = timedelta(days=1)
LOAN_ID, USER_ID = "loan_1", "user_1"


def _state(loan: Loan | None = None) -> LoanState:
    ledger_loan = loan or make_loan()
    return LoanState(LOAN_ID, USER_ID, ledger_loan)


def _ledger(principal: int = 1_200_000) -> Ledger:
    return Ledger((USER_ID, LOAN_ID, principal))


def _pay(state: LoanState, key: str, on: date, amount: int, ledger: Ledger) -> LoanState:
    _, payment = book_payment(state.loan, key, on, amount)
    posted = post_collection(state, payment, AT)
    ledger.write(posted.entries)
    return posted.state


def _close(state: LoanState, through: date, ledger: Ledger) -> LoanState:
    c = close_through(state, through, AT)
    ledger.write(c.entries)
    return c.state


def _assert_books(state: LoanState, ledger: Ledger) -> None:
    """The accrual rule: the ledger's receivables are the record's counters, which are what the
    loan's own replay says; income recognised = collected + receivable (until a write-off)."""
    book = state.book
    i_recv, p_recv = interest_receivable(LOAN_ID), penalty_receivable(LOAN_ID)
    assert ledger.balance(i_recv) == book.interest_receivable_fen
    assert ledger.balance(p_recv) == book.penalty_receivable_fen
    want = expected_receivables(state.loan, state.last_closed, state.status == WRITTEN_OFF)
    assert (book.interest_receivable_fen, book.penalty_receivable_fen) == want
    if state.status != WRITTEN_OFF:
        paid_i = sum(p.interest_fen for p in state.loan.payments)
        paid_p = sum(p.penalty_fen for p in state.loan.payments)
        assert -ledger.balance(INTEREST_INCOME) == paid_i + book.interest_receivable_fen
        assert -ledger.balance(PENALTY_INCOME) == paid_p + book.penalty_receivable_fen
        assert ledger.balance(loan_principal(LOAN_ID)) == outstanding_principal(state.loan)


# -- accrual -----------------------------------------------------------------------------


def test_a_day_accrues_apr_over_360_on_the_principal_as_one_entry_keyed_by_loan_and_day() -> None:
    # ¥12,000 at 12%: 400 fen a day; the draw day itself accrues nothing
    state = _state()
    c0 = close_day(state, START, AT)
    assert c0.accrual.interest_fen == 0 and c0.entries == ()
    c1 = close_day(c0.state, START + DAY, AT)
    assert c1.accrual.interest_fen == 400 and c1.accrual.penalty_fen == 0
    (e,) = c1.entries
    assert e.key == f"accrue:{LOAN_ID}:{START + DAY}" and e.kind == "accrual"
    assert {(p.account, p.debit_fen, p.credit_fen) for p in e.postings} == {
        (interest_receivable(LOAN_ID), 400, 0),
        (INTEREST_INCOME, 0, 400),
    }
    assert c1.state.last_closed == START + DAY
    assert c1.state.book.interest_receivable_fen == 400


def test_close_day_refuses_a_day_out_of_turn() -> None:
    state = _state()
    with pytest.raises(ValueError, match="next day to close"):
        close_day(state, START + DAY, AT)


def test_a_rerun_closes_nothing_and_the_same_state_gives_the_same_entries() -> None:
    state = _state()
    through = START + timedelta(days=45)
    first = close_through(state, through, AT)
    assert len(first.days) == 46
    assert close_through(first.state, through, AT).days == ()  # re-run after the write
    again = close_through(state, through, AT)  # re-run before the write landed
    assert again.entries == first.entries and again.state == first.state
    ledger = _ledger()
    assert ledger.write(first.entries) == len(first.entries)
    assert ledger.write(again.entries) == 0  # same keys: the store keeps one


def test_sub_fen_days_accrue_to_the_fen_over_time() -> None:
    # ¥50 at 1%: 0.139 fen a day, so most days accrue nothing and some a fen; the sum is exact
    state = _state(make_loan(5_000, "0.01", 12))
    c = close_through(state, START + timedelta(days=100), AT)
    assert {d.accrual.interest_fen for d in c.days} == {0, 1}
    owed = position(state.loan, c.through).interest_fen
    assert (
        sum(d.accrual.interest_fen for d in c.days) == owed == c.state.book.interest_receivable_fen
    )


def test_overdue_principal_accrues_penalty_capped_so_apr_plus_penalty_stay_within_24pct() -> None:
    loan = make_loan(3_600_000, "0.18", 6)  # penalty 1.5 x 18% = 27%, capped at 24% - 18% = 6%
    state = _state(loan)
    due = loan.due_dates[0]
    c = close_through(state, due + timedelta(days=10), AT)
    overdue = loan.scheduled_principal[0]
    # penalty from the day after the due date, on overdue principal, at 6%/360
    assert c.state.book.penalty_receivable_fen == round(overdue * 0.06 / 360 * 10)
    assert all(d.accrual.penalty_fen == 0 for d in c.days if d.day <= due)


# -- billing, delinquency ------------------------------------------------------------------


def test_due_date_bills_the_installment_and_unpaid_it_is_overdue_from_the_next_day() -> None:
    loan = make_loan()
    due = loan.due_dates[0]
    c = close_through(_state(loan), due, AT)
    billed = c.last
    assert billed is not None and billed.bill is not None
    assert billed.bill.principal_fen == loan.scheduled_principal[0]
    assert billed.bill.interest_fen == 31 * 400  # Jan 15 -> Feb 15
    assert billed.standing.as_of == due + DAY
    assert (billed.standing.status, billed.standing.dpd, billed.standing.bucket) == (
        OVERDUE,
        1,
        "M1",
    )
    assert billed.transition == BECAME_OVERDUE
    eve = c.days[-2]
    assert eve.standing.status == ACTIVE and eve.bill is None


def test_paying_on_the_due_date_keeps_the_loan_active_and_clears_receivables() -> None:
    ledger = _ledger()
    state = _close(_state(), START + timedelta(days=20), ledger)
    due = state.loan.due_dates[0]
    c = close_through(state, due - DAY, AT)
    ledger.write(c.entries)
    order = c.collection
    assert order is not None and order.on == due and order.attempt == 0
    state = _pay(c.state, order.repayment_id, due, order.amount_fen, ledger)
    assert state.status == ACTIVE
    assert state.book.interest_receivable_fen == 0
    _assert_books(state, ledger)
    state = _close(state, due, ledger)
    assert state.status == ACTIVE
    _assert_books(state, ledger)


def test_a_late_payment_cures_at_once_and_splits_receivable_from_income() -> None:
    ledger = _ledger()
    loan = make_loan()
    due = loan.due_dates[0]
    state = _close(_state(loan), due + timedelta(days=5), ledger)
    assert state.status == OVERDUE
    pay_day = due + timedelta(days=7)  # days 6 and 7 are not closed yet: post closes day 6
    quote = position(state.loan, pay_day)
    _, payment = book_payment(
        state.loan,
        "late",
        pay_day,
        quote.penalty_fen + quote.interest_fen + quote.due_principal_fen,
    )
    posted = post_collection(state, payment, AT)
    assert [d.day for d in posted.catch_up.days] == [due + timedelta(days=6)]
    ledger.write(posted.entries)
    s = posted.settlement
    accrued_before = posted.catch_up.state.book
    assert s.interest_receivable_fen == accrued_before.interest_receivable_fen
    assert s.interest_income_fen == payment.interest_fen - s.interest_receivable_fen == 400
    assert s.penalty_receivable_fen == accrued_before.penalty_receivable_fen
    assert posted.standing.status == ACTIVE and posted.transition == CURED
    _assert_books(posted.state, ledger)


def test_payoff_closes_the_loan_and_nothing_accrues_after() -> None:
    ledger = _ledger()
    state = _close(_state(), START + timedelta(days=9), ledger)
    day = START + timedelta(days=10)
    state = _pay(state, "payoff", day, position(state.loan, day).payoff_fen, ledger)
    assert state.status == CLOSED
    c = close_through(state, day + timedelta(days=40), AT)
    assert c.entries == () and c.days[0].transition is None
    assert all(d.collection is None and not d.notifications for d in c.days)
    _assert_books(c.state, ledger)
    assert c.state.status == CLOSED


def test_closing_the_day_of_a_payoff_posted_without_the_inline_close_reports_it_closed() -> None:
    state = _state()
    day = START + timedelta(days=10)
    loan, _ = book_payment(state.loan, "payoff", day, position(state.loan, day).payoff_fen)
    c = close_through(replace(state, loan=loan), day, AT)
    # the close of the day before already sees it: its standing is for the payoff's day
    assert c.transitions == ((day - DAY, BECAME_CLOSED),)
    assert c.state.status == CLOSED


# -- write-off and recovery -------------------------------------------------------------


def test_180_dpd_writes_principal_and_receivables_off_once_and_recoveries_still_post() -> None:
    ledger = _ledger(600_000)
    loan = make_loan(600_000, "0.12", 3)
    due = loan.due_dates[0]
    state = _close(_state(loan), due + timedelta(days=178), ledger)
    assert state.status == OVERDUE
    c = close_through(state, due + timedelta(days=179), AT)
    ledger.write(c.entries)
    day = c.last
    assert day is not None and day.standing.dpd == 180 and day.transition == BECAME_WRITTEN_OFF
    wo = day.write_off
    assert wo is not None and wo.principal_fen == 600_000
    assert wo.interest_fen == c.state.book.interest_written_off_fen > 0
    assert wo.penalty_fen == c.state.book.penalty_written_off_fen > 0
    state = c.state
    assert state.written_off_on == due + timedelta(days=179)
    assert ledger.balance(loan_principal(LOAN_ID)) == 0
    assert ledger.balance(interest_receivable(LOAN_ID)) == 0
    assert ledger.balance(penalty_receivable(LOAN_ID)) == 0
    assert ledger.balance(CREDIT_LOSS) == wo.total_fen
    # nothing accrues, nothing is debited, no reminders; the status is final
    later = close_through(state, due + timedelta(days=260), AT)
    assert later.entries == () and later.state.status == WRITTEN_OFF
    assert all(d.collection is None and not d.notifications for d in later.days)
    # a payment after the write-off is a recovery, and re-closing writes off nothing again
    pay_day = due + timedelta(days=261)
    state = _pay(later.state, "recovered", pay_day, 100_000, ledger)
    assert ledger.balance(LOSS_RECOVERY) == -100_000
    assert state.book.recovered_fen == 100_000 and state.status == WRITTEN_OFF
    assert close_through(state, pay_day + timedelta(days=30), AT).entries == ()
    assert check_receivables(ledger.items(), {LOAN_ID: (0, 0)}).ok


# -- properties -----------------------------------------------------------------------------

# (days after the previous payment, how much, posted after that day's close ran)
payments = st.lists(
    st.tuples(
        st.integers(0, 75), st.sampled_from(["due", "part", "payoff", "tiny"]), st.booleans()
    ),
    max_size=6,
)


def _amount(state: LoanState, on: date, how: str) -> int:
    pos = position(state.loan, on)
    due = pos.penalty_fen + pos.interest_fen + pos.due_principal_fen
    return (
        {
            "due": due,
            "part": max(1, due // 3),
            "payoff": pos.payoff_fen,
            "tiny": 1,
        }[how]
        if pos.payoff_fen
        else 0
    )


def _live(loan: Loan, plan: list[tuple[int, str, bool]], horizon: int, closes: set[int] | None):
    """Run a borrower's life: payments on given days, posted before that day's close (after
    the inline close of the days before) or after it (admitted late in the day, posted once the
    close ran); closes at the end of the days in `closes` (None: every day; a day with a payment
    posted after its close is closed in every variant), and a final close through the horizon."""
    ledger = _ledger(loan.principal_fen)
    state = LoanState(LOAN_ID, USER_ID, loan)
    by_day: dict[int, list[tuple[str, bool]]] = {}
    day_no = 0
    for gap, how, late in plan:
        day_no += gap
        by_day.setdefault(day_no, []).append((how, late))
    if closes is not None:
        closes = closes | {t for t, pays in by_day.items() if any(late for _, late in pays)}
    snapshots = []

    def pay(t: int, on: date, late: bool) -> None:
        nonlocal state
        for i, (how, is_late) in enumerate(by_day.get(t, [])):
            amount = _amount(state, on, how) if is_late == late else 0
            if amount:
                state = _pay(state, f"r{t}-{i}", on, amount, ledger)
                snapshots.append(state)

    for t in range(horizon + 1):
        on = loan.start + timedelta(days=t)
        pay(t, on, late=False)
        if closes is None or t in closes:
            c = close_through(state, on, AT)
            ledger.write(c.entries)
            # no accrual is negative when collections post through post_collection
            assert all(d.accrual.interest_fen >= 0 and d.accrual.penalty_fen >= 0 for d in c.days)
            for d in c.days:
                assert (d.standing.status == OVERDUE) == (
                    d.standing.dpd > 0 and d.standing.status not in (CLOSED, WRITTEN_OFF)
                )
                if d.collection is not None:
                    assert 0 < d.collection.amount_fen <= d.standing.payoff_fen
            state = c.state
            snapshots.append(state)
        pay(t, on, late=True)
    state = _close(state, loan.start + timedelta(days=horizon), ledger)
    return state, ledger, snapshots


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# half the lives are long enough to age into write-off (180 DPD after a due date)
@given(
    loans(max_months=6),
    payments,
    st.one_of(st.integers(0, 90), st.integers(200, 260)),
    st.sets(st.integers(0, 260)),
)
@example(make_loan(5_000, "0.2399", 1), [(31, "tiny", False), (1, "due", True)], 60, set())
@example(
    make_loan(1_000_000, "0.15", 2), [(230, "part", True), (5, "payoff", False)], 240, {100, 220}
)
def test_any_life_keeps_the_books_to_the_fen_and_catching_up_equals_closing_daily(
    loan, plan, horizon, closes
) -> None:
    daily, daily_ledger, snapshots = _live(loan, plan, horizon, None)
    event(f"ends {daily.status}")
    for s in snapshots[-40:]:  # the invariant after each step (the last ones: speed)
        assert (
            s.book.interest_receivable_fen,
            s.book.penalty_receivable_fen,
        ) == expected_receivables(s.loan, s.last_closed, s.status == WRITTEN_OFF)
    _assert_books(daily, daily_ledger)
    lagging, lagging_ledger, _ = _live(loan, plan, horizon, closes)
    _assert_books(lagging, lagging_ledger)
    assert lagging == daily
    assert {k: v for k, v in lagging_ledger.balances.items() if v} == {
        k: v for k, v in daily_ledger.balances.items() if v
    }
    expected = {
        LOAN_ID: expected_receivables(daily.loan, daily.last_closed, daily.status == WRITTEN_OFF)
    }
    report = check_receivables(daily_ledger.items(), expected)
    assert report.ok, report.as_dict()
    # the day's standing is the replay's: written off exactly when 180 DPD was reached
    pos = position(daily.loan, daily.last_closed + DAY)
    if daily.status == WRITTEN_OFF:
        assert daily.written_off_on is not None
    else:
        assert pos.dpd < 180


def test_a_collection_dated_on_the_day_just_closed_is_exact_at_once() -> None:
    # admitted at 23:59 on L, posted after L's close ran: it pays interest through L, which is
    # exactly what L's close accrued, so nothing needs truing up
    ledger = _ledger()
    loan = make_loan()
    last = loan.due_dates[0] + timedelta(days=3)
    state = _close(_state(loan), last, ledger)
    pos = position(state.loan, last)
    for key, amount in (("part", pos.interest_fen // 2), ("rest", 500_000)):
        state = _pay(state, key, last, amount, ledger)
        _assert_books(state, ledger)
    c = close_through(state, last + DAY, AT)
    assert c.accrual.interest_fen >= 0 and c.accrual.penalty_fen >= 0
    ledger.write(c.entries)
    _assert_books(c.state, ledger)


def test_a_collection_back_dated_into_a_closed_day_is_trued_up_by_the_next_close() -> None:
    ledger = _ledger()
    loan = make_loan()
    state = _close(_state(loan), START + timedelta(days=20), ledger)
    # posted without the inline close and dated ten days back: the books over-accrued
    back = START + timedelta(days=10)
    _, payment = book_payment(state.loan, "back", back, 600_000)
    posted = post_collection(state, payment, AT)
    assert posted.catch_up.days == ()
    ledger.write(posted.entries)
    c = close_through(posted.state, START + timedelta(days=21), AT)
    ledger.write(c.entries)
    assert c.accrual.interest_fen < 0  # a correction: 10 days on ¥6,000 less principal
    _assert_books(c.state, ledger)


def test_a_close_lagging_behind_a_collection_converges_at_the_next_close() -> None:
    # a collection booked without closing the days before it (an integration that skips the
    # inline close): it settles only what was accrued by then, and the books are off only until
    # a close reaches its day
    ledger = _ledger()
    state = _close(_state(), START + timedelta(days=5), ledger)
    on = START + timedelta(days=9)
    loan, payment = book_payment(state.loan, "early", on, 300_000)
    settlement, book = settle(state.book, payment)
    assert (
        settlement.interest_receivable_fen == 5 * 400 and settlement.interest_income_fen == 4 * 400
    )
    ledger.write(
        [
            repayment_entry(
                USER_ID,
                LOAN_ID,
                payment.key,
                payment.principal_fen,
                payment.interest_fen,
                0,
                AT,
                interest_receivable_fen=settlement.interest_receivable_fen,
            )
        ]
    )
    state = _close(replace(state, loan=loan, book=book), on, ledger)
    assert state.book.interest_receivable_fen == position(state.loan, on).interest_fen == 0
    _assert_books(state, ledger)

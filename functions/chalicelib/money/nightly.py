"""One loan on one night of the close of business, pure: post the days closed now, or leave a
quiet day to be posted with the loan's next write; and what the next morning brings (the
auto-debit, the borrower's notifications) either way.

The rule (stated once, here). Closing business day D posts (writes the loan record and its
entries) when the days not closed yet, (last closed, D], hold

- a due date: the installment is billed, and its interest is on the books the day it falls due;
- the last day of a month: period end, so the month's books, and the reports read from them,
  hold every loan accrued through it;
- or a change of status on D+1 (overdue, cured, closed, written off at 180 days past due): the
  record, the line and the reports follow the status the night it changes.

Otherwise the day is quiet and is deferred: nothing is written. Deferring loses nothing. The
accrual rule (money/accrual.py) makes a loan's receivable a function of its contract, its
payments and its last closed day, so the close that comes next accrues the deferred days' sum
to the fen (one entry keyed by its last day), and a repayment in between closes the days before
it first (`day_close.post_collection`). `lending ledger check` proves accrued - collected =
receivable as of each loan's last closed day; the borrower's view, the line freeze and payoffs
are computed from the contract on the day asked (`loans/standing.py`), never from the counters.

Why defer: a write per loan per night is the close of business's whole cost. A day posted is a
TransactWriteItems of the loan (~0.9 KB on average, 2 in 10 over 1 KB: loans/records.py) and an
entry, 2 write units per started KB of each as a transaction, ~4.4 a loan; for 100,000 loans
~440,000 units a night, about $0.28 at on-demand list prices, over a quarter of the budget of $1
a night, for counters no reader needs between two due dates.
Deferred, a loan is written about twice a month (its due date, the month end) and on the nights
its status changes; a night with nothing due reads the loans (BatchGetItem, 100 a request) and
writes nothing (bench/bench_cob.py measures both).

What the morning brings does not depend on posting: the standing on D+1 is the same whether the
quiet days are posted now or later, so the debit (on a due or retry day) and the reminders are
ordered either way, under keys of their own (money/collections.py, money/notifications.py), so a
re-run of the night orders nothing twice. The night also reads, from the loan's own payments,
what became of the debit that ran on D (`collected`), for the day's summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.money.accrual import paid_through
from chalicelib.money.collections import (
    CollectionOrder,
    CollectionOutcome,
    collection_order,
    is_auto_debit,
)
from chalicelib.money.day_close import DEFAULT_POLICY, Close, LoanState, Policy, close_through
from chalicelib.money.day_close import morning as morning_of
from chalicelib.money.delinquency import ACTIVE, OVERDUE, Standing, due_fen, standing
from chalicelib.money.notifications import Notification
from chalicelib.money.servicing import positions

ONE_DAY = timedelta(days=1)
DUE_DATE, MONTH_END, STATUS = "DUE_DATE", "MONTH_END", "STATUS"  # why a night posts


def is_month_end(day: date) -> bool:
    return (day + ONE_DAY).month != day.month


def posting_reasons(state: LoanState, through: date, status_next: str) -> tuple[str, ...]:
    """Why closing `through` must be posted now (empty: the days are quiet and may wait)."""
    first = state.next_day
    if through < first:
        return ()
    reasons = []
    if any(first <= d <= through for d in state.loan.due_dates):
        reasons.append(DUE_DATE)
    last_month_end = date(through.year, through.month, 1) - ONE_DAY
    if is_month_end(through) or last_month_end >= first:
        reasons.append(MONTH_END)
    if status_next != state.status:
        reasons.append(STATUS)
    return tuple(reasons)


@dataclass(frozen=True)
class Night:
    """What closing business day `day` does to one loan."""

    loan_id: str
    user_id: str
    day: date
    status_before: str
    close: Close | None  # the days to post now; None when deferred or closed already
    deferred: bool  # quiet days left to the next write
    standing: Standing | None  # on day + 1; None for a night older than the last one closed
    collection: CollectionOrder | None  # the debit to run on day + 1
    notifications: tuple[Notification, ...]  # for day + 1
    collected: CollectionOutcome | None  # the debit that ran on `day`, as the payments show it
    collection_pending: bool = False  # ... or it is still running (its reservation is held)

    @property
    def already_closed(self) -> bool:
        return self.close is None and not self.deferred


def nightly_close(
    state: LoanState,
    day: date,
    at: str,
    policy: Policy = DEFAULT_POLICY,
    reserved: tuple[str, ...] = (),
) -> Night:
    """Close business day `day` for a loan (module docstring). `at` is the entries' timestamp;
    `reserved` the repayment ids the loan holds reservations for (debits still running)."""
    loan = state.loan
    args = (state.loan_id, state.user_id, day, state.status)
    if (state.last_closed is not None and state.last_closed > day) or day + ONE_DAY < loan.start:
        return Night(*args, None, False, None, None, (), None)  # an older night: nothing to do
    (pos_next,) = positions(loan, [day + ONE_DAY])
    st = standing(state.status, pos_next, policy.write_off_dpd)
    close: Close | None = None
    reasons = posting_reasons(state, day, st.status)
    if reasons:
        close = close_through(state, day, at, policy)
        last = close.days[-1]
        st, order, told = last.standing, last.collection, last.notifications
    else:
        order, told = morning_of(state.loan_id, state.user_id, loan, st, policy)
    collected, pending = _collected_on(state, day, policy, reserved)
    deferred = close is None and day >= state.next_day
    return Night(*args, close, deferred, st, order, told, collected, pending)


def _collected_on(
    state: LoanState, day: date, policy: Policy, reserved: tuple[str, ...]
) -> tuple[CollectionOutcome | None, bool]:
    """The auto-debit the close of `day - 1` ordered for `day`, and what it took (the payment
    booked under its repayment id); None when there was none, or the borrower paid what was
    due some other way before it ran (it then finds nothing to collect)."""
    loan = state.loan
    paid_today = [p for p in loan.payments if p.on == day]
    if not (
        day in loan.due_dates
        or state.status == OVERDUE
        or any(is_auto_debit(p.key) for p in paid_today)
    ):
        return None, False  # no debit can have been ordered for today: skip the replay
    if day <= loan.start:
        return None, False
    before, after = positions(paid_through(loan, day - ONE_DAY), [day])[0], None
    st = standing(ACTIVE, before, policy.write_off_dpd)
    order = collection_order(state.loan_id, state.user_id, loan.due_dates, st, policy.retries)
    if order is None:
        return None, False
    if order.repayment_id in reserved:
        return None, True
    taken = sum(p.amount_fen for p in paid_today if p.key == order.repayment_id)
    if not taken:
        (after,) = positions(loan, [day])
        if due_fen(after) == 0:
            return None, False  # paid otherwise: the debit found nothing to take
    return CollectionOutcome(order, min(taken, order.amount_fen)), False


__all__ = [
    "DUE_DATE",
    "MONTH_END",
    "STATUS",
    "Night",
    "is_month_end",
    "nightly_close",
    "posting_reasons",
]

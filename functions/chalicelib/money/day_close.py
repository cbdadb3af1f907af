"""Close of business for one loan, pure: what closing a business day does to a loan, and how a
collection posts against a loan that is closed day by day.

A close is a function of the loan's state (contract, payments, status, last closed day, the
accrual counters) and the day. Closing business day D:

1. accrues interest and penalty for D (`accrual.accrual_for`), as one entry keyed by loan and D;
2. bills the installment due on D, if any (the replay bills it; the close reports it);
3. sets where the loan stands on D+1, before anything is paid that day: status (OVERDUE from
   the day after an unpaid due date, ACTIVE again once cured, CLOSED at payoff), days past due
   and bucket (`delinquency`); at 180 DPD it writes the loan off (principal and receivables to
   loss, entry keyed by loan);
4. orders the auto-debit that runs on D+1 (`collections`), and says which notifications the
   borrower gets that morning (`notifications`).

Idempotent by construction: a day at or before the last closed day is not closed again
(`close_through` returns no days), and the same state closed twice gives the same entries under
the same keys, so the store keeps one. The store writes a close's entries and the new state in
one transaction conditioned on the last closed day it read. A loan that lags several days is
caught up by closing each day in turn; catching up gives the same books and state as closing
the days one by one, and only the last day's debit and notifications are still worth acting on.

Collections post through `post_collection`, which first closes the days before the collection
(Fineract's inline close of business), so the receivable it settles is exactly what was
accrued, and a later close never accrues again what the collection earned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from chalicelib.ledger.entries import (
    JournalEntry,
    accrual_entry,
    recovery_entry,
    repayment_entry,
    write_off_entry,
)
from chalicelib.money.accrual import (
    Accrual,
    Book,
    Settlement,
    WriteOff,
    accrual_for,
    accrue,
    paid_through,
    settle,
    write_off,
)
from chalicelib.money.collections import (
    RETRY_SCHEDULE,
    CollectionOrder,
    RetrySchedule,
    collection_order,
)
from chalicelib.money.delinquency import (
    ACTIVE,
    CLOSED,
    OVERDUE,
    WRITE_OFF_DPD,
    WRITTEN_OFF,
    Standing,
    standing,
    transition,
)
from chalicelib.money.notifications import DUE_SOON_DAYS, Notification, day_notifications
from chalicelib.money.servicing import Loan, Payment, Position, plan, position, positions

STATUSES = (ACTIVE, OVERDUE, CLOSED, WRITTEN_OFF)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    write_off_dpd: int = WRITE_OFF_DPD
    retries: RetrySchedule = RETRY_SCHEDULE


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class LoanState:
    """What a close needs to know about a disbursed loan (ids only, nothing personal)."""

    loan_id: str
    user_id: str
    loan: Loan
    status: str = ACTIVE
    last_closed: date | None = None  # the last business day closed for this loan
    book: Book = field(default_factory=Book)
    written_off_on: date | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"a serviced loan is one of {STATUSES}, not {self.status!r}")

    @property
    def next_day(self) -> date:
        """The first business day not closed yet (the draw date for a loan never closed)."""
        if self.last_closed is None:
            return self.loan.start
        return max(self.loan.start, self.last_closed + ONE_DAY)


@dataclass(frozen=True)
class Bill:
    """The installment billed on its due date (fen): what the contract asks that day."""

    due_date: date
    principal_fen: int
    interest_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


@dataclass(frozen=True)
class DayClose:
    """What closing one business day did to one loan."""

    loan_id: str
    user_id: str
    day: date
    status_before: str
    accrual: Accrual
    bill: Bill | None
    standing: Standing  # on day + 1, before anything is paid that day
    write_off: WriteOff | None
    entries: tuple[JournalEntry, ...]
    collection: CollectionOrder | None  # to run on day + 1
    notifications: tuple[Notification, ...]  # for day + 1
    state: LoanState  # after the close: store it with the entries, in one transaction

    @property
    def transition(self) -> str | None:
        """BECAME_OVERDUE, CURED, BECAME_CLOSED, BECAME_WRITTEN_OFF, or None."""
        return transition(self.status_before, self.standing.status)


@dataclass(frozen=True)
class Close:
    """Closing a loan through a business day: each day not closed yet, in order (none when the
    day was closed already: a re-run)."""

    loan_id: str
    through: date
    days: tuple[DayClose, ...]
    state: LoanState

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        return tuple(e for d in self.days for e in d.entries)

    @property
    def accrual(self) -> Accrual:
        total = Accrual()
        for d in self.days:
            total = total + d.accrual
        return total

    @property
    def last(self) -> DayClose | None:
        return self.days[-1] if self.days else None

    @property
    def collection(self) -> CollectionOrder | None:
        """The debit to run the day after `through` (earlier days' debits are past)."""
        last = self.last
        return last.collection if last is not None and last.day == self.through else None

    @property
    def notifications(self) -> tuple[Notification, ...]:
        """The notifications for the day after `through` (earlier days' are stale)."""
        last = self.last
        return last.notifications if last is not None and last.day == self.through else ()

    @property
    def transitions(self) -> tuple[tuple[date, str], ...]:
        return tuple((d.day, t) for d in self.days if (t := d.transition) is not None)


def close_day(state: LoanState, day: date, at: str, policy: Policy = DEFAULT_POLICY) -> DayClose:
    """Close exactly the next business day of a loan (`state.next_day`). `at` is the entries'
    timestamp (pure code reads no clock). Use `close_through` to skip closed days or catch up."""
    if day != state.next_day:
        raise ValueError(
            f"loan {state.loan_id}: the next day to close is {state.next_day}, not {day}"
        )
    pos_d, pos_n = positions(state.loan, [day, day + ONE_DAY])
    return _close(state, day, pos_d, pos_n, at, policy)


def close_through(
    state: LoanState, through: date, at: str, policy: Policy = DEFAULT_POLICY
) -> Close:
    """Close every day from `state.next_day` through `through` (none if closed already), from
    one replay of the loan."""
    first = state.next_day
    if through < first:
        return Close(state.loan_id, through, (), state)
    n = (through - first).days + 1
    days = [first + timedelta(days=i) for i in range(n + 1)]  # each day and the day after
    pos = positions(state.loan, days)
    out = []
    for i in range(n):
        c = _close(state, days[i], pos[i], pos[i + 1], at, policy)
        out.append(c)
        state = c.state
    return Close(state.loan_id, through, tuple(out), state)


def _close(
    state: LoanState, day: date, pos_d: Position, pos_n: Position, at: str, policy: Policy
) -> DayClose:
    loan, book = state.loan, state.book
    written_off = state.status == WRITTEN_OFF
    accrual = Accrual() if written_off else accrual_for(loan, book, day, pos_d)
    book = accrue(book, accrual)
    st = standing(state.status, pos_n, policy.write_off_dpd)
    entries: list[JournalEntry] = []
    if accrual.interest_fen or accrual.penalty_fen:
        entries.append(
            accrual_entry(
                state.user_id, state.loan_id, day, accrual.interest_fen, accrual.penalty_fen, at
            )
        )
    wo = None
    if st.status == WRITTEN_OFF and not written_off:
        wo, book = write_off(loan, book)
        if wo.total_fen:
            entries.append(
                write_off_entry(
                    state.user_id,
                    state.loan_id,
                    wo.principal_fen,
                    wo.interest_fen,
                    wo.penalty_fen,
                    at,
                )
            )
    new_state = replace(
        state,
        status=st.status,
        last_closed=day,
        book=book,
        written_off_on=day if wo is not None else state.written_off_on,
    )
    order, told = morning(state.loan_id, state.user_id, loan, st, policy)
    return DayClose(
        state.loan_id,
        state.user_id,
        day,
        state.status,
        accrual,
        _bill(loan, day),
        st,
        wo,
        tuple(entries),
        order,
        told,
        new_state,
    )


def morning(
    loan_id: str, user_id: str, loan: Loan, st: Standing, policy: Policy = DEFAULT_POLICY
) -> tuple[CollectionOrder | None, tuple[Notification, ...]]:
    """What the morning of `st.as_of` brings a loan standing at `st` (before anything is paid
    that day): the auto-debit to run, and what the borrower is told."""
    order = collection_order(loan_id, user_id, loan.due_dates, st, policy.retries)
    told = day_notifications(loan_id, user_id, st, loan.due_dates, _due_soon_fen(loan, st))
    return order, told


def _bill(loan: Loan, day: date) -> Bill | None:
    if day not in loan.due_dates:
        return None
    row = next(r for r in plan(paid_through(loan, day), day) if r.due_date == day)
    return Bill(day, row.principal_fen, row.interest_fen)


def _due_soon_fen(loan: Loan, st: Standing) -> int:
    """The installment projected for the due date `DUE_SOON_DAYS` after `st.as_of`, if any."""
    soon = st.as_of + timedelta(days=DUE_SOON_DAYS)
    if soon not in loan.due_dates or st.status not in (ACTIVE, OVERDUE):
        return 0
    rows = plan(paid_through(loan, st.as_of), st.as_of)
    return next((r.total_fen for r in rows if r.due_date == soon), 0)


@dataclass(frozen=True)
class Posted:
    """A collection booked against a loan: the days closed first, the split, the entry."""

    catch_up: Close  # the days before the collection that were not closed yet
    payment: Payment
    settlement: Settlement
    entry: JournalEntry
    standing: Standing  # on the collection's day, after it
    state: LoanState

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        return (*self.catch_up.entries, self.entry)

    @property
    def transition(self) -> str | None:
        return transition(self.catch_up.state.status, self.standing.status)


def post_collection(
    state: LoanState, payment: Payment, at: str, policy: Policy = DEFAULT_POLICY
) -> Posted:
    """Book a collection, allocated by `servicing` (`book_payment`, or `allocate` with the
    excess as suspense). Closes the days before it first, so its interest settles exactly what
    was accrued and the rest is income at once; on a written-off loan all of it is a recovery.
    The loan cures (ACTIVE) or closes (CLOSED) at once when the payment clears what was due.
    ValueError if it was posted already (the store's key says so first) or is dated before the
    loan's last payment."""
    loan = state.loan
    if any(p.key == payment.key for p in loan.payments):
        raise ValueError(f"collection {payment.key} is already posted on loan {state.loan_id}")
    if loan.payments and payment.on < loan.payments[-1].on:
        raise ValueError(
            f"collection {payment.key} on {payment.on} is before the loan's last payment"
        )
    catch_up = close_through(state, payment.on - ONE_DAY, at, policy)
    before = catch_up.state
    written_off = before.status == WRITTEN_OFF
    settlement, book = settle(before.book, payment, written_off)
    if written_off:
        entry = recovery_entry(state.user_id, state.loan_id, payment.key, payment.amount_fen, at)
    else:
        entry = repayment_entry(
            state.user_id,
            state.loan_id,
            payment.key,
            settlement.principal_fen,
            settlement.interest_fen,
            settlement.penalty_fen,
            at,
            suspense_fen=settlement.suspense_fen,
            interest_receivable_fen=settlement.interest_receivable_fen,
            penalty_receivable_fen=settlement.penalty_receivable_fen,
        )
    loan = loan.with_payment(payment)
    # A payment never writes a loan off (only a close does, with its entry): cap the DPD rule.
    st = standing(before.status, position(loan, payment.on), policy.write_off_dpd)
    if st.status == WRITTEN_OFF and not written_off:
        st = replace(st, status=OVERDUE)
    return Posted(
        catch_up,
        payment,
        settlement,
        entry,
        st,
        replace(before, loan=loan, book=book, status=st.status),
    )


__all__ = [
    "DEFAULT_POLICY",
    "Bill",
    "Close",
    "DayClose",
    "LoanState",
    "Policy",
    "Posted",
    "close_day",
    "close_through",
    "morning",
    "post_collection",
]

"""What booking money on a loan does to it, pure: both stores (dynamo.py, memory.py) persist
exactly this, so the rule is written once.

- A disbursement makes a PENDING loan ACTIVE with its whole principal outstanding, and books
  Dr loan_principal / Cr cash_clearing.
- A repayment is a collection posted as money/day_close.post_collection says: the business days
  before it that were not closed yet are closed first (their accrual in one entry keyed by the
  last of them, so a catch-up of many days is one write; a write-off if one fell due), then the
  money settles the receivables for what was accrued and is income for the rest (a recovery
  on a written-off loan); the loan's status moves (cured, or closed at payoff) and the
  reservation the repayment held since admission is dropped.
- A close of business books what `day_close.close_through` did: its accrual over the days it
  closed in one entry keyed by the last of them (as a repayment's catch-up does), the write-off
  if one fell due, and the loan's counters, status and last closed day.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import Conflict
from ..ledger import entries as le
from ..money.day_close import Close, post_collection
from ..money.servicing import Payment
from .port import ACTIVE, DISBURSED, PENDING, Booking, LoanRecord


def disburse(loan: LoanRecord, at: str) -> Booking:
    if loan.status != PENDING:
        raise Conflict(f"loan {loan.loan_id} is {loan.status}; it cannot be disbursed")
    return Booking(
        replace(
            loan,
            status=ACTIVE,
            outstanding_principal_fen=loan.principal_fen,
            version=loan.version + 1,
        ),
        (le.disbursement_entry(loan.user_id, loan.loan_id, loan.principal_fen, at),),
    )


def _closing_entries(loan: LoanRecord, close: Close, at: str) -> list[le.JournalEntry]:
    """A run of closed days as the ledger keeps it: one accrual entry (keyed by the last day),
    then the write-off if the run reached it."""
    entries: list[le.JournalEntry] = []
    accrued = close.accrual
    if accrued.interest_fen or accrued.penalty_fen:
        entries.append(
            le.accrual_entry(
                loan.user_id,
                loan.loan_id,
                close.through,
                accrued.interest_fen,
                accrued.penalty_fen,
                at,
            )
        )
    entries += [e for e in close.entries if e.kind == "write-off"]
    return entries


def close_loan(loan: LoanRecord, close: Close, at: str) -> Booking:
    """What closing business days does to the record (`close` from `close_through` on
    `loan.state()`): the days' accrual and write-off as entries, the state the close left."""
    if not close.days:
        raise ValueError(f"loan {loan.loan_id}: a close with no days books nothing")
    if close.days[0].day != loan.state().next_day:
        raise Conflict(f"loan {loan.loan_id} was closed since this close was computed")
    return Booking(loan.with_state(close.state), tuple(_closing_entries(loan, close, at)))


def post_repayment(loan: LoanRecord, payment: Payment, at: str) -> Booking:
    if loan.status not in DISBURSED:
        raise Conflict(f"loan {loan.loan_id} is {loan.status}; repayment {payment.key} not booked")
    posted = post_collection(loan.state(), payment, at)
    entries = _closing_entries(loan, posted.catch_up, at) if posted.catch_up.days else []
    entries.append(posted.entry)
    after = loan.with_state(posted.state)
    return Booking(
        replace(after, reservations=tuple(r for r in loan.reservations if r[0] != payment.key)),
        tuple(entries),
    )

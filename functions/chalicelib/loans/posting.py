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
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import Conflict
from ..ledger import entries as le
from ..money.day_close import post_collection
from ..money.servicing import Payment
from .port import ACTIVE, DISBURSED, PENDING, LoanRecord


@dataclass(frozen=True)
class Booking:
    """The loan as it will be, and the journal entries that say why."""

    loan: LoanRecord
    entries: tuple[le.JournalEntry, ...]


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


def post_repayment(loan: LoanRecord, payment: Payment, at: str) -> Booking:
    if loan.status not in DISBURSED:
        raise Conflict(f"loan {loan.loan_id} is {loan.status}; repayment {payment.key} not booked")
    posted = post_collection(loan.state(), payment, at)
    caught_up = posted.catch_up
    entries: list[le.JournalEntry] = []
    accrued = caught_up.accrual
    if accrued.interest_fen or accrued.penalty_fen:
        entries.append(
            le.accrual_entry(
                loan.user_id,
                loan.loan_id,
                caught_up.through,
                accrued.interest_fen,
                accrued.penalty_fen,
                at,
            )
        )
    entries += [e for e in caught_up.entries if e.kind == "write-off"]
    entries.append(posted.entry)
    after = loan.with_state(posted.state)
    return Booking(
        replace(after, reservations=tuple(r for r in loan.reservations if r[0] != payment.key)),
        tuple(entries),
    )

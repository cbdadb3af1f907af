"""What booking money on a loan does to it, pure: both stores (dynamo.py, memory.py) persist
exactly this, so the rule is written once.

- A disbursement makes a PENDING loan ACTIVE with its whole principal outstanding, and books
  Dr loan_principal / Cr cash_clearing.
- A repayment appends its allocation, lowers the outstanding principal by the principal paid,
  closes the loan when nothing is left to pay on the payment's day, drops the reservation the
  repayment held since admission, and books cash against principal, interest, penalty and (for
  money that arrived after the loan was paid off) the borrower's suspense account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import Conflict
from ..ledger import entries as le
from ..money.servicing import Payment, position
from .port import ACTIVE, CLOSED, PENDING, LoanRecord


@dataclass(frozen=True)
class Booking:
    """The loan as it will be, and the journal entry that says why."""

    loan: LoanRecord
    entry: le.JournalEntry


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
        le.disbursement_entry(loan.user_id, loan.loan_id, loan.principal_fen, at),
    )


def post_repayment(loan: LoanRecord, payment: Payment, suspense_fen: int, at: str) -> Booking:
    if loan.status not in (ACTIVE, CLOSED):
        raise Conflict(f"loan {loan.loan_id} is {loan.status}; repayment {payment.key} not booked")
    after = loan.servicing().with_payment(payment)
    return Booking(
        replace(
            loan,
            payments=after.payments,
            outstanding_principal_fen=loan.outstanding_principal_fen - payment.principal_fen,
            status=CLOSED if position(after, payment.on).payoff_fen == 0 else ACTIVE,
            version=loan.version + 1,
            reservations=tuple(r for r in loan.reservations if r[0] != payment.key),
        ),
        le.repayment_entry(
            loan.user_id,
            loan.loan_id,
            payment.key,
            payment.principal_fen,
            payment.interest_fen,
            payment.penalty_fen,
            at,
            suspense_fen=suspense_fen,
        ),
    )

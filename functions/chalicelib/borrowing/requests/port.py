"""Draw and repayment requests: what the borrower asked for, and how its workflow ended.

The workflows carry ids only; the first step reads the terms from these items and hands them on.

Status moves once, from PENDING, by a conditional update: a draw to FAILED or STUCK (Record
Failure), a repayment to SUCCEEDED (Restore Line), FAILED or STUCK. STUCK means money moved at
the bank but a later step failed: an operator finishes it (`lending ledger check` shows it).
A successful draw stays PENDING here: the loan record's status (ACTIVE) is the truth.

Contract (tests/borrowing/test_requests_contract.py, the fake and DynamoDB):
- add_draw / add_repayment: Conflict if the id exists.
- get_draw / get_repayment: None when absent.
- draws_for_user: oldest first; repayments(loan_id): oldest first.
- end_draw / end_repayment: PENDING -> status once; a later call returns the first ending.
  With `from_status=STUCK`: an operator's resolution (a draw -> RESOLVED, a repayment ->
  SUCCEEDED), once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

PENDING, SUCCEEDED, FAILED, STUCK = "PENDING", "SUCCEEDED", "FAILED", "STUCK"
RESOLVED = "RESOLVED"  # a STUCK draw an operator finished (its loan is booked)


@dataclass(frozen=True)
class Draw:
    loan_id: str
    user_id: str
    amount_fen: int
    term_months: int
    method: str
    start: str  # business date of the request, ISO
    apr: Decimal  # the line's APR when the borrower asked: the rate the contract carries
    created_at: str
    status: str = PENDING
    failure: str | None = None  # an error name or reason code
    updated_at: str = ""


@dataclass(frozen=True)
class Repayment:
    repayment_id: str
    loan_id: str
    user_id: str
    amount_fen: int
    on: str  # business date of the request, ISO: interest runs to this day
    created_at: str
    status: str = PENDING
    failure: str | None = None
    updated_at: str = ""


class MoneyRequests(Protocol):
    def add_draw(self, draw: Draw) -> None: ...

    def get_draw(self, loan_id: str) -> Draw | None: ...

    def draws_for_user(self, user_id: str) -> list[Draw]: ...

    def end_draw(
        self, loan_id: str, status: str, failure: str | None, at: str, from_status: str = PENDING
    ) -> Draw: ...

    def add_repayment(self, repayment: Repayment) -> None: ...

    def get_repayment(self, loan_id: str, repayment_id: str) -> Repayment | None: ...

    def repayments(self, loan_id: str) -> list[Repayment]: ...

    def end_repayment(
        self,
        loan_id: str,
        repayment_id: str,
        status: str,
        failure: str | None,
        at: str,
        from_status: str = PENDING,
    ) -> Repayment: ...

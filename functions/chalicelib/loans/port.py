"""The loan port. Record: PK `LOAN#{loanId}` SK `LOAN`, GSI1PK `USER#{userId}`,
GSI1SK `LOAN#{createdAt}`. Status PENDING -> ACTIVE <-> OVERDUE -> CLOSED (or WRITTEN_OFF at
180 days past due), or PENDING -> VOID. Once disbursed the record also carries its accrual
counters (`book`) and the last business day closed for it (`last_closed`): the close of
business (money/day_close.py) and every posting move them with the journal entries they sum.

- create(loan) -> LoanRecord: idempotent on loan_id (Conflict if the terms differ).
- get(loan_id) -> LoanRecord (NotFound).
- disburse(loan_id, at) -> LoanRecord: PENDING -> ACTIVE with outstanding = principal, and the
  disbursement entry (Dr loan_principal / Cr cash_clearing), in one transaction; a no-op when
  already ACTIVE/CLOSED; Conflict when VOID.
- void(loan_id, at) -> LoanRecord: PENDING -> VOID; no-op when VOID; Conflict otherwise.
- post_repayment(loan_id, payment, expected_version, at) -> LoanRecord: books a collection as
  `posting.post_repayment` says (the days before it closed first, receivables settled, status
  moved, the payment's reservation dropped), with its journal entries, in one transaction
  conditioned on the version read; idempotent on the payment key; Conflict if the version
  moved (the caller re-reads and re-allocates).
- reserve_repayment(loan_id, repayment_id, amount_fen, max_reserved_before_fen,
  expected_version) -> LoanRecord: holds `amount_fen` for a repayment being admitted, by one
  conditional write: the loan is serviced (ACTIVE, OVERDUE or WRITTEN_OFF: a late borrower can
  always repay), its version is the one the payoff was computed on, and
  what is reserved already is <= `max_reserved_before_fen` (payoff - amount). Not a money
  movement: no entry, no version bump. Idempotent on repayment_id; Conflict when the condition
  fails (the caller re-reads and decides between retrying and refusing).
- release_repayment(loan_id, repayment_id) -> LoanRecord: drops the reservation; a no-op when
  there is none (released already, or consumed by post_repayment).
- for_user(user_id) -> list[LoanRecord] (GSI1, newest last).
- entries(loan_id) -> list[JournalEntry].

For the close of business (closing/):
- open_loan_ids() -> Iterator[str]: every loan it serves (ACTIVE or OVERDUE), in no particular
  order: a marker item per such loan, written with the disbursement and deleted by the write
  that closes the loan or writes it off (a Query per shard, never a scan).
- get_many(loan_ids) -> dict[str, LoanRecord]: the loans that exist among `loan_ids`, read in
  batches of 100 (BatchGetItem, eventually consistent: every write after it is conditioned on
  the version read, so a stale read costs a retry, never a wrong write).
- book_close(before, booking, at) -> LoanRecord: a close of business booked
  (`posting.close_loan(before, ...)`): the record and its entries in one transaction
  conditioned on the version read (`before.version`), the marker deleted if the loan leaves
  ACTIVE/OVERDUE; Conflict if the loan moved since (the caller re-reads and closes again).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from chalicelib.ledger.entries import JournalEntry
from chalicelib.money.accrual import Book, outstanding_principal
from chalicelib.money.day_close import LoanState
from chalicelib.money.schedule import Schedule
from chalicelib.money.servicing import DEFAULT_PENALTY_MULTIPLIER, Loan, Payment

PENDING, ACTIVE, OVERDUE, CLOSED, WRITTEN_OFF, VOID = (
    "PENDING",
    "ACTIVE",
    "OVERDUE",
    "CLOSED",
    "WRITTEN_OFF",
    "VOID",
)
DISBURSED = (ACTIVE, OVERDUE, CLOSED, WRITTEN_OFF)  # money went out: the loan is on the books
SERVICED = (ACTIVE, OVERDUE)  # what the close of business accrues, bills and collects
REPAYABLE = (ACTIVE, OVERDUE, WRITTEN_OFF)  # what a borrower can still pay money into


@dataclass(frozen=True)
class LoanRecord:
    loan_id: str
    user_id: str
    principal_fen: int
    apr: Decimal
    start: date
    method: str
    day_count: str
    rounding: str
    due_dates: tuple[date, ...]
    scheduled_principal: tuple[int, ...]
    scheduled_interest: tuple[int, ...]
    account_ref: str
    created_at: str
    status: str = PENDING
    outstanding_principal_fen: int = 0
    payments: tuple[Payment, ...] = ()
    penalty_multiplier: Decimal = DEFAULT_PENALTY_MULTIPLIER
    version: int = 1
    # repayments admitted and not yet booked or ended: (repaymentId, amountFen), sorted
    reservations: tuple[tuple[str, int], ...] = ()
    # servicing: the accrual counters and the last business day closed (money/accrual.py)
    book: Book = field(default_factory=Book)
    last_closed: date | None = None
    written_off_on: date | None = None

    @property
    def reserved_fen(self) -> int:
        return sum(a for _, a in self.reservations)

    def reservation(self, repayment_id: str) -> int | None:
        return next((a for r, a in self.reservations if r == repayment_id), None)

    @classmethod
    def from_schedule(
        cls,
        loan_id: str,
        user_id: str,
        schedule: Schedule,
        account_ref: str,
        created_at: str,
        penalty_multiplier: Decimal = DEFAULT_PENALTY_MULTIPLIER,
    ) -> LoanRecord:
        return cls(
            loan_id,
            user_id,
            schedule.principal_fen,
            schedule.apr,
            schedule.start,
            schedule.method,
            schedule.day_count,
            schedule.rounding,
            schedule.due_dates,
            schedule.principal,
            schedule.interest,
            account_ref,
            created_at,
            penalty_multiplier=penalty_multiplier,
        )

    def terms(self) -> tuple[Any, ...]:
        """What must match for a repeated create to be the same contract."""
        return (
            self.user_id,
            self.principal_fen,
            self.apr,
            self.start,
            self.method,
            self.day_count,
            self.rounding,
            self.account_ref,
        )

    def servicing(self) -> Loan:
        return Loan(
            self.principal_fen,
            self.apr,
            self.start,
            self.due_dates,
            self.scheduled_principal,
            self.method,
            self.penalty_multiplier,
            self.payments,
            self.day_count,
            self.rounding,
        )

    def payment(self, key: str) -> Payment | None:
        return next((p for p in self.payments if p.key == key), None)

    def state(self) -> LoanState:
        """What the close of business and posting work on (a disbursed loan only)."""
        if self.status not in DISBURSED:
            raise ValueError(f"loan {self.loan_id} is {self.status}: not on the books")
        return LoanState(
            self.loan_id,
            self.user_id,
            self.servicing(),
            self.status,
            self.last_closed,
            self.book,
            self.written_off_on,
        )

    def with_state(self, state: LoanState) -> LoanRecord:
        """This record carrying a close's or a posting's outcome (the version moves by one)."""
        return replace(
            self,
            payments=state.loan.payments,
            outstanding_principal_fen=outstanding_principal(state.loan),
            status=state.status,
            book=state.book,
            last_closed=state.last_closed,
            written_off_on=state.written_off_on,
            version=self.version + 1,
        )


@dataclass(frozen=True)
class Booking:
    """What booking money or a close does to a loan (loans/posting.py decides it): the record
    as it will be, and the journal entries that say why."""

    loan: LoanRecord
    entries: tuple[JournalEntry, ...]


class Loans(Protocol):
    def create(self, loan: LoanRecord) -> LoanRecord: ...

    def get(self, loan_id: str) -> LoanRecord: ...

    def disburse(self, loan_id: str, at: str) -> LoanRecord: ...

    def void(self, loan_id: str, at: str) -> LoanRecord: ...

    def post_repayment(
        self, loan_id: str, payment: Payment, expected_version: int, at: str
    ) -> LoanRecord: ...

    def reserve_repayment(
        self,
        loan_id: str,
        repayment_id: str,
        amount_fen: int,
        max_reserved_before_fen: int,
        expected_version: int,
    ) -> LoanRecord: ...

    def release_repayment(self, loan_id: str, repayment_id: str) -> LoanRecord: ...

    def for_user(self, user_id: str) -> list[LoanRecord]: ...

    def entries(self, loan_id: str) -> list[JournalEntry]: ...

    def open_loan_ids(self) -> Iterator[str]: ...

    def get_many(self, loan_ids: Sequence[str]) -> dict[str, LoanRecord]: ...

    def book_close(self, before: LoanRecord, booking: Booking, at: str) -> LoanRecord: ...

"""Accrual accounting for a loan, pure: what the books recognise each business day, and how a
collection settles it.

The rule (stated once, here): once business day D is closed, a loan's interest receivable is
the interest that `servicing` says is accrued and unpaid at the end of D, to the fen
(`position(loan, D).interest_fen`), and its penalty receivable likewise. A day's accrual is
therefore not that day's interest computed on its own (which would drift by rounding and count
again what a collection already earned) but the amount that brings the receivable there:

    accrual(D) = owed(D) - receivable before the close - collected for days after D

where `receivable` is the books' (accrued - settled - written off) and the last term is what
collections dated after D have paid (non-zero only when a close lags behind a collection that
was posted without closing the days before it; the next close trues it up). A collection
settles the receivable first (what was accrued) and is income at once for the rest (the days
since the last close): `settle`. So, per loan and in total:

    accrued - settled - written off = receivable = max(0, owed at the last close - collected since)

to the fen (`expected_receivables`), as long as each collection is posted once the days before
it are closed (`day_close.post_collection` does that); a collection posted ahead of a close, or
dated into a day already closed, is trued up by the next close that reaches its day, with a
negative accrual (a correction) if it earned less than was accrued: the only negative accruals.
A re-run accrues nothing, a catch-up of several days accrues their sum, and interest a
collection already recognised is never accrued again. Written-off loans accrue nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from chalicelib.money.servicing import Loan, Payment, Position, position


@dataclass(frozen=True)
class Book:
    """A loan's accrual accounts as counters (fen), carried on the loan record and moved in the
    same transaction as the entries they sum, so a close reads no journal."""

    interest_accrued_fen: int = 0  # accrual entries, net of corrections
    penalty_accrued_fen: int = 0
    interest_settled_fen: int = 0  # receivable credited by collections
    penalty_settled_fen: int = 0
    interest_written_off_fen: int = 0
    penalty_written_off_fen: int = 0
    principal_written_off_fen: int = 0
    recovered_fen: int = 0  # collected after the write-off

    @property
    def interest_receivable_fen(self) -> int:
        return self.interest_accrued_fen - self.interest_settled_fen - self.interest_written_off_fen

    @property
    def penalty_receivable_fen(self) -> int:
        return self.penalty_accrued_fen - self.penalty_settled_fen - self.penalty_written_off_fen

    _FIELDS = (
        ("interest_accrued_fen", "interestAccruedFen"),
        ("penalty_accrued_fen", "penaltyAccruedFen"),
        ("interest_settled_fen", "interestSettledFen"),
        ("penalty_settled_fen", "penaltySettledFen"),
        ("interest_written_off_fen", "interestWrittenOffFen"),
        ("penalty_written_off_fen", "penaltyWrittenOffFen"),
        ("principal_written_off_fen", "principalWrittenOffFen"),
        ("recovered_fen", "recoveredFen"),
    )

    def as_record(self) -> dict[str, int]:
        return {name: getattr(self, attr) for attr, name in self._FIELDS}

    @classmethod
    def from_record(cls, r: dict[str, Any] | None) -> Book:
        r = r or {}
        return cls(**{attr: int(r.get(name, 0)) for attr, name in cls._FIELDS})


@dataclass(frozen=True)
class Accrual:
    """One close's accrual (fen); negative is a correction."""

    interest_fen: int = 0
    penalty_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.interest_fen + self.penalty_fen

    def __add__(self, other: Accrual) -> Accrual:
        return Accrual(self.interest_fen + other.interest_fen, self.penalty_fen + other.penalty_fen)


def paid_through(loan: Loan, day: date) -> Loan:
    """The loan with only the payments made on or before `day`."""
    if not loan.payments or loan.payments[-1].on <= day:
        return loan
    return replace(loan, payments=tuple(p for p in loan.payments if p.on <= day))


def _collected_after(loan: Loan, day: date) -> tuple[int, int]:
    later = [p for p in loan.payments if p.on > day]
    return sum(p.interest_fen for p in later), sum(p.penalty_fen for p in later)


def accrual_for(loan: Loan, book: Book, day: date, pos: Position | None = None) -> Accrual:
    """What closing `day` accrues (see the module's rule). `pos` is `position` on `day` counting
    the payments made by then, if the caller has it already."""
    if pos is None:
        pos = position(paid_through(loan, day), day)
    later_interest, later_penalty = _collected_after(loan, day)
    return Accrual(
        pos.interest_fen - book.interest_receivable_fen - later_interest,
        pos.penalty_fen - book.penalty_receivable_fen - later_penalty,
    )


def accrue(book: Book, a: Accrual) -> Book:
    return replace(
        book,
        interest_accrued_fen=book.interest_accrued_fen + a.interest_fen,
        penalty_accrued_fen=book.penalty_accrued_fen + a.penalty_fen,
    )


@dataclass(frozen=True)
class WriteOff:
    """What goes to loss (fen): the principal the ledger holds and the receivables."""

    principal_fen: int
    interest_fen: int
    penalty_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.penalty_fen


def outstanding_principal(loan: Loan) -> int:
    """The principal the ledger holds for the loan: drawn less every principal repaid."""
    return loan.principal_fen - sum(p.principal_fen for p in loan.payments)


def write_off(loan: Loan, book: Book) -> tuple[WriteOff, Book]:
    """Principal and receivables to loss; the counters say so, so nothing accrues after."""
    w = WriteOff(
        outstanding_principal(loan), book.interest_receivable_fen, book.penalty_receivable_fen
    )
    return w, replace(
        book,
        interest_written_off_fen=book.interest_written_off_fen + w.interest_fen,
        penalty_written_off_fen=book.penalty_written_off_fen + w.penalty_fen,
        principal_written_off_fen=book.principal_written_off_fen + w.principal_fen,
    )


@dataclass(frozen=True)
class Settlement:
    """How a collection's money is booked (fen). On a written-off loan all of it is a recovery
    (`recovery_fen`) and the other parts are 0."""

    principal_fen: int = 0
    interest_receivable_fen: int = 0  # settles what was accrued
    interest_income_fen: int = 0  # earned on collection (days not closed yet)
    penalty_receivable_fen: int = 0
    penalty_income_fen: int = 0
    suspense_fen: int = 0  # collected beyond what was owed
    recovery_fen: int = 0

    @property
    def interest_fen(self) -> int:
        return self.interest_receivable_fen + self.interest_income_fen

    @property
    def penalty_fen(self) -> int:
        return self.penalty_receivable_fen + self.penalty_income_fen

    @property
    def total_fen(self) -> int:
        return (
            self.principal_fen
            + self.interest_fen
            + self.penalty_fen
            + self.suspense_fen
            + self.recovery_fen
        )


def settle(book: Book, payment: Payment, written_off: bool = False) -> tuple[Settlement, Book]:
    """Split a collection (allocated by `servicing`) between receivables and income: the
    receivable first, up to what the books hold, the rest income."""
    allocated = payment.principal_fen + payment.interest_fen + payment.penalty_fen
    suspense = payment.amount_fen - allocated
    if suspense < 0:
        raise ValueError(f"payment {payment.key} allocates more than its amount")
    if written_off:
        s = Settlement(recovery_fen=payment.amount_fen)
        return s, replace(book, recovered_fen=book.recovered_fen + payment.amount_fen)
    i_recv = min(payment.interest_fen, max(0, book.interest_receivable_fen))
    p_recv = min(payment.penalty_fen, max(0, book.penalty_receivable_fen))
    s = Settlement(
        payment.principal_fen,
        i_recv,
        payment.interest_fen - i_recv,
        p_recv,
        payment.penalty_fen - p_recv,
        suspense,
    )
    return s, replace(
        book,
        interest_settled_fen=book.interest_settled_fen + i_recv,
        penalty_settled_fen=book.penalty_settled_fen + p_recv,
    )


class Receivables(NamedTuple):
    """(interest, penalty) receivable in fen: the shape `ledger.receivables` compares."""

    interest_fen: int
    penalty_fen: int


def expected_receivables(loan: Loan, last_closed: date | None, written_off: bool) -> Receivables:
    """What a loan's receivables must be, from its contract and payments alone: what the
    replay says was owed at the end of the last closed day, less what was collected since
    (never below zero); zero before the first close and after a write-off. Holds whenever
    each collection was posted after the day before it was closed (`day_close.post_collection`
    does that); otherwise only once a day at or after the collection is closed."""
    if written_off or last_closed is None or last_closed < loan.start:
        return Receivables(0, 0)
    pos = position(paid_through(loan, last_closed), last_closed)
    later_interest, later_penalty = _collected_after(loan, last_closed)
    return Receivables(
        max(0, pos.interest_fen - later_interest), max(0, pos.penalty_fen - later_penalty)
    )


__all__ = [
    "Accrual",
    "Book",
    "Receivables",
    "Settlement",
    "WriteOff",
    "accrual_for",
    "accrue",
    "expected_receivables",
    "outstanding_principal",
    "paid_through",
    "settle",
    "write_off",
]

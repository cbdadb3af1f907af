"""Freezing a line, pure: a line with any overdue (or written-off) loan is FROZEN, and thaws
once none is left. A frozen line refuses draws (409 `LINE_FROZEN`, with these reasons); a
CLOSED line stays closed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from chalicelib.money.delinquency import OVERDUE, WRITTEN_OFF
from chalicelib.reasons import Reason

LINE_ACTIVE, LINE_FROZEN, LINE_CLOSED = "ACTIVE", "FROZEN", "CLOSED"
LINE_STATUSES = (LINE_ACTIVE, LINE_FROZEN, LINE_CLOSED)


class LoanStatus(NamedTuple):
    """A loan of the line's borrower as the line sees it."""

    loan_id: str
    status: str
    dpd: int = 0


@dataclass(frozen=True)
class LineEffect:
    status: str
    reasons: tuple[Reason, ...]
    changed: bool

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def _reason(loan: LoanStatus) -> Reason | None:
    if loan.status == OVERDUE:
        return Reason(
            "LOAN_OVERDUE",
            f"Loan {loan.loan_id} is {loan.dpd} days past due; "
            "your line reopens once what is due is repaid.",
        )
    if loan.status == WRITTEN_OFF:
        return Reason(
            "LOAN_WRITTEN_OFF",
            f"Loan {loan.loan_id} was written off after long non-payment; your line stays frozen.",
        )
    return None


def line_effect(line_status: str, loans: Iterable[LoanStatus]) -> LineEffect:
    """The status a line must have given its borrower's loans, and why (most overdue first)."""
    if line_status not in LINE_STATUSES:
        raise ValueError(f"unknown line status {line_status!r}")
    reasons = tuple(
        r for r in (_reason(x) for x in sorted(loans, key=lambda x: (-x.dpd, x.loan_id))) if r
    )
    if line_status == LINE_CLOSED:
        return LineEffect(LINE_CLOSED, reasons, False)
    status = LINE_FROZEN if reasons else LINE_ACTIVE
    return LineEffect(status, reasons, status != line_status)


__all__ = ["LINE_ACTIVE", "LINE_CLOSED", "LINE_FROZEN", "LineEffect", "LoanStatus", "line_effect"]

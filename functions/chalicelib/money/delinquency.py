"""Delinquency, pure: a loan's status, days past due and bucket, and when it is written off.

Rules (stated once, here):
- Days past due (DPD) count from the oldest due date with principal or billed interest still
  unpaid (`servicing.position`). An installment unpaid at the end of its due date D is overdue
  from D+1: DPD 1 on D+1, and the loan is OVERDUE; paying everything due cures it (ACTIVE).
- Buckets by DPD, in one table below: CURRENT 0, M1 1-30, M2 31-60, M3 61-90, M4+ 91 and more.
- At WRITE_OFF_DPD (180) the loan is WRITTEN_OFF: principal and receivables go to loss. The
  status is final; the borrower still owes (the replay keeps accruing) and later payments post
  as recoveries.
- A loan with nothing left to pay is CLOSED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.money.servicing import Position

ACTIVE, OVERDUE, CLOSED, WRITTEN_OFF = "ACTIVE", "OVERDUE", "CLOSED", "WRITTEN_OFF"
SERVICED = (ACTIVE, OVERDUE)  # statuses a close of business accrues and collects for
WRITE_OFF_DPD = 180

CURRENT, M1, M2, M3, M4_PLUS = "CURRENT", "M1", "M2", "M3", "M4+"
# (highest DPD in the bucket, bucket); anything above the last row is M4+
BUCKETS: tuple[tuple[int, str], ...] = ((0, CURRENT), (30, M1), (60, M2), (90, M3))
BUCKET_ORDER: tuple[str, ...] = (CURRENT, M1, M2, M3, M4_PLUS)

# What a change of status is called (COB summary, events)
BECAME_OVERDUE, CURED, BECAME_CLOSED, BECAME_WRITTEN_OFF = (
    "BECAME_OVERDUE",
    "CURED",
    "BECAME_CLOSED",
    "BECAME_WRITTEN_OFF",
)


def bucket(dpd: int) -> str:
    """CURRENT, M1 (1-30), M2 (31-60), M3 (61-90) or M4+ (91+)."""
    if dpd < 0:
        raise ValueError(f"days past due cannot be negative: {dpd}")
    for upper, name in BUCKETS:
        if dpd <= upper:
            return name
    return M4_PLUS


def status_for(previous: str, pos: Position, write_off_dpd: int = WRITE_OFF_DPD) -> str:
    """The status a loan has with this position. WRITTEN_OFF is final."""
    if previous == WRITTEN_OFF:
        return WRITTEN_OFF
    if pos.payoff_fen == 0:
        return CLOSED
    if pos.dpd >= write_off_dpd:
        return WRITTEN_OFF
    return OVERDUE if pos.dpd > 0 else ACTIVE


def transition(before: str, after: str) -> str | None:
    """The name of a change of status, or None when nothing a report counts changed."""
    if before == after:
        return None
    if after == OVERDUE and before == ACTIVE:
        return BECAME_OVERDUE
    if after == ACTIVE and before == OVERDUE:
        return CURED
    if after == CLOSED:
        return BECAME_CLOSED
    if after == WRITTEN_OFF:
        return BECAME_WRITTEN_OFF
    return None


@dataclass(frozen=True)
class Standing:
    """Where a loan stands on a business day (all fen): what the API shows and the line follows.

    `due_fen` is what must be paid that day for nothing to be overdue the next: 0 when nothing
    is due; else penalty, all the interest accrued, and the principal of the installments due by
    then. Interest accrued since the last due date is included because a payment settles
    penalty, then interest, then principal: principal due is only cleared once the interest
    before it is paid. It never exceeds the payoff."""

    as_of: date
    status: str
    dpd: int
    bucket: str
    outstanding_principal_fen: int
    interest_fen: int
    penalty_fen: int
    due_fen: int
    payoff_fen: int

    @property
    def frozen_line(self) -> bool:
        """Whether this loan freezes its borrower's line."""
        return self.status in (OVERDUE, WRITTEN_OFF)

    def as_record(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of.isoformat(),
            "status": self.status,
            "daysPastDue": self.dpd,
            "bucket": self.bucket,
            "outstandingPrincipalFen": self.outstanding_principal_fen,
            "interestFen": self.interest_fen,
            "penaltyFen": self.penalty_fen,
            "dueFen": self.due_fen,
            "payoffFen": self.payoff_fen,
        }


def due_fen(pos: Position) -> int:
    """What must be paid on `pos.as_of` for nothing to be overdue the next day (see Standing)."""
    if not (pos.due_principal_fen or pos.due_interest_fen):
        return pos.penalty_fen  # penalty left over from an overdue since paid (custom order)
    return pos.penalty_fen + pos.interest_fen + pos.due_principal_fen


def standing(previous_status: str, pos: Position, write_off_dpd: int = WRITE_OFF_DPD) -> Standing:
    """The standing of a loan with this position (see `status_for`)."""
    status = status_for(previous_status, pos, write_off_dpd)
    return Standing(
        pos.as_of,
        status,
        pos.dpd,
        bucket(pos.dpd),
        pos.outstanding_principal_fen,
        pos.interest_fen,
        pos.penalty_fen,
        due_fen(pos),
        pos.payoff_fen,
    )


__all__ = [
    "ACTIVE",
    "BUCKETS",
    "BUCKET_ORDER",
    "CLOSED",
    "OVERDUE",
    "WRITE_OFF_DPD",
    "WRITTEN_OFF",
    "Standing",
    "bucket",
    "due_fen",
    "standing",
    "status_for",
    "transition",
]

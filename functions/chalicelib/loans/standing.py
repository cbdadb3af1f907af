"""Where a loan stands today, pure: the status, days past due and bucket the borrower sees and
the line's freeze reads, computed from the contract and the payments on the day asked, so it is
right between two closes of business too. Only a close writes a loan off: until it has, a loan
past the write-off threshold shows as OVERDUE."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ..money.delinquency import OVERDUE, WRITTEN_OFF, Standing, standing
from ..money.servicing import position
from .port import DISBURSED, LoanRecord


def standing_on(loan: LoanRecord, day: date) -> Standing | None:
    """The loan's standing on `day` (never before its last payment); None until disbursed."""
    if loan.status not in DISBURSED:
        return None
    as_of = max(day, loan.start, *(p.on for p in loan.payments[-1:]))
    st = standing(loan.status, position(loan.servicing(), as_of))
    if st.status == WRITTEN_OFF and loan.status != WRITTEN_OFF:
        return replace(st, status=OVERDUE)
    return st

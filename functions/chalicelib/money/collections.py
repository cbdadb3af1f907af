"""Auto-debit, pure: on which days a loan's bound account is debited, for how much, and under
which idempotency key.

Rules (stated once, here):
- The retry schedule is the one table below: days after the oldest unpaid due date on which
  the account is debited (the due date itself is day 0), then every `then_every_days` while the
  loan stays overdue. A due date of a later installment is a collection day too. A written-off
  or closed loan is not debited (a written-off borrower's payments still post, as recoveries).
- The amount asked for is what is due that day (`delinquency.due_fen`: penalty, interest,
  principal due), never more. The rail takes what the account holds, up to that amount
  (`amount_to_debit`): a partial collection posts, and the rest is retried on the schedule.
- Closing business day D orders the collection for D+1 (the day the debit runs, early in the
  morning), so an installment collected on its due date is on time. The repayment workflow
  re-quotes before debiting: what the borrower paid in between is never collected twice.
- One collection per loan and day: the repayment id, and so the workflow's execution name and
  the rail key, is `auto-{loanId}-{YYYYMMDD}-{attempt}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.money.delinquency import SERVICED, Standing


@dataclass(frozen=True)
class RetrySchedule:
    """When to debit, counted in days from the oldest unpaid due date."""

    days: tuple[int, ...] = (0, 1, 3, 7)  # the due date, D+1, D+3, D+7
    then_every_days: int = 7  # D+14, D+21, ... while overdue

    def __post_init__(self) -> None:
        if not self.days or self.days[0] != 0 or list(self.days) != sorted(set(self.days)):
            raise ValueError("retry days start at 0 (the due date) and increase")
        if self.then_every_days <= 0:
            raise ValueError("then_every_days must be positive")

    def is_retry_day(self, days_past_due: int) -> bool:
        if days_past_due in self.days:
            return True
        last = self.days[-1]
        return days_past_due > last and (days_past_due - last) % self.then_every_days == 0

    def retry_number(self, days_past_due: int) -> int:
        """Which row of the schedule `days_past_due` is on (0 = the due date), or the last row
        reached before it when it is not a retry day."""
        if days_past_due <= self.days[-1]:
            return sum(1 for d in self.days if d <= days_past_due) - 1
        return len(self.days) - 1 + (days_past_due - self.days[-1]) // self.then_every_days


RETRY_SCHEDULE = RetrySchedule()


def amount_to_debit(due_fen: int, balance_fen: int) -> int:
    """Collect what the account holds, never more than is due (0: nothing to take)."""
    if type(due_fen) is not int or type(balance_fen) is not int:
        raise ValueError("amounts are integer fen")
    return max(0, min(due_fen, balance_fen))


@dataclass(frozen=True)
class CollectionOrder:
    """A debit to run on `on` for a loan: at most `amount_fen` (re-quoted when it runs)."""

    loan_id: str
    user_id: str
    on: date
    attempt: int
    amount_fen: int

    @property
    def repayment_id(self) -> str:
        """Also the repayment workflow's execution name: ids and date only, [A-Za-z0-9_-]."""
        return f"{AUTO_DEBIT_PREFIX}{self.loan_id}-{self.on:%Y%m%d}-{self.attempt}"

    def as_record(self) -> dict[str, Any]:
        return {
            "loanId": self.loan_id,
            "userId": self.user_id,
            "on": self.on.isoformat(),
            "attempt": self.attempt,
            "amountFen": self.amount_fen,
            "repaymentId": self.repayment_id,
        }


def collection_order(
    loan_id: str,
    user_id: str,
    due_dates: tuple[date, ...],
    st: Standing,
    schedule: RetrySchedule = RETRY_SCHEDULE,
) -> CollectionOrder | None:
    """The debit to run on `st.as_of`, or None when that is not a collection day or nothing is
    due. `st` is the loan's standing on that day before anything is paid on it."""
    if st.status not in SERVICED or st.due_fen <= 0:
        return None
    day = st.as_of
    is_due_date = day in due_dates
    if not (is_due_date or schedule.is_retry_day(st.dpd)):
        return None
    return CollectionOrder(loan_id, user_id, day, schedule.retry_number(st.dpd), st.due_fen)


AUTO_DEBIT_PREFIX = "auto-"


def is_auto_debit(repayment_id: str) -> bool:
    """Whether a repayment is an auto-debit of the close of business (not the borrower's)."""
    return repayment_id.startswith(AUTO_DEBIT_PREFIX)


COLLECTED, PARTIAL, FAILED = "COLLECTED", "PARTIAL", "FAILED"


@dataclass(frozen=True)
class CollectionOutcome:
    """What a debit did: the amount asked for and the amount the rail took (0 when declined or
    the account was empty)."""

    order: CollectionOrder
    collected_fen: int

    def __post_init__(self) -> None:
        if not 0 <= self.collected_fen <= self.order.amount_fen:
            raise ValueError("a collection takes between 0 and the amount ordered")

    @property
    def result(self) -> str:
        if self.collected_fen == self.order.amount_fen:
            return COLLECTED
        return PARTIAL if self.collected_fen else FAILED

    @property
    def short_fen(self) -> int:
        return self.order.amount_fen - self.collected_fen


def next_retry_day(on: date, dpd_on: int, schedule: RetrySchedule = RETRY_SCHEDULE) -> date:
    """The next retry day after `on`, for a loan `dpd_on` days past due on `on` that stays
    unpaid: what a 'collection failed' message can promise (a later due date may come first)."""
    d = dpd_on + 1
    while not schedule.is_retry_day(d):
        d += 1
    return on + timedelta(days=d - dpd_on)


__all__ = [
    "AUTO_DEBIT_PREFIX",
    "COLLECTED",
    "FAILED",
    "PARTIAL",
    "RETRY_SCHEDULE",
    "CollectionOrder",
    "CollectionOutcome",
    "RetrySchedule",
    "amount_to_debit",
    "collection_order",
    "is_auto_debit",
    "next_retry_day",
]

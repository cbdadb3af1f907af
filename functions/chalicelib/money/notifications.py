"""Borrower notifications, pure: which messages a day's close, a collection and a line review
produce.

They carry ids (user, loan, repayment, review), amounts in fen and dates; never a name, phone
number or ID number (PIPL): the SMS and push subscribers look contact details up on their side.
Each has a stable idempotency key made of its kind, its subject and its day, so a re-run of a
close or a retried workflow step produces the same keys, and the inbox and the event bus keep
each notification once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.money.collections import CollectionOutcome
from chalicelib.money.delinquency import OVERDUE, SERVICED, Standing

DUE_IN_3_DAYS = "DUE_IN_3_DAYS"
DUE_TODAY = "DUE_TODAY"
COLLECTION_SUCCEEDED = "COLLECTED"
COLLECTION_FAILED = "COLLECTION_FAILED"
OVERDUE_DAY_1 = "OVERDUE_DAY_1"
OVERDUE_DAY_7 = "OVERDUE_DAY_7"
LIMIT_CHANGED = "LIMIT_CHANGED"
APR_CHANGED = "APR_CHANGED"

# kind: the EventBridge detail-type other systems subscribe to
DETAIL_TYPES: dict[str, str] = {
    DUE_IN_3_DAYS: "Installment Due Soon",
    DUE_TODAY: "Installment Due Today",
    COLLECTION_SUCCEEDED: "Collection Succeeded",
    COLLECTION_FAILED: "Collection Failed",
    OVERDUE_DAY_1: "Loan Overdue",
    OVERDUE_DAY_7: "Loan Overdue",
    LIMIT_CHANGED: "Credit Limit Changed",
    APR_CHANGED: "Credit Line Repriced",
}
OVERDUE_REMINDER_DAYS: dict[int, str] = {1: OVERDUE_DAY_1, 7: OVERDUE_DAY_7}
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Notification:
    """One message to a borrower. `on` is the business day it is for; `data` holds amounts
    (fen), dates (ISO) and codes, nothing personal."""

    kind: str
    user_id: str
    on: date
    subject: str  # the loan, repayment or review it is about
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in DETAIL_TYPES:
            raise ValueError(f"unknown notification kind {self.kind!r}")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}:{self.on.isoformat()}"

    @property
    def detail_type(self) -> str:
        return DETAIL_TYPES[self.kind]

    def as_record(self) -> dict[str, Any]:
        """The inbox item and the event's detail (ids, amounts and dates only)."""
        return {
            "key": self.key,
            "kind": self.kind,
            "userId": self.user_id,
            "on": self.on.isoformat(),
            "subject": self.subject,
            **self.data,
        }


def day_notifications(
    loan_id: str,
    user_id: str,
    st: Standing,
    due_dates: tuple[date, ...],
    due_soon_fen: int = 0,
) -> tuple[Notification, ...]:
    """What the borrower is told on the business day `st.as_of` (the morning after a close):
    an installment due in 3 days (`due_soon_fen`, projected), due today, or the loan overdue
    for 1 or 7 days."""
    if st.status not in SERVICED:
        return ()
    out: list[Notification] = []
    day = st.as_of
    soon = date.fromordinal(day.toordinal() + DUE_SOON_DAYS)
    if due_soon_fen > 0 and soon in due_dates:
        out.append(
            Notification(
                DUE_IN_3_DAYS,
                user_id,
                day,
                loan_id,
                {"dueDate": soon.isoformat(), "amountFen": due_soon_fen},
            )
        )
    if day in due_dates and st.due_fen > 0:
        out.append(
            Notification(
                DUE_TODAY,
                user_id,
                day,
                loan_id,
                {"dueDate": day.isoformat(), "amountFen": st.due_fen},
            )
        )
    kind = OVERDUE_REMINDER_DAYS.get(st.dpd)
    if st.status == OVERDUE and kind:
        out.append(
            Notification(
                kind,
                user_id,
                day,
                loan_id,
                {"daysPastDue": st.dpd, "dueFen": st.due_fen, "penaltyFen": st.penalty_fen},
            )
        )
    return tuple(out)


def collection_notifications(
    outcome: CollectionOutcome, next_retry: date | None = None
) -> tuple[Notification, ...]:
    """'Collected' when the whole amount was taken; 'collection failed' when the account held
    less (what was taken, what is short, and when the next attempt is)."""
    o = outcome.order
    return repayment_notifications(
        o.user_id, o.loan_id, o.repayment_id, o.on, o.amount_fen, outcome.collected_fen, next_retry
    )


def repayment_notifications(
    user_id: str,
    loan_id: str,
    repayment_id: str,
    on: date,
    asked_fen: int,
    collected_fen: int,
    next_retry: date | None = None,
) -> tuple[Notification, ...]:
    """The same two messages for any debit, an auto-debit's or one the borrower asked for
    (the repayment workflow's): 'collected' when `asked_fen` was taken in full, else
    'collection failed' with what was taken and what is short."""
    if not 0 <= collected_fen <= asked_fen:
        raise ValueError("a collection takes between 0 and the amount asked for")
    if collected_fen == asked_fen:
        return (
            Notification(
                COLLECTION_SUCCEEDED,
                user_id,
                on,
                repayment_id,
                {"loanId": loan_id, "collectedFen": collected_fen},
            ),
        )
    data: dict[str, Any] = {
        "loanId": loan_id,
        "collectedFen": collected_fen,
        "shortFen": asked_fen - collected_fen,
    }
    if next_retry is not None:
        data["nextAttempt"] = next_retry.isoformat()
    return (Notification(COLLECTION_FAILED, user_id, on, repayment_id, data),)


def line_change_notifications(
    user_id: str,
    review_id: str,
    on: date,
    limit_before_fen: int,
    limit_after_fen: int,
    apr_before: Decimal,
    apr_after: Decimal,
    reason_codes: tuple[str, ...],
) -> tuple[Notification, ...]:
    """A limit raised or cut, and a new APR for new draws (signed contracts keep theirs)."""
    out = []
    codes = list(reason_codes)
    if limit_after_fen != limit_before_fen:
        out.append(
            Notification(
                LIMIT_CHANGED,
                user_id,
                on,
                review_id,
                {"limitBeforeFen": limit_before_fen, "limitFen": limit_after_fen, "reasons": codes},
            )
        )
    if apr_after != apr_before:
        out.append(
            Notification(
                APR_CHANGED,
                user_id,
                on,
                review_id,
                {"aprBefore": str(apr_before), "apr": str(apr_after), "reasons": codes},
            )
        )
    return tuple(out)


__all__ = [
    "APR_CHANGED",
    "COLLECTION_FAILED",
    "COLLECTION_SUCCEEDED",
    "DETAIL_TYPES",
    "DUE_IN_3_DAYS",
    "DUE_TODAY",
    "LIMIT_CHANGED",
    "OVERDUE_DAY_1",
    "OVERDUE_DAY_7",
    "Notification",
    "collection_notifications",
    "day_notifications",
    "line_change_notifications",
    "repayment_notifications",
]

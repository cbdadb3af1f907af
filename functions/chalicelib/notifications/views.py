"""The inbox as the API shows it: yuan strings, rates in percent, a line of text per message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..amounts import fen_to_yuan, percent, yuan_display
from ..money.notifications import (
    APR_CHANGED,
    COLLECTION_FAILED,
    COLLECTION_SUCCEEDED,
    DUE_IN_3_DAYS,
    DUE_TODAY,
    LIMIT_CHANGED,
    OVERDUE_DAY_1,
    OVERDUE_DAY_7,
)
from .port import StoredNotification
from .service import InboxPage

# fen field in the record -> yuan field on the wire
_YUAN = {
    "amountFen": "amount",
    "dueFen": "due",
    "penaltyFen": "penalty",
    "collectedFen": "collected",
    "shortFen": "short",
    "limitBeforeFen": "creditLimitBefore",
    "limitFen": "creditLimit",
}
_AS_IS = ("dueDate", "daysPastDue", "nextAttempt", "reasons")


def _text(kind: str, d: dict[str, Any]) -> str:
    def y(field: str) -> str:
        return yuan_display(int(d[field]))

    if kind == DUE_IN_3_DAYS:
        return f"{y('amountFen')} is due on {d['dueDate']}."
    if kind == DUE_TODAY:
        return f"{y('amountFen')} is due today; we will debit your card."
    if kind in (OVERDUE_DAY_1, OVERDUE_DAY_7):
        return (
            f"Your loan is {d['daysPastDue']} day(s) overdue: {y('dueFen')} is due, "
            "and penalty interest runs until it is paid."
        )
    if kind == COLLECTION_SUCCEEDED:
        return f"We received {y('collectedFen')}. Thank you."
    if kind == COLLECTION_FAILED:
        text = f"We could not collect {y('shortFen')}"
        if d.get("collectedFen"):
            text += f" (we received {y('collectedFen')})"
        if d.get("nextAttempt"):
            text += f"; we will try again on {d['nextAttempt']}"
        return text + "."
    if kind == LIMIT_CHANGED:
        return f"Your credit limit is now {y('limitFen')} (was {y('limitBeforeFen')})."
    if kind == APR_CHANGED:
        return (
            f"New draws now cost {percent(Decimal(d['apr']))}% a year "
            f"(was {percent(Decimal(d['aprBefore']))}%); your loans keep their rates."
        )
    return ""


def notification_view(s: StoredNotification) -> dict[str, Any]:
    n = s.notification
    d = n.data
    out: dict[str, Any] = {
        "notificationId": n.key,
        "kind": n.kind,
        "title": n.detail_type,
        "text": _text(n.kind, d),
        "date": n.on.isoformat(),
        "createdAt": s.created_at,
    }
    if n.kind in (COLLECTION_SUCCEEDED, COLLECTION_FAILED):
        out["loanId"] = d["loanId"]
        out["repaymentId"] = n.subject
    elif n.kind in (LIMIT_CHANGED, APR_CHANGED):
        out["reviewId"] = n.subject
    else:
        out["loanId"] = n.subject
    for field, wire in _YUAN.items():
        if field in d:
            out[wire] = fen_to_yuan(int(d[field]))
    for field in _AS_IS:
        if field in d:
            out[field] = d[field]
    if "apr" in d:
        out["apr"] = percent(Decimal(d["apr"]))
        out["aprBefore"] = percent(Decimal(d["aprBefore"]))
    return out


def inbox_view(page: InboxPage) -> dict[str, Any]:
    return {
        "notifications": [notification_view(s) for s in page.items],
        "nextCursor": page.cursor,
    }

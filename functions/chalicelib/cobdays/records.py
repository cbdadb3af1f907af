"""Closed business days as DynamoDB items (pure): PK `COB#{yyyy-mm-dd}`, SK `DAY`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .port import CLOSED, MAX_CAUSE, MAX_FAILED_IDS, NOT_CLOSED, ClosedDay


def day_key(day: date) -> dict[str, str]:
    return {"PK": f"COB#{day.isoformat()}", "SK": "DAY"}


def closed_item(
    day: date, summary: dict[str, Any], failed_loans: tuple[str, ...], at: str
) -> dict[str, Any]:
    return {
        **day_key(day),
        "type": "COB_DAY",
        "businessDate": day.isoformat(),
        "status": CLOSED,
        "summary": summary,
        "failedLoans": list(failed_loans[:MAX_FAILED_IDS]),
        "failedLoanCount": len(failed_loans),
        "updatedAt": at,
    }


def not_closed_request(day: date, error: str, cause: str, at: str) -> dict[str, Any]:
    """PutItem NOT_CLOSED unless the day is CLOSED already (a late failure never hides it)."""
    return {
        "Item": {
            **day_key(day),
            "type": "COB_DAY",
            "businessDate": day.isoformat(),
            "status": NOT_CLOSED,
            "error": error,
            "cause": cause[:MAX_CAUSE],
            "updatedAt": at,
        },
        "ConditionExpression": "attribute_not_exists(#pk) OR #st <> :closed",
        "ExpressionAttributeNames": {"#pk": "PK", "#st": "status"},
        "ExpressionAttributeValues": {":closed": CLOSED},
    }


def day_from_item(item: dict[str, Any]) -> ClosedDay:
    return ClosedDay(
        day=date.fromisoformat(item["businessDate"]),
        status=item["status"],
        updated_at=item["updatedAt"],
        # DynamoDB hands numbers back as Decimal; a summary holds whole counts and fen
        summary={
            k: int(v) if isinstance(v, Decimal) else v
            for k, v in (item.get("summary") or {}).items()
        },
        failed_loans=tuple(item.get("failedLoans") or ()),
        error=item.get("error"),
        cause=item.get("cause"),
    )

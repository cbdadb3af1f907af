"""The business date as one DynamoDB item (pure): PK `CLOCK`, SK `BUSINESS_DATE`.

The date is stored as an ISO string, which sorts as dates do, so "never earlier" is the write's
own condition (`#d <= :d`): two operators racing cannot move the clock back between a read and
a write.
"""

from __future__ import annotations

from datetime import date
from typing import Any

CLOCK_KEY = {"PK": "CLOCK", "SK": "BUSINESS_DATE"}


def get_request() -> dict[str, Any]:
    return {"Key": dict(CLOCK_KEY), "ConsistentRead": True}


def _update(day: date, at: str, condition: str, values: dict[str, str]) -> dict[str, Any]:
    return {
        "Key": dict(CLOCK_KEY),
        "UpdateExpression": "SET #d = :d, #at = :at, #type = :type",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {"#d": "businessDate", "#at": "updatedAt", "#type": "type"},
        "ExpressionAttributeValues": {
            ":d": day.isoformat(),
            ":at": at,
            ":type": "BUSINESS_CLOCK",
            **values,
        },
    }


def set_request(day: date, at: str) -> dict[str, Any]:
    """Set the date unless the item holds a later one (first set: any date)."""
    return _update(day, at, "attribute_not_exists(#d) OR #d <= :d", {})


def advance_request(read: date, day: date, at: str) -> dict[str, Any]:
    """Move from the date read to `day`, only if the date is still the one read."""
    return _update(day, at, "#d = :read", {":read": read.isoformat()})


def from_item(item: dict[str, Any] | None) -> date | None:
    return date.fromisoformat(item["businessDate"]) if item else None

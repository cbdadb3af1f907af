"""Closed business days in the lending table."""

from __future__ import annotations

from datetime import date
from typing import Any

from .port import ClosedDay
from .records import closed_item, day_from_item, day_key, not_closed_request


class DynamoCobDays:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record_closed(
        self, day: date, summary: dict[str, Any], failed_loans: tuple[str, ...], at: str
    ) -> ClosedDay:
        item = closed_item(day, summary, failed_loans, at)
        self._table.put_item(Item=item)
        return day_from_item(item)

    def record_not_closed(self, day: date, error: str, cause: str, at: str) -> ClosedDay:
        req = not_closed_request(day, error, cause, at)
        try:
            self._table.put_item(**req)
            return day_from_item(req["Item"])
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            got = self.get(day)
            assert got is not None  # the condition fails only on a CLOSED day
            return got

    def get(self, day: date) -> ClosedDay | None:
        item = self._table.get_item(Key=day_key(day), ConsistentRead=True).get("Item")
        return day_from_item(item) if item else None

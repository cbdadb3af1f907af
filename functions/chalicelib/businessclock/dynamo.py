"""The settable business clock in the lending table (the local cloud's `BUSINESS_CLOCK=table`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..clock import utc_now_iso
from ..errors import Conflict
from .port import ClockNotSet, EarlierDateRefused, after, check_day, check_days
from .records import advance_request, from_item, get_request, set_request


class DynamoBusinessClock:
    def __init__(self, table: Any) -> None:
        self._table = table

    def _read(self) -> date | None:
        return from_item(self._table.get_item(**get_request()).get("Item"))

    def today(self) -> date:
        day = self._read()
        if day is None:
            raise ClockNotSet("the business clock has no date yet: `lending clock set YYYY-MM-DD`")
        return day

    def set(self, day: date) -> date:
        check_day(day)
        try:
            self._table.update_item(**set_request(day, utc_now_iso()))
            return day
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            current = self._read()
            assert current is not None  # the condition fails only on a later date
            raise EarlierDateRefused(current, day) from None

    def advance(self, days: int) -> date:
        check_days(days)
        for _ in range(5):
            read = self.today()
            day = after(read, days)
            try:
                self._table.update_item(**advance_request(read, day, utc_now_iso()))
                return day
            except self._table.meta.client.exceptions.ConditionalCheckFailedException:
                continue  # moved by someone else since the read: advance from the new date
        raise Conflict("the business date kept changing under `advance`; try again")

"""Closed business days in memory: the fake the steps' fast tests use. Same contract as
DynamoCobDays."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from .port import CLOSED, ClosedDay
from .records import closed_item, day_from_item, not_closed_request


class InMemoryCobDays:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[date, ClosedDay] = {}

    def record_closed(
        self, day: date, summary: dict[str, Any], failed_loans: tuple[str, ...], at: str
    ) -> ClosedDay:
        with self._lock:
            self._days[day] = day_from_item(closed_item(day, summary, failed_loans, at))
            return self._days[day]

    def record_not_closed(self, day: date, error: str, cause: str, at: str) -> ClosedDay:
        with self._lock:
            got = self._days.get(day)
            if got is not None and got.status == CLOSED:
                return got
            self._days[day] = day_from_item(not_closed_request(day, error, cause, at)["Item"])
            return self._days[day]

    def get(self, day: date) -> ClosedDay | None:
        with self._lock:
            return self._days.get(day)

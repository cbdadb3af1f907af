"""The settable business clock in memory (tests)."""

from __future__ import annotations

import threading
from datetime import date

from .port import ClockNotSet, EarlierDateRefused, after, check_day, check_days


class InMemoryBusinessClock:
    def __init__(self, day: date | None = None) -> None:
        self._lock = threading.Lock()
        self._day = check_day(day) if day is not None else None

    def today(self) -> date:
        with self._lock:
            if self._day is None:
                raise ClockNotSet("the business clock has no date yet")
            return self._day

    def set(self, day: date) -> date:
        check_day(day)
        with self._lock:
            if self._day is not None and day < self._day:
                raise EarlierDateRefused(self._day, day)
            self._day = day
            return day

    def advance(self, days: int) -> date:
        check_days(days)
        with self._lock:
            if self._day is None:
                raise ClockNotSet("the business clock has no date yet")
            self._day = after(self._day, days)
            return self._day

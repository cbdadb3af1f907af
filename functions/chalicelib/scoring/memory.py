"""Scored inputs and drift reports in memory (tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any


class InMemoryScoredInputs:
    def __init__(self) -> None:
        self.by_day: dict[dt.date, list[dict[str, Any]]] = {}
        self.reports: dict[dt.date, tuple[int, dict[str, Any]]] = {}

    def add(self, day: dt.date, features: dict[str, Any]) -> None:
        self.by_day.setdefault(day, []).append(dict(features))

    def since(self, first_day: dt.date, last_day: dt.date) -> Iterator[dict[str, Any]]:
        for day in sorted(self.by_day):
            if first_day <= day <= last_day:
                yield from (dict(f) for f in self.by_day[day])

    def save_report(self, day: dt.date, window_days: int, report: dict[str, Any]) -> None:
        self.reports[day] = (window_days, report)

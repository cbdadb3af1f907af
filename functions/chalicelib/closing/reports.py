"""Start Reports: what runs once a business day is closed (the monthly bureau file, the
portfolio report), behind `port.AfterClose`.

`RecordedReportRequests` is the implementation until the reports are wired in: it records that
the reports of the day were asked for (cobdays/, once per day), where the reports' own job, or
an operator, finds the days to report on. It does no reporting itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..cobdays.port import CobDays
from .handoffs import Day
from .port import AfterClose


@dataclass
class RecordedReportRequests:
    days: CobDays
    now: Callable[[], str]

    def after_close(self, day: date) -> dict[str, Any]:
        first = self.days.record_report_request(day, self.now())
        return {"businessDate": day.isoformat(), "reportsRequested": True, "repeat": not first}


@dataclass
class StartReports:
    reports: AfterClose

    def __call__(self, state: Day) -> dict[str, Any]:
        return self.reports.after_close(state.day())

"""Start Reports: what runs once a business day is closed, behind `port.AfterClose`: on AWS
and locally `reports.service.Reports` (the month's bureau file on the month's last day, caught
up in the first days of the next; the portfolio report reads the book itself). Its answer
(ids, counts and keys) goes into the execution's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .handoffs import Day
from .port import AfterClose


@dataclass
class StartReports:
    reports: AfterClose

    def __call__(self, state: Day) -> dict[str, Any]:
        return self.reports.after_close(state.day()).as_summary()

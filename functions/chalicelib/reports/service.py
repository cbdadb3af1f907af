"""The reports the close of business starts once a day is closed (its last step):

    after_close(day) -> ReportsStarted

Today that is the monthly bureau report (bureau.py says when, and which accounts): read the
book, build the month's file, submit it through the `BureauReporter` (the sandbox writes
`reports/bureau/YYYY-MM.csv`). Idempotent: the file is a function of the book as of a past
month end, so a re-run of the close writes the same object again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..money.credit_reporting import to_csv
from .bureau import CATCH_UP, bureau_report, month_of, report_due
from .port import BureauReporter, LoanBook, Submission

log = logging.getLogger(__name__)

NOT_DUE, ALREADY_SUBMITTED, NO_ACCOUNTS = "NOT_DUE", "ALREADY_SUBMITTED", "NO_ACCOUNTS"


@dataclass(frozen=True)
class ReportsStarted:
    """What `after_close` did (ids, counts and keys only: it goes into the COB's output)."""

    day: date
    why: str  # MONTH_END, CATCH_UP (a report was written), NOT_DUE, ALREADY_SUBMITTED, NO_ACCOUNTS
    bureau: Submission | None = None

    def as_summary(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "why": self.why,
            "bureau": self.bureau.as_summary() if self.bureau else None,
        }


@dataclass
class Reports:
    book: LoanBook
    bureau: BureauReporter

    def after_close(self, day: date) -> ReportsStarted:
        due = report_due(day)
        if due is None:
            return ReportsStarted(day, NOT_DUE)
        month_day, why = due
        month = month_of(month_day)
        if why == CATCH_UP and self.bureau.submitted(month):
            return ReportsStarted(day, ALREADY_SUBMITTED)
        lines = bureau_report(self.book.disbursed_loans(), month_day)
        if not lines:
            return ReportsStarted(day, NO_ACCOUNTS)
        submission = self.bureau.submit(month, to_csv(lines))
        log.info(
            "bureau report %s: %d accounts, %s (%s)",
            month,
            submission.accounts,
            submission.key,
            why,
        )
        return ReportsStarted(day, why, submission)


__all__ = ["ALREADY_SUBMITTED", "NOT_DUE", "NO_ACCOUNTS", "Reports", "ReportsStarted"]

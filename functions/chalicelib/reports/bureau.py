"""The month's bureau report from the book, pure: which accounts it holds, and when the close
of business writes it.

Accounts: every loan drawn by the month's last day, one line each (`money.credit_reporting.
bureau_line`: status, balance, amount overdue, DPD and the 24-month repayment string as of the
month's end), sorted by account id so the same book gives the same bytes. A loan paid off is
reported once more, in the month it closed (`C`), and not after; a written-off loan goes on
being reported (`B`): it is still owed.

When (`report_due`): the close of a month's last day writes that month's report: every day of
the month is closed and booked by then, and the figures are as of that day's end. Should that
close not run (an outage), the closes of the next month's first `CATCH_UP_DAYS` days write the
missing report (they check it went). A month with no account writes no file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from ..loans.port import DISBURSED, LoanRecord
from ..money.credit_reporting import BureauLine, bureau_line, month_end

CATCH_UP_DAYS = 7
MONTH_END, CATCH_UP = "MONTH_END", "CATCH_UP"


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def report_due(day: date) -> tuple[date, str] | None:
    """After closing `day`: (a day of the month to report, why), or None. MONTH_END on a
    month's last day; CATCH_UP for the month before in the first days of a month (only if its
    report is missing: the caller checks)."""
    if day == month_end(day.year, day.month):
        return day, MONTH_END
    if day.day <= CATCH_UP_DAYS:
        return day.replace(day=1) - timedelta(days=1), CATCH_UP
    return None


def bureau_report(records: Iterable[LoanRecord], month: date) -> list[BureauLine]:
    """The lines of the report for the month of `month`."""
    end = month_end(month.year, month.month)
    out = []
    for r in records:
        if r.status not in DISBURSED or r.start > end:
            continue
        line = bureau_line(r.loan_id, r.user_id, r.servicing(), end, r.written_off_on)
        if line.history[-2] == "C":
            continue  # paid off before this month: reported when it closed
        out.append(line)
    return sorted(out, key=lambda x: x.account_id)


__all__ = ["CATCH_UP", "CATCH_UP_DAYS", "MONTH_END", "bureau_report", "month_of", "report_due"]

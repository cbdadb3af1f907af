"""The monthly bureau report: which accounts, the file's exact contents on a small book
computed by hand (tests/reports/book.py), when the close of business writes it, and that a
re-run writes the same object."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.loans.port import PENDING
from chalicelib.reports.bureau import CATCH_UP, MONTH_END, bureau_report, report_due
from chalicelib.reports.memory import InMemoryLoanBook, InMemoryReportFiles
from chalicelib.reports.port import bureau_key
from chalicelib.reports.sandbox import SandboxBureauReporter
from chalicelib.reports.service import ALREADY_SUBMITTED, NO_ACCOUNTS, NOT_DUE, Reports
from tests.reports.book import AS_OF, seeded

JUNE = (
    "accountId,userId,month,status,balanceFen,overdueFen,daysPastDue,history\n"
    "L-cur,u-cur,2026-06,NORMAL,1000000,0,0,//////////////////////*N\n"
    # 2,500 principal due 06-15 + interest 05-15..06-15 (31 days x 200) + penalty 15 x 75
    "L-m1,u-m1,2026-06,OVERDUE,1000000,257325,15,//////////////////////*1\n"
    "L-npl,u-npl,2026-06,OVERDUE,1000000,1052800,140,//////////////////*12345\n"
    "L-wo,u-wo,2026-06,WRITTEN_OFF,1000000,1083175,241,///////////////*12445BBB\n"
)


@pytest.mark.parametrize(
    "day,due",
    [
        (date(2026, 6, 30), (date(2026, 6, 30), MONTH_END)),
        (date(2024, 2, 29), (date(2024, 2, 29), MONTH_END)),
        (date(2026, 7, 1), (date(2026, 6, 30), CATCH_UP)),
        (date(2026, 7, 7), (date(2026, 6, 30), CATCH_UP)),
        (date(2026, 7, 8), None),
        (date(2026, 6, 29), None),
    ],
)
def test_when_a_report_is_due(day, due) -> None:
    assert report_due(day) == due


def test_the_june_report_holds_every_account_open_in_june_as_of_its_last_day() -> None:
    lines = bureau_report(seeded(), AS_OF)
    assert [x.account_id for x in lines] == ["L-cur", "L-m1", "L-npl", "L-wo"]
    # L-closed was paid off in March: reported that month (C), not after
    march = bureau_report(seeded(), date(2026, 3, 15))
    closed = next(x for x in march if x.account_id == "L-closed")
    assert (closed.status, closed.balance_fen, closed.history[-2:]) == ("CLOSED", 0, "*C")
    assert "L-closed" not in [x.account_id for x in bureau_report(seeded(), date(2026, 4, 30))]
    # a loan drawn after the month's end is not in it; a pending one never is
    assert [x.account_id for x in bureau_report(seeded(), date(2026, 1, 31))] == ["L-npl", "L-wo"]
    pending = next(r for r in seeded() if r.loan_id == "L-cur")
    assert bureau_report([replace(pending, status=PENDING)], AS_OF) == []


def _reports(records=None):
    files = InMemoryReportFiles()
    return Reports(InMemoryLoanBook(records or seeded()), SandboxBureauReporter(files)), files


def test_the_close_of_the_months_last_day_writes_its_file_and_a_rerun_the_same_object() -> None:
    reports, files = _reports()
    assert reports.after_close(date(2026, 6, 29)).why == NOT_DUE and files.objects == {}
    started = reports.after_close(AS_OF)
    assert started.why == MONTH_END and started.bureau is not None
    assert (started.bureau.key, started.bureau.accounts) == ("reports/bureau/2026-06.csv", 4)
    body, content_type = files.objects[bureau_key("2026-06")]
    assert body.decode() == JUNE and content_type.startswith("text/csv")
    again = reports.after_close(AS_OF)
    assert again.bureau == started.bureau and files.objects[bureau_key("2026-06")][0] == body
    # the next month's first closes see June's report went
    assert reports.after_close(date(2026, 7, 1)).why == ALREADY_SUBMITTED
    assert started.as_summary() == {
        "day": "2026-06-30",
        "why": "MONTH_END",
        "bureau": {
            "month": "2026-06",
            "key": "reports/bureau/2026-06.csv",
            "accounts": 4,
            "sha256": started.bureau.sha256,
        },
    }


def test_a_missed_month_end_is_caught_up_by_the_next_months_first_closes() -> None:
    reports, files = _reports()
    started = reports.after_close(date(2026, 7, 3))
    assert started.why == CATCH_UP and started.bureau.month == "2026-06"
    assert files.objects[bureau_key("2026-06")][0].decode() == JUNE
    assert reports.after_close(date(2026, 7, 4)).why == ALREADY_SUBMITTED
    assert files.puts == 1


def test_a_month_without_accounts_writes_no_file() -> None:
    reports, files = _reports()
    assert reports.after_close(date(2025, 8, 31)).why == NO_ACCOUNTS and files.objects == {}

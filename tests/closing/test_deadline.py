"""The close of business's deadline (closing/deadline.py): at 06:00 the day that ended at
midnight is CLOSED, or the check says so in a line the late alarm counts."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from chalicelib.closing.deadline import NEVER_RUN, CheckCloseOfBusiness
from chalicelib.cobdays.memory import InMemoryCobDays

SIX_AM = {"scheduledTime": "2026-04-02T22:00:00Z"}  # 06:00 on 04-03 in Asia/Shanghai
DAY = date(2026, 4, 2)


def _late_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "close_of_business_late", 0) == 1]


def test_a_closed_day_is_on_time_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    days = InMemoryCobDays()
    days.record_closed(DAY, {"loansClosed": 3}, (), "2026-04-02T17:10:00Z")
    with caplog.at_level(logging.INFO):
        out = CheckCloseOfBusiness(days, lambda: date(2026, 4, 3))(SIX_AM)
    assert out == {"businessDate": "2026-04-02", "status": "CLOSED", "late": False}
    assert _late_lines(caplog) == []


@pytest.mark.parametrize("failed", [True, False])
def test_a_failed_or_never_run_day_is_late_in_one_counted_line(
    failed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    days = InMemoryCobDays()
    if failed:
        days.record_not_closed(DAY, "States.TaskFailed", "Close Loans", "2026-04-02T17:10:00Z")
    with caplog.at_level(logging.INFO):
        out = CheckCloseOfBusiness(days, lambda: date(2026, 4, 3))(SIX_AM)
    status = "NOT_CLOSED" if failed else NEVER_RUN
    assert out == {"businessDate": "2026-04-02", "status": status, "late": True}
    (line,) = _late_lines(caplog)
    assert line.levelno == logging.ERROR
    assert line.business_date == line.correlation_id == "2026-04-02"


def test_without_a_schedule_time_it_checks_yesterday_by_the_business_clock() -> None:
    out = CheckCloseOfBusiness(InMemoryCobDays(), lambda: date(2026, 4, 3))({})
    assert out["businessDate"] == "2026-04-02"

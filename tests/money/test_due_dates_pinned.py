"""The due-date rule is part of the stored loan's format: a loan item leaves out due dates that
are `due_dates(start, n)` (loans/records.py), so the rule may not change under stored loans."""

from __future__ import annotations

from datetime import date

from chalicelib.money.schedule import due_dates


def test_the_draws_day_of_month_clamped_to_the_month_end() -> None:
    assert due_dates(date(2026, 1, 31), 4) == (
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    )
    assert due_dates(date(2027, 11, 30), 3) == (
        date(2027, 12, 30),
        date(2028, 1, 30),
        date(2028, 2, 29),  # a leap year's February
    )
    assert due_dates(date(2026, 3, 9), 36)[-1] == date(2029, 3, 9)
    assert len(due_dates(date(2026, 3, 9), 1)) == 1

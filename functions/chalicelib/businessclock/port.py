"""The settable business clock's port, and the rules every implementation keeps.

The local cloud's business date is one record. It only moves forward: a close of business that
ran for a day cannot be un-run, so setting an earlier date is refused and changes nothing.
Setting the date it already has is allowed (and changes nothing either).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from ..errors import Conflict


class ClockNotSet(RuntimeError):
    """The store holds no business date yet (the local cloud sets one when it starts)."""


class EarlierDateRefused(Conflict):
    """Setting the clock back: refused, nothing changed. The message names both dates."""

    def __init__(self, current: date, asked: date) -> None:
        super().__init__(
            f"the business date is {current.isoformat()}; it only moves forward, so "
            f"{asked.isoformat()} is refused (nothing changed)"
        )
        self.current = current
        self.asked = asked


class SettableClock(Protocol):
    """A `clock.BusinessClock` whose date an operator moves (`lending clock set/advance`)."""

    def today(self) -> date:
        """The business date, read from the store on every call (never cached), so a change
        takes effect at once in every function. ClockNotSet before the first `set`."""
        ...

    def set(self, day: date) -> date:
        """Move the business date to `day` and return it. EarlierDateRefused, with nothing
        changed, if `day` is before the date it has (a check made by the write itself)."""
        ...

    def advance(self, days: int) -> date:
        """Move the business date `days` (≥ 0) forward and return the new date."""
        ...


def check_day(day: object) -> date:
    # datetime is a subclass of date; a timestamp is not a business date.
    if type(day) is not date:
        raise TypeError(f"a business date is a datetime.date, not {type(day).__name__}")
    return day


def check_days(days: object) -> int:
    if type(days) is not int or days < 0:
        raise ValueError(f"the clock advances by a whole number of days >= 0, not {days!r}")
    return days


def after(day: date, days: int) -> date:
    return day + timedelta(days=check_days(days))

"""The one place that reads the wall clock; pure code takes timestamps and dates as arguments.

Two clocks, kept apart:

- Timestamps (`utcnow`, `utc_now_iso`): when something happened, for audit. Always the wall
  clock, in UTC, everywhere.
- The business date (`BusinessClock.today()`): which day the book is on. It decides interest
  to the day, due dates, a contract's start. On AWS it is the wall clock's date in Asia/Shanghai
  (`WallClock`); in the local cloud it is a date kept in the table that `lending clock set` /
  `advance` move (`businessclock.dynamo.DynamoBusinessClock`), so a developer can live four
  months of a loan in a minute. The wiring chooses one (`BUSINESS_CLOCK=wall|table`) and hands
  its `today` to every service and step that reads "today".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc_now_iso() -> str:
    # One format for every stored and shown timestamp ("...T12:00:00.000Z"), so strings from
    # different modules compare and sort alike.
    return iso(utcnow())


# Business days are China Standard Time (UTC+8, no daylight saving): a repayment made at
# 01:00 in Beijing pays interest to that Beijing day, not to the previous UTC day.
_CST = timezone(timedelta(hours=8))


def business_date_at(timestamp: str) -> date:
    """The business date a wall-clock timestamp falls on (its date in China Standard Time)."""
    return parse_iso(timestamp).astimezone(_CST).date()


def business_today() -> date:
    """The wall clock's business date. Services never call this: they get `today` from the
    wiring (`Container.clock`), which is this on AWS and the settable clock locally."""
    return datetime.now(_CST).date()


class BusinessClock(Protocol):
    """Which business day it is. Read on every call: the settable clock can move at any time."""

    def today(self) -> date: ...


class WallClock:
    """The business date on AWS: the wall clock's date in Asia/Shanghai."""

    def today(self) -> date:
        return business_today()

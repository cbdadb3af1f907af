"""The one place that reads the wall clock; pure code takes timestamps as arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone


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


def business_today() -> date:
    return datetime.now(_CST).date()

"""The one place that reads the wall clock; pure code takes timestamps as arguments."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")

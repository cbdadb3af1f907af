"""Every stored or shown timestamp has one shape, so strings from different modules sort alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from chalicelib.clock import iso, parse_iso, utc_now_iso

SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_now_has_the_same_shape_as_any_other_timestamp() -> None:
    assert SHAPE.match(utc_now_iso())
    assert SHAPE.match(iso(datetime(2026, 11, 28, 20, 0, tzinfo=timezone(timedelta(hours=8)))))


def test_a_timestamp_round_trips_to_the_millisecond_in_utc() -> None:
    t = datetime(2026, 11, 28, 12, 34, 56, 789000, tzinfo=UTC)
    assert iso(t) == "2026-11-28T12:34:56.789Z"
    assert parse_iso(iso(t)) == t
    assert (
        iso(datetime(2026, 11, 29, 4, 0, tzinfo=timezone(timedelta(hours=8))))
        == "2026-11-28T20:00:00.000Z"
    )

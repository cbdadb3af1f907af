"""Closed business days: one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.cobdays.dynamo import DynamoCobDays
from chalicelib.cobdays.memory import InMemoryCobDays
from chalicelib.cobdays.port import CLOSED, MAX_CAUSE, MAX_FAILED_IDS, NOT_CLOSED

D = date(2030, 3, 1)
AT = "2030-03-02T00:31:00Z"


@pytest.fixture(params=["memory", "dynamodb"])
def days(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryCobDays()
    return DynamoCobDays(request.getfixturevalue("dynamodb_table"))


def test_a_day_never_run_is_none(days) -> None:
    assert days.get(D) is None


def test_a_failed_day_is_recorded_and_a_rerun_that_closes_it_replaces_the_failure(days) -> None:
    failed = days.record_not_closed(D, "States.ExceedToleratedFailureThreshold", "x" * 5_000, AT)
    assert failed.status == NOT_CLOSED and len(failed.cause or "") == MAX_CAUSE
    assert days.get(D) == failed
    closed = days.record_closed(D, {"businessDate": D.isoformat(), "processed": 3}, ("L9",), AT)
    assert closed.status == CLOSED and closed.summary["processed"] == 3
    assert days.get(D) == closed and closed.failed_loans == ("L9",)
    # a failure arriving after the day closed never hides it
    assert days.record_not_closed(D, "Late", "late", AT) == closed
    assert days.get(D) == closed
    assert closed.as_json()["summary"] == {"businessDate": "2030-03-01", "processed": 3}


def test_the_failed_loans_kept_are_bounded(days) -> None:
    ids = tuple(f"L{i}" for i in range(MAX_FAILED_IDS + 5))
    assert len(days.record_closed(D, {}, ids, AT).failed_loans) == MAX_FAILED_IDS

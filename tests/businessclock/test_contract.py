"""The settable business clock: one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest

from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.businessclock.memory import InMemoryBusinessClock
from chalicelib.businessclock.port import ClockNotSet, EarlierDateRefused
from chalicelib.businessclock.records import CLOCK_KEY, set_request
from chalicelib.errors import Conflict

D = date(2026, 3, 2)


@pytest.fixture(params=["memory", "dynamodb"])
def clock(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryBusinessClock()
    return DynamoBusinessClock(request.getfixturevalue("dynamodb_table"))


def test_a_clock_without_a_date_says_so(clock) -> None:
    with pytest.raises(ClockNotSet, match="no date"):
        clock.today()
    with pytest.raises(ClockNotSet):
        clock.advance(1)


def test_set_then_read_and_advance(clock) -> None:
    assert clock.set(D) == D and clock.today() == D
    assert clock.advance(3) == date(2026, 3, 5) and clock.today() == date(2026, 3, 5)
    assert clock.advance(0) == date(2026, 3, 5)
    # across a month end and a leap day
    clock.set(date(2028, 2, 28))
    assert clock.advance(2) == date(2028, 3, 1)


def test_the_clock_only_moves_forward_and_a_refusal_changes_nothing(clock) -> None:
    clock.set(D)
    clock.set(D)  # the same date again: allowed, nothing moves
    with pytest.raises(EarlierDateRefused) as refused:
        clock.set(date(2026, 3, 1))
    assert isinstance(refused.value, Conflict)
    assert "2026-03-02" in str(refused.value) and "2026-03-01" in str(refused.value)
    assert clock.today() == D


@pytest.mark.parametrize("days", [-1, 1.5, "2", True])
def test_advance_takes_a_whole_number_of_days(clock, days) -> None:
    clock.set(D)
    with pytest.raises(ValueError):
        clock.advance(days)
    assert clock.today() == D


@pytest.mark.parametrize("day", ["2026-03-02", datetime(2026, 3, 2, 9, 0)])
def test_set_takes_a_date_not_a_string_or_a_timestamp(clock, day) -> None:
    with pytest.raises(TypeError):
        clock.set(day)


def test_concurrent_advances_all_count(clock, atomic_dynamodb) -> None:
    # Each advance is a read and a conditional write; a lost race reads again.
    clock.set(D)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: clock.advance(1), range(4)))
    assert clock.today() == date(2026, 3, 6)


def test_the_set_request_refuses_an_earlier_date_by_its_own_condition() -> None:
    req = set_request(D, "2026-03-02T00:00:00.000Z")
    assert req["Key"] == CLOCK_KEY == {"PK": "CLOCK", "SK": "BUSINESS_DATE"}
    assert req["ConditionExpression"] == "attribute_not_exists(#d) OR #d <= :d"
    assert req["ExpressionAttributeValues"][":d"] == "2026-03-02"

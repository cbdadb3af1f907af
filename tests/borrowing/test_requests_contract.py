"""The draw and repayment requests' store: one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.borrowing.requests.dynamo import DynamoMoneyRequests
from chalicelib.borrowing.requests.memory import InMemoryMoneyRequests
from chalicelib.borrowing.requests.port import FAILED, STUCK, SUCCEEDED, Draw, Repayment
from chalicelib.errors import Conflict


@pytest.fixture(params=["memory", "dynamodb"])
def requests(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryMoneyRequests()
    return DynamoMoneyRequests(request.getfixturevalue("dynamodb_table"))


def draw(loan_id: str, user: str = "u1", at: str = "2026-01-01T00:00:00.000Z") -> Draw:
    return Draw(loan_id, user, 500_000, 6, "equal-principal", "2026-01-01", Decimal("0.1080"), at)


def test_a_draw_is_added_once_read_back_and_listed_per_user_oldest_first(requests) -> None:
    requests.add_draw(draw("L2", at="2026-01-02T00:00:00.000Z"))
    requests.add_draw(draw("L1"))
    requests.add_draw(draw("L3", user="u2"))
    # a new request reads back as last updated when it was created
    assert requests.get_draw("L1") == replace(draw("L1"), updated_at=draw("L1").created_at)
    assert requests.get_draw("L9") is None
    assert [d.loan_id for d in requests.draws_for_user("u1")] == ["L1", "L2"]
    with pytest.raises(Conflict):
        requests.add_draw(draw("L1"))


def test_a_draw_ends_once_and_the_first_ending_stands(requests) -> None:
    requests.add_draw(draw("L1"))
    ended = requests.end_draw("L1", FAILED, "PayoutDeclined", "t1")
    assert (ended.status, ended.failure, ended.updated_at) == (FAILED, "PayoutDeclined", "t1")
    again = requests.end_draw("L1", STUCK, "Other", "t2")
    assert (again.status, again.failure) == (FAILED, "PayoutDeclined")
    with pytest.raises(Conflict):
        requests.end_draw("L-none", FAILED, None, "t")


def test_repayments_are_per_loan_oldest_first_and_end_once(requests) -> None:
    r2 = Repayment("R2", "L1", "u1", 100, "2026-01-05", "2026-01-05T00:00:02.000Z")
    r1 = Repayment("R1", "L1", "u1", 200, "2026-01-05", "2026-01-05T00:00:01.000Z")
    other = Repayment("R3", "L2", "u1", 300, "2026-01-05", "2026-01-05T00:00:00.000Z")
    for r in (r2, r1, other):
        requests.add_repayment(r)
    assert [r.repayment_id for r in requests.repayments("L1")] == ["R1", "R2"]
    assert requests.get_repayment("L1", "R1") == replace(r1, updated_at=r1.created_at)
    assert requests.get_repayment("L1", "R3") is None
    with pytest.raises(Conflict):
        requests.add_repayment(r1)
    assert requests.end_repayment("L1", "R1", SUCCEEDED, None, "t").status == SUCCEEDED
    assert requests.end_repayment("L1", "R1", FAILED, "x", "t").status == SUCCEEDED

"""The sandbox bank's book (`RailBook`): one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

import pytest

from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import (
    COLLECT,
    DECLINED,
    DEPOSIT,
    INSUFFICIENT_FUNDS,
    PAYOUT,
    SETTLED,
    WITHDRAWAL,
    BalanceChanged,
    RailResult,
)
from chalicelib.rail.records import balance_change, from_item, transfer_tx


@pytest.fixture(params=["memory", "dynamodb"])
def book(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryRailBook()
    return DynamoRailBook(request.getfixturevalue("dynamodb_table"))


def settled(key: str, kind: str, fen: int, ref: str = "card-u", asked: int | None = None):
    return RailResult(key, kind, SETTLED, fen, ref, fen if asked is None else asked)


def test_an_account_opens_once_and_keeps_its_first_balance(book) -> None:
    assert book.balance("card-u") is None
    assert book.open_account("card-u", 0) == 0
    assert book.open_account("card-u", 9_999) == 0
    assert book.balance("card-u") == 0


def test_a_transfer_moves_the_balance_with_its_record(book) -> None:
    book.open_account("card-u", 0)
    payout = settled("payout:l1", PAYOUT, 5_000)
    assert book.transfer(payout) == payout
    book.transfer(settled("deposit:1", DEPOSIT, 1_000))
    book.transfer(settled("collect:r1", COLLECT, 2_500, asked=4_000))
    book.transfer(settled("withdraw:1", WITHDRAWAL, 500))
    assert book.balance("card-u") == 3_000
    assert book.get("collect:r1") == settled("collect:r1", COLLECT, 2_500, asked=4_000)
    assert sorted(r.key for r in book.all()) == [
        "collect:r1",
        "deposit:1",
        "payout:l1",
        "withdraw:1",
    ]


def test_the_first_write_for_a_key_wins_and_a_repeat_moves_nothing(book) -> None:
    book.open_account("card-u", 0)
    first = settled("deposit:1", DEPOSIT, 1_000)
    book.transfer(first)
    assert book.transfer(settled("deposit:1", DEPOSIT, 7_000)) == first
    assert book.record(RailResult("deposit:1", DEPOSIT, DECLINED, 0, "card-u", 1)) == first
    assert book.balance("card-u") == 1_000


def test_a_debit_the_balance_does_not_cover_writes_nothing(book) -> None:
    book.open_account("card-u", 1_000)
    with pytest.raises(BalanceChanged):
        book.transfer(settled("collect:r1", COLLECT, 1_001))
    assert book.balance("card-u") == 1_000 and book.get("collect:r1") is None
    book.transfer(settled("collect:r1", COLLECT, 1_000))  # exactly covered
    assert book.balance("card-u") == 0


def test_a_transfer_to_an_account_never_opened_writes_nothing(book) -> None:
    with pytest.raises(BalanceChanged):
        book.transfer(settled("payout:l1", PAYOUT, 100))
    assert book.get("payout:l1") is None and book.balance("card-u") is None


def test_a_decline_is_recorded_without_moving_money(book) -> None:
    book.open_account("card-u", 0)
    r = RailResult("collect:r1", COLLECT, DECLINED, 0, "card-u", 500, INSUFFICIENT_FUNDS)
    assert book.record(r) == r and book.get("collect:r1") == r
    assert book.balance("card-u") == 0 and book.all() == [r]


def test_the_transfer_request_is_one_transaction_with_a_covering_condition() -> None:
    debit, put = transfer_tx("t", settled("collect:r1", COLLECT, 300, asked=500), "at")
    assert debit["Update"]["Key"] == {"PK": "BANK#card-u", "SK": "ACCOUNT"}
    assert debit["Update"]["ConditionExpression"] == "attribute_exists(#pk) AND #b >= :need"
    assert debit["Update"]["ExpressionAttributeValues"][":need"] == 300
    assert put["Put"]["Item"]["PK"] == "RAIL#collect:r1"
    assert put["Put"]["ConditionExpression"] == "attribute_not_exists(#pk)"
    credit, _ = transfer_tx("t", settled("payout:l1", PAYOUT, 300), "at")
    assert credit["Update"]["ConditionExpression"] == "attribute_exists(#pk)"
    assert balance_change(settled("x", WITHDRAWAL, 7)) == -7
    assert balance_change(RailResult("x", COLLECT, DECLINED, 0, "a", 7)) == 0


def test_transfers_stored_before_partial_collections_read_as_they_were() -> None:
    old = {"key": "k", "kind": "collect", "accountRef": "a", "reason": "declined by bank"}
    assert from_item({**old, "status": "settled", "amountFen": 500}).requested_fen == 500
    declined = from_item({**old, "status": "declined", "amountFen": 500})
    assert (declined.amount_fen, declined.requested_fen) == (0, 500)

"""The sandbox bank: accounts with balances, idempotent per key, partial collections, faults
reproducible from the seed (for payouts and collections alike), state shareable."""

from __future__ import annotations

import pytest

from chalicelib.errors import (
    CollectionOutcomeUnknown,
    Conflict,
    PayoutOutcomeUnknown,
    Unprocessable,
)
from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import (
    COLLECT,
    DECLINED,
    DECLINED_BY_BANK,
    INSUFFICIENT_FUNDS,
    PAYOUT,
    SETTLED,
)
from chalicelib.rail.records import put_rail_txn_request
from chalicelib.rail.sandbox import Faults, SandboxRail


@pytest.fixture(params=["memory", "dynamodb"])
def state(request):
    if request.param == "memory":
        return InMemoryRailBook()
    return DynamoRailBook(request.getfixturevalue("dynamodb_table"))


def test_repeating_a_key_never_moves_money_twice(state) -> None:
    rail = SandboxRail(state)
    a = rail.payout("k1", "acct", 1_000)
    b = rail.payout("k1", "acct", 1_000)
    assert a == b and a.status == SETTLED
    assert rail.moved() == {PAYOUT: 1_000, COLLECT: 0}
    with pytest.raises(Conflict):
        rail.payout("k1", "acct", 2_000)
    assert rail.status("k1") == a and rail.status("nope") is None


def test_declines_are_recorded_and_final(state) -> None:
    rail = SandboxRail(state)
    rail.deposit("d1", "decline-u", 500)
    r = rail.collect("c1", "decline-u", 500)
    assert r.status == DECLINED and rail.collect("c1", "decline-u", 500).status == DECLINED
    assert (r.reason, r.amount_fen, r.requested_fen) == (DECLINED_BY_BANK, 0, 500)
    assert rail.moved()[COLLECT] == 0 and rail.balance("decline-u") == 500


def test_timeout_after_moves_money_and_status_tells(state) -> None:
    rail = SandboxRail(state, Faults(timeout_after=1.0))
    with pytest.raises(PayoutOutcomeUnknown):
        rail.payout("k", "acct", 700)
    assert rail.status("k").status == SETTLED and rail.moved()[PAYOUT] == 700


@pytest.mark.parametrize("fault", ["error_5xx", "timeout_before"])
def test_refused_before_processing_moves_nothing(state, fault) -> None:
    rail = SandboxRail(state, Faults(**{fault: 1.0}))
    with pytest.raises(PayoutOutcomeUnknown):
        rail.payout("k", "acct", 700)
    assert rail.status("k") is None and rail.moved()[PAYOUT] == 0


def test_faults_are_reproducible_from_the_seed() -> None:
    def run(seed: int) -> list[str]:
        rail = SandboxRail(InMemoryRailBook(), Faults(0.2, 0.2, 0.2, 0.2, seed=seed))
        out = []
        for i in range(50):
            try:
                out.append(rail.payout(f"k{i}", "a", 1).status)
            except PayoutOutcomeUnknown:
                out.append("unknown")
        return out

    assert run(1) == run(1) and run(1) != run(2)


def test_shared_state_is_one_bank_per_process() -> None:
    assert InMemoryRailBook.shared("t") is InMemoryRailBook.shared("t")
    SandboxRail(InMemoryRailBook.shared("t")).payout("shared-k", "a", 5)
    assert SandboxRail(InMemoryRailBook.shared("t")).status("shared-k").amount_fen == 5


def test_rail_put_is_conditional() -> None:
    from chalicelib.rail.port import RailResult

    req = put_rail_txn_request(RailResult("k", PAYOUT, SETTLED, 1, "a", 1))
    assert (
        req["Item"]["PK"] == "RAIL#k" and req["ConditionExpression"] == "attribute_not_exists(#pk)"
    )


def test_latency_is_configurable() -> None:
    import time

    rail = SandboxRail(InMemoryRailBook(), Faults(latency_s=(0.02, 0.02)))
    t0 = time.perf_counter()
    rail.payout("k", "a", 1)
    assert time.perf_counter() - t0 >= 0.02


# --- accounts ----------------------------------------------------------------------------------


def test_an_account_is_empty_until_money_is_paid_in(state) -> None:
    rail = SandboxRail(state)
    assert rail.balance("card-u") == 0
    rail.payout("payout:l1", "card-u", 300_000)
    rail.deposit("deposit:1", "card-u", 5_000)
    rail.withdraw("withdraw:1", "card-u", 2_000)
    assert rail.balance("card-u") == 303_000
    # a deposit and a withdrawal are the borrower's own: not money between us and them
    assert rail.moved() == {PAYOUT: 300_000, COLLECT: 0}


def test_a_collection_takes_what_the_account_holds_never_more_than_asked(state) -> None:
    rail = SandboxRail(state)
    rail.deposit("d", "card-u", 700)
    full = rail.collect("c1", "card-u", 300)
    partial = rail.collect("c2", "card-u", 1_000)
    assert (full.status, full.amount_fen, full.short_fen) == (SETTLED, 300, 0)
    assert (partial.status, partial.amount_fen, partial.requested_fen) == (SETTLED, 400, 1_000)
    assert partial.short_fen == 600 and rail.balance("card-u") == 0
    # the repeat of a partial collection is the same partial result, money moved once
    rail.deposit("d2", "card-u", 5_000)
    assert rail.collect("c2", "card-u", 1_000) == partial and rail.balance("card-u") == 5_000
    assert rail.status("c2") == partial and rail.moved()[COLLECT] == 700


def test_a_collection_from_an_empty_account_is_declined_for_insufficient_funds(state) -> None:
    rail = SandboxRail(state)
    r = rail.collect("c1", "card-u", 500)
    assert (r.status, r.reason, r.amount_fen) == (DECLINED, INSUFFICIENT_FUNDS, 0)
    rail.deposit("d", "card-u", 500)
    assert rail.collect("c1", "card-u", 500) == r  # final, like any decline
    assert rail.balance("card-u") == 500


def test_a_withdrawal_never_overdraws_and_changes_nothing_when_refused(state) -> None:
    rail = SandboxRail(state)
    rail.deposit("d", "card-u", 1_000)
    with pytest.raises(Unprocessable, match=r"holds 10\.00, less than the 10\.01"):
        rail.withdraw("w1", "card-u", 1_001)
    assert rail.balance("card-u") == 1_000 and rail.status("w1") is None
    assert rail.withdraw("w2", "card-u", 1_000).amount_fen == 1_000
    assert rail.balance("card-u") == 0


def test_a_key_names_one_transfer(state) -> None:
    rail = SandboxRail(state)
    rail.deposit("d", "card-u", 1_000)
    assert rail.deposit("d", "card-u", 1_000).amount_fen == 1_000
    assert rail.balance("card-u") == 1_000  # the repeat moved nothing
    rail.collect("c", "card-u", 400)
    for again in (
        lambda: rail.collect("c", "card-u", 401),
        lambda: rail.collect("c", "card-v", 400),
        lambda: rail.payout("c", "card-u", 400),
        lambda: rail.withdraw("d", "card-u", 1_000),
    ):
        with pytest.raises(Conflict):
            again()
    assert rail.balance("card-u") == 600


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", True])
def test_amounts_are_positive_integer_fen(state, amount) -> None:
    rail = SandboxRail(state)
    for move in (rail.deposit, rail.withdraw, rail.collect, rail.payout):
        with pytest.raises(ValueError):
            move("k", "card-u", amount)
    assert rail.balance("card-u") == 0


def test_an_opening_balance_for_accounts_the_bank_has_not_seen(state) -> None:
    rail = SandboxRail(state, opening_fen=10_000)
    assert rail.balance("card-new") == 10_000
    assert rail.collect("c", "card-new", 4_000).amount_fen == 4_000
    assert rail.balance("card-new") == 6_000
    rail.payout("p", "card-other", 100)
    assert rail.balance("card-other") == 10_100
    with pytest.raises(ValueError):
        SandboxRail(state, opening_fen=-1)


def test_faults_apply_to_collections_too(state) -> None:
    # timeout after: the money moved (what the account held, up to the amount), the caller
    # does not know; status tells
    rail = SandboxRail(state, Faults(timeout_after=1.0))
    rail.deposit("d", "card-u", 300)
    with pytest.raises(CollectionOutcomeUnknown):
        rail.collect("c1", "card-u", 500)
    assert rail.status("c1").amount_fen == 300 and rail.balance("card-u") == 0
    with pytest.raises(CollectionOutcomeUnknown):
        rail.collect("c1", "card-u", 500)  # the repeat may time out too; nothing moves again
    assert rail.moved()[COLLECT] == 300


@pytest.mark.parametrize("fault", ["error_5xx", "timeout_before"])
def test_a_collection_refused_before_processing_takes_nothing(state, fault) -> None:
    rail = SandboxRail(state, Faults(**{fault: 1.0}))
    rail.deposit("d", "card-u", 900)
    with pytest.raises(CollectionOutcomeUnknown):
        rail.collect("c1", "card-u", 500)
    assert rail.status("c1") is None and rail.balance("card-u") == 900


def test_a_declined_collection_takes_nothing_even_with_money_on_the_card(state) -> None:
    rail = SandboxRail(state, Faults(decline=1.0))
    rail.deposit("d", "card-u", 900)
    r = rail.collect("c1", "card-u", 500)
    assert (r.status, r.reason) == (DECLINED, DECLINED_BY_BANK) and rail.balance("card-u") == 900

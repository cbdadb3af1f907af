"""The sandbox bank: idempotent per key, faults reproducible from the seed, state shareable."""

from __future__ import annotations

import pytest

from chalicelib.errors import Conflict, PayoutOutcomeUnknown
from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import COLLECT, DECLINED, PAYOUT, SETTLED
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
    r = rail.collect("c1", "decline-u", 500)
    assert r.status == DECLINED and rail.collect("c1", "decline-u", 500).status == DECLINED
    assert rail.moved()[COLLECT] == 0


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

    req = put_rail_txn_request(RailResult("k", PAYOUT, SETTLED, 1, "a"))
    assert (
        req["Item"]["PK"] == "RAIL#k" and req["ConditionExpression"] == "attribute_not_exists(#pk)"
    )


def test_latency_is_configurable() -> None:
    import time

    rail = SandboxRail(InMemoryRailBook(), Faults(latency_s=(0.02, 0.02)))
    t0 = time.perf_counter()
    rail.payout("k", "a", 1)
    assert time.perf_counter() - t0 >= 0.02

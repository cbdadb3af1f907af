"""The idempotency claims' store: one suite, the fake and DynamoDB (moto)."""

from __future__ import annotations

import pytest

from chalicelib.idempotency.dynamo import DynamoIdempotencyStore
from chalicelib.idempotency.memory import InMemoryIdempotencyStore
from chalicelib.idempotency.port import TTL_SECONDS, Claim


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryIdempotencyStore()
    return DynamoIdempotencyStore(request.getfixturevalue("dynamodb_table"))


def test_the_first_claim_wins_and_a_repeat_sees_it(store) -> None:
    first = Claim("h1", "app_1", 1_000)
    assert store.claim("u1", "key-1", first) is None
    assert store.claim("u1", "key-1", Claim("h1", "app_2", 1_001)) == first
    assert store.claim("u1", "key-1", Claim("h2", "app_3", 1_002)) == first


def test_keys_are_per_user(store) -> None:
    assert store.claim("u1", "key-1", Claim("h1", "app_1", 1_000)) is None
    assert store.claim("u2", "key-1", Claim("h1", "app_2", 1_000)) is None


def test_release_frees_the_key_but_only_for_its_own_resource(store) -> None:
    store.claim("u1", "key-1", Claim("h1", "app_1", 1_000))
    store.release("u1", "key-1", "app_other")  # someone else's: nothing happens
    assert store.claim("u1", "key-1", Claim("h1", "app_2", 1_001)) == Claim("h1", "app_1", 1_000)
    store.release("u1", "key-1", "app_1")
    assert store.claim("u1", "key-1", Claim("h1", "app_2", 1_002)) is None


def test_an_abandoned_claim_is_taken_over_once(store) -> None:
    old = Claim("h1", "app_1", 1_000)
    store.claim("u1", "key-1", old)
    assert store.take_over("u1", "key-1", old, Claim("h1", "app_1", 1_100)) is True
    # a second taker saw the old claim too: it lost
    assert store.take_over("u1", "key-1", Claim("h1", "app_9", 1_000), Claim("h1", "x", 1)) is False


def test_an_expired_claim_counts_as_free(store) -> None:
    store.claim("u1", "key-1", Claim("h1", "app_1", 1_000))
    later = 1_000 + TTL_SECONDS + 1
    assert store.claim("u1", "key-1", Claim("h2", "app_2", later)) is None


def test_a_claim_met_again_by_its_own_retry_is_still_ours(store) -> None:
    # The first write landed and its answer was lost (a 500); the SDK wrote it again and met
    # it. Answering "held by another request" here made the phone wait out the 30 s takeover.
    mine = Claim("h1", "app_1", 1_000)
    assert store.claim("u1", "key-1", mine) is None
    assert store.claim("u1", "key-1", mine) is None
    assert store.claim("u1", "key-1", Claim("h1", "app_2", 1_000)) == mine

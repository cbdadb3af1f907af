from __future__ import annotations

import pytest

from chalicelib.errors import Conflict, Unprocessable
from chalicelib.idempotency import DynamoIdempotencyStore, InMemoryIdempotencyStore, StoredResponse


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryIdempotencyStore()
    return DynamoIdempotencyStore(request.getfixturevalue("dynamodb_table"))


def test_first_request_runs_and_a_repeat_gets_the_first_response(store) -> None:
    assert store.begin("u1", "key-1", "h1") is None
    store.complete("u1", "key-1", StoredResponse(202, {"applicationId": "app_x"}))
    assert store.begin("u1", "key-1", "h1") == StoredResponse(202, {"applicationId": "app_x"})


def test_same_key_other_body_is_refused(store) -> None:
    store.begin("u1", "key-1", "h1")
    store.complete("u1", "key-1", StoredResponse(202, {}))
    with pytest.raises(Unprocessable):
        store.begin("u1", "key-1", "h2")


def test_in_flight_duplicate_conflicts_and_abandon_frees_the_key(store) -> None:
    assert store.begin("u1", "key-1", "h1") is None
    with pytest.raises(Conflict):
        store.begin("u1", "key-1", "h1")
    store.abandon("u1", "key-1")
    assert store.begin("u1", "key-1", "h1") is None


def test_keys_are_per_user(store) -> None:
    assert store.begin("u1", "key-1", "h1") is None
    assert store.begin("u2", "key-1", "h1") is None

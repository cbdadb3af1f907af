"""Lambda containers as processes (localcloud/lambda_pool.py, lambda_runtime.py): the router's
semantics hold when a function runs in a process of its own, and its AWS requests reach this
process's moto.

The handlers are tests/localcloud/pool_handlers.py, loaded by handler string in each container.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.lambda_pool import LambdaPool
from localcloud.lambda_router import InProcessLambda

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lambda_pool")]

HANDLERS = "tests.localcloud.pool_handlers"
TABLE = "pool-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # what the containers start with
    with mock_aws():
        ddb = boto3.resource("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb.Table(TABLE)


def in_process(event: Any, context: Any) -> dict[str, Any]:
    return {"pid": os.getpid()}


def router_with(size: int) -> tuple[InProcessLambda, LambdaPool]:
    router = InProcessLambda({"in_process": in_process}, name_prefix="stack-")
    for name in ("where", "refuse", "die", "write_and_read"):
        router.register(name, in_process, f"{HANDLERS}.{name}")
    pool = LambdaPool(size)
    router.use_pool(pool)
    return router, pool


def invoke(router: InProcessLambda, name: str, event: Any) -> tuple[Any, str | None]:
    response = router.invoke(FunctionName=name, Payload=json.dumps(event))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_a_function_runs_in_a_container_and_answers_as_lambda(aws: Any) -> None:
    router, pool = router_with(1)
    try:
        payload, error = invoke(
            router, "arn:aws:lambda:us-east-1:1:function:stack-where", {"x": [1, "two"]}
        )
        assert error is None
        assert payload["pid"] != os.getpid()
        assert payload["event"] == {"x": [1, "two"]}
        assert payload["function"] == "where"
        # a function registered without a handler string stays in this process
        assert invoke(router, "in_process", {})[0]["pid"] == os.getpid()
        ran = router.invocations[0]
        assert ran.function == "where" and ran.cpu_s is not None and ran.cpu_s >= 0
        # the same container serves the next invocation (it is warm)
        assert invoke(router, "where", {})[0]["pid"] == payload["pid"]
        assert pool.containers() == 1
    finally:
        pool.stop()


def test_an_exception_is_reported_by_its_class_name(aws: Any) -> None:
    router, pool = router_with(1)
    try:
        payload, error = invoke(router, "refuse", {"account": "card-1"})
        assert error == "Unhandled"
        assert payload["errorType"] == "InsufficientFunds"
        assert "card-1" in payload["errorMessage"]
        assert router.invocations[-1].error_type == "InsufficientFunds"
    finally:
        pool.stop()


def test_a_dying_runtime_fails_its_invocation_and_is_replaced(aws: Any) -> None:
    router, pool = router_with(1)
    try:
        first = invoke(router, "where", {})[0]["pid"]
        payload, error = invoke(router, "die", {"table": TABLE})
        assert error == "Unhandled"
        assert payload["errorType"] == "Runtime.ExitError"
        # what it wrote before it died stays written, as on AWS
        assert "Item" in aws.get_item(Key={"PK": "written-before-dying", "SK": "X"})
        assert pool.containers() == 0
        again = invoke(router, "where", {})[0]["pid"]
        assert again not in (first, os.getpid())
    finally:
        pool.stop()


def test_an_invocation_waiting_for_a_dying_container_gets_a_new_one(aws: Any) -> None:
    router, pool = router_with(1)
    answers: dict[str, Any] = {}
    try:
        dying = threading.Thread(
            target=lambda: answers.update(die=invoke(router, "die", {"table": TABLE})), daemon=True
        )
        dying.start()
        while pool.containers() == 0:  # the dying one holds the only place
            threading.Event().wait(0.01)
        waiting = threading.Thread(
            target=lambda: answers.update(where=invoke(router, "where", {})), daemon=True
        )
        waiting.start()
        dying.join(timeout=30)
        waiting.join(timeout=30)
        assert not waiting.is_alive(), "the waiting invocation never got a container"
        assert answers["die"][0]["errorType"] == "Runtime.ExitError"
        assert answers["where"][1] is None and answers["where"][0]["pid"] != os.getpid()
    finally:
        pool.stop()


def test_requests_reach_this_process_moto_from_the_handler_s_threads(aws: Any) -> None:
    router, pool = router_with(1)
    seen: list[tuple[str, str]] = []
    pool.observers.append(lambda who, what, body, answer: seen.append((who, what)))
    try:
        payload, error = invoke(router, "write_and_read", {"table": TABLE, "items": 40})
        assert error is None, payload
        assert payload["seen"] == list(range(40))
        assert int(aws.get_item(Key={"PK": "item-39", "SK": "X"})["Item"]["n"]) == 39
        assert seen.count(("write_and_read", "DynamoDB_20120810.PutItem")) == 40
        assert seen.count(("write_and_read", "DynamoDB_20120810.GetItem")) == 40
    finally:
        pool.stop()


def test_concurrent_invocations_get_containers_of_their_own_up_to_the_size(aws: Any) -> None:
    def pids(router: InProcessLambda, n: int) -> set[int]:
        out: list[int] = []
        lock = threading.Lock()

        def one() -> None:
            pid = invoke(router, "where", {"sleep": 0.5})[0]["pid"]
            with lock:
                out.append(pid)

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(out) == n
        return set(out)

    router, pool = router_with(2)
    try:
        assert len(pids(router, 2)) == 2
        assert len(pids(router, 4)) == 2  # the other two waited for a free container
        assert pool.containers() == 2
    finally:
        pool.stop()
    router, pool = router_with(1)
    try:
        assert len(pids(router, 3)) == 1
    finally:
        pool.stop()


def test_a_pool_has_a_container_at_least() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LambdaPool(0)

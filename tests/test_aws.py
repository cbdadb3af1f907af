"""The lending table's client: DynamoDB's "not now" answers become StoreBusy, which the ASL
retries and the API answers with 503; everything else reaches the adapters as DynamoDB sent it.
The answers are DynamoDB's own error shapes, injected at the botocore layer as the chaos run
does (localcloud/faults.py)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.aws import Clients
from chalicelib.errors import StoreBusy
from localcloud.faults import _error, _http
from tests.conftest import TABLE_NAME


def answering(table: Any, status: int, code: str) -> None:
    """Make the table's client answer every request with DynamoDB's error `code`."""
    table.meta.client.meta.events.register(
        "before-call.dynamodb", lambda **_: (_http(status), _error(code, code, status))
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ProvisionedThroughputExceededException"),
        (400, "ThrottlingException"),
        (400, "RequestLimitExceeded"),
        (400, "TransactionConflictException"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
def test_not_now_answers_are_store_busy(dynamodb_table: Any, status: int, code: str) -> None:
    table = Clients(TABLE_NAME).table
    answering(table, status, code)
    with pytest.raises(StoreBusy, match=code):
        table.get_item(Key={"PK": "X", "SK": "Y"})


def test_a_refusal_stays_what_dynamodb_said(dynamodb_table: Any) -> None:
    table = Clients(TABLE_NAME).table
    table.put_item(Item={"PK": "X", "SK": "Y"})
    with pytest.raises(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.put_item(Item={"PK": "X", "SK": "Y"}, ConditionExpression="attribute_not_exists(PK)")
    answering(table, 400, "TransactionCanceledException")
    with pytest.raises(table.meta.client.exceptions.TransactionCanceledException):
        table.meta.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE_NAME, "Item": {"PK": {"S": "Z"}, "SK": {"S": "Z"}}}}
            ]
        )

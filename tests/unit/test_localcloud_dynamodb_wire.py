"""The local cloud writes DynamoDB item results itself; they must read back exactly as moto's did."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from localcloud import engine
from localcloud.template import table_create_args

ITEM = {
    "PK": "APP#1", "SK": "APP", "n": 12, "f": "0.25", "flag": True, "nothing": None,
    "nested": {"list": [1, "two", {"three": [3]}], "empty": {}}, "strings": {"a", "b"}, "numbers": {1, 2},
    "blob": b"\x00\x01binary",
}


def _read_all() -> dict:
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        table.put_item(Item=ITEM)
        return {
            "get": table.get_item(Key={"PK": "APP#1", "SK": "APP"})["Item"],
            "query": table.query(KeyConditionExpression=boto3.dynamodb.conditions.Key("PK").eq("APP#1"))["Items"],
            "update": table.update_item(Key={"PK": "APP#1", "SK": "APP"}, UpdateExpression="SET #n = #n + :one",
                                        ExpressionAttributeNames={"#n": "n"}, ExpressionAttributeValues={":one": 1},
                                        ReturnValues="ALL_NEW")["Attributes"],
            "missing": table.get_item(Key={"PK": "nope", "SK": "APP"}).get("Item"),
        }


def test_fast_wire_format_reads_back_like_motos_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.responses import DynamoResult

    expected = _read_all()
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result)  # restored after the test
    engine._patch_dynamodb_responses()
    assert _read_all() == expected

"""The local cloud's Scan (engine patch 19) pages as moto's does, without sorting the table for
every page or copying what the filter drops: same items, same pages, same LastEvaluatedKeys,
segments, filters, projections and the 1 MB page included."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud import engine
from localcloud.template import table_create_args


def _pages(client: Any, **kwargs: Any) -> list[tuple[list[str], dict[str, Any] | None]]:
    pages = []
    start = None
    while True:
        request = {"TableName": "t", **kwargs}
        if start:
            request["ExclusiveStartKey"] = start
        page = client.scan(**request)
        pages.append(
            (
                [f"{i['PK']['S']}/{i['SK']['S']}:{','.join(sorted(i))}" for i in page["Items"]],
                page.get("LastEvaluatedKey"),
            )
        )
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def _every_kind_of_scan() -> list[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))
        for n in range(120):
            client.put_item(
                TableName="t",
                Item={
                    "PK": {"S": f"LOAN#{n % 37:03d}"},
                    "SK": {"S": "LOAN" if n < 37 else f"E#{n:04d}"},
                    "type": {"S": "LOAN" if n < 37 else "ENTRY"},
                    "pad": {"S": "x" * 200},
                },
            )
        for n in range(60):  # 1.8 MB more: a page ends at 1 MB as well as at its Limit
            client.put_item(
                TableName="t",
                Item={
                    "PK": {"S": f"BIG#{n:03d}"},
                    "SK": {"S": "LOAN" if n % 4 == 0 else "E"},
                    "type": {"S": "LOAN" if n % 4 == 0 else "ENTRY"},
                    "pad": {"S": "y" * 30_000},
                },
            )
        loans = {
            "FilterExpression": "#t = :l",
            "ExpressionAttributeNames": {"#t": "type"},
            "ExpressionAttributeValues": {":l": {"S": "LOAN"}},
        }
        return [
            _pages(client),
            _pages(client, Limit=7),
            _pages(client, Limit=11, **loans),
            _pages(client, **loans),
            _pages(client, ProjectionExpression="PK, SK, #t", **loans),
            *[_pages(client, Limit=5, Segment=s, TotalSegments=3, **loans) for s in range(3)],
        ]


def test_scan_pages_as_motos(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    monkeypatch.setattr(Table, "scan", engine.UNPATCHED.get("scan", Table.scan))
    expected = _every_kind_of_scan()
    assert sum(len(ids) for ids, _ in expected[1]) == 180 and len(expected[1]) > 10
    assert len(expected[0]) > 1  # the whole table does not fit one 1 MB page
    engine._patch_dynamodb_scans()
    assert _every_kind_of_scan() == expected


def test_a_page_meets_each_item_as_the_table_holds_it_then(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    monkeypatch.setattr(Table, "scan", engine.UNPATCHED.get("scan", Table.scan))
    engine._patch_dynamodb_scans()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))
        for n in range(10):
            client.put_item(
                TableName="t", Item={"PK": {"S": f"K{n}"}, "SK": {"S": "A"}, "v": {"N": "0"}}
            )
        first = client.scan(TableName="t", Limit=3)
        assert engine._scan_cursors  # the rest waits, sorted, for the next page
        read = {i["PK"]["S"] for i in first["Items"]}
        unread = sorted(f"K{n}" for n in range(10) if f"K{n}" not in read)
        client.delete_item(TableName="t", Key={"PK": {"S": unread[0]}, "SK": {"S": "A"}})
        client.put_item(
            TableName="t", Item={"PK": {"S": unread[1]}, "SK": {"S": "A"}, "v": {"N": "1"}}
        )
        rest = client.scan(TableName="t", ExclusiveStartKey=first["LastEvaluatedKey"])["Items"]
        got = {i["PK"]["S"]: i["v"]["N"] for i in rest}
        assert unread[0] not in got  # deleted meanwhile: not returned
        assert got[unread[1]] == "1"  # replaced meanwhile: its new version
        assert set(got) == set(unread[1:])

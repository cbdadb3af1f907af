"""The sandbox bank's book in the lending table, under its own prefix (`RAIL#`)."""

from __future__ import annotations

from typing import Any

from chalicelib.rail.port import RailResult
from chalicelib.rail.records import from_item, put_rail_txn_request, rail_txn_key


class DynamoRailBook:
    """The sandbox bank's book in the lending table under its own prefix (`RAIL#`)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, result: RailResult) -> RailResult:
        try:
            self._table.put_item(**put_rail_txn_request(result))
            return result
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            stored = self.get(result.key)
            assert stored is not None
            return stored

    def get(self, key: str) -> RailResult | None:
        item = self._table.get_item(Key=rail_txn_key(key), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def all(self) -> list[RailResult]:
        out: list[RailResult] = []
        kwargs: dict[str, Any] = {
            "FilterExpression": "begins_with(#pk, :p)",
            "ExpressionAttributeNames": {"#pk": "PK"},
            "ExpressionAttributeValues": {":p": "RAIL#"},
        }
        while True:
            page = self._table.scan(**kwargs)
            out.extend(from_item(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

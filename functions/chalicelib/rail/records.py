"""The sandbox bank's transfers as DynamoDB items (pure): PK `RAIL#{key}`, SK `TXN`."""

from __future__ import annotations

from typing import Any

from chalicelib.rail.port import RailResult


def rail_txn_key(key: str) -> dict[str, str]:
    return {"PK": f"RAIL#{key}", "SK": "TXN"}


def put_rail_txn_request(result: RailResult) -> dict[str, Any]:
    """Conditional put: the first write for a key wins, a repeat is refused by the condition."""
    return {
        "Item": {
            **rail_txn_key(result.key),
            "type": "RAIL_TXN",
            "key": result.key,
            "kind": result.kind,
            "status": result.status,
            "amountFen": result.amount_fen,
            "accountRef": result.account_ref,
            "reason": result.reason,
        },
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def from_item(item: dict[str, Any]) -> RailResult:
    return RailResult(
        item["key"],
        item["kind"],
        item["status"],
        int(item["amountFen"]),
        item["accountRef"],
        item.get("reason", ""),
    )

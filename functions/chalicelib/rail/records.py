"""The sandbox bank as DynamoDB items (pure): transfers (PK `RAIL#{key}`, SK `TXN`) and
accounts (PK `BANK#{accountRef}`, SK `ACCOUNT`, `balanceFen`).

A settled transfer is one transaction: the account's balance, updated under a condition that
it covers a debit, and the transfer's put, conditioned on its key being new (first write wins).
"""

from __future__ import annotations

from typing import Any

from chalicelib.rail.port import COLLECT, DEPOSIT, PAYOUT, SETTLED, WITHDRAWAL, RailResult

CREDITS = frozenset({PAYOUT, DEPOSIT})
DEBITS = frozenset({COLLECT, WITHDRAWAL})


def balance_change(result: RailResult) -> int:
    """What the transfer does to its account's balance, in fen (0 for a decline)."""
    if result.status != SETTLED:
        return 0
    if result.kind in CREDITS:
        return result.amount_fen
    if result.kind in DEBITS:
        return -result.amount_fen
    raise ValueError(f"unknown transfer kind {result.kind!r}")


def rail_txn_key(key: str) -> dict[str, str]:
    return {"PK": f"RAIL#{key}", "SK": "TXN"}


def account_key(account_ref: str) -> dict[str, str]:
    return {"PK": f"BANK#{account_ref}", "SK": "ACCOUNT"}


def rail_txn_item(result: RailResult) -> dict[str, Any]:
    return {
        **rail_txn_key(result.key),
        "type": "RAIL_TXN",
        "key": result.key,
        "kind": result.kind,
        "status": result.status,
        "amountFen": result.amount_fen,
        "requestedFen": result.requested_fen,
        "accountRef": result.account_ref,
        "reason": result.reason,
    }


def put_rail_txn_request(result: RailResult) -> dict[str, Any]:
    """Conditional put: the first write for a key wins, a repeat is refused by the condition."""
    return {
        "Item": rail_txn_item(result),
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def open_account_request(account_ref: str, balance_fen: int, at: str) -> dict[str, Any]:
    """Conditional put: an account opens once; a second opening is refused by the condition."""
    return {
        "Item": {
            **account_key(account_ref),
            "type": "RAIL_ACCOUNT",
            "accountRef": account_ref,
            "balanceFen": balance_fen,
            "openedAt": at,
        },
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def transfer_tx(table_name: str, result: RailResult, at: str) -> list[dict[str, Any]]:
    """TransactItems for a settled transfer: the balance (a debit only while it is covered)
    and the transfer record (only if its key is new). Either condition failing cancels both."""
    delta = balance_change(result)
    condition = "attribute_exists(#pk)" + (" AND #b >= :need" if delta < 0 else "")
    values: dict[str, Any] = {":d": delta, ":at": at}
    if delta < 0:
        values[":need"] = -delta
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": account_key(result.account_ref),
                "UpdateExpression": "SET #b = #b + :d, #at = :at",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#pk": "PK", "#b": "balanceFen", "#at": "updatedAt"},
                "ExpressionAttributeValues": values,
            }
        },
        {"Put": {"TableName": table_name, **put_rail_txn_request(result)}},
    ]


def from_item(item: dict[str, Any]) -> RailResult:
    # Transfers recorded before partial collections existed have no `requestedFen`: they
    # were asked for `amountFen`, and moved it only if settled.
    requested = int(item.get("requestedFen", item["amountFen"]))
    return RailResult(
        item["key"],
        item["kind"],
        item["status"],
        int(item["amountFen"]) if item["status"] == SETTLED else 0,
        item["accountRef"],
        requested,
        item.get("reason", ""),
    )


def balance_from_item(item: dict[str, Any] | None) -> int | None:
    return int(item["balanceFen"]) if item else None

"""DynamoDB side of the ledger: the entry Put for a transaction, the transaction runner, and
`check_ledger(table)`, which scans the table and proves the books (see ledger/check.py).

Keys: an entry lives in its owner's partition, PK `USER#{userId}` or `LOAN#{loanId}`,
SK `ENTRY#{idempotencyKey}`. Its Put carries `attribute_not_exists(PK)`, so a retried
transaction is refused as a whole and the caller treats "entry already there" as done.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ledger.check import LedgerReport, check_ledger_items
from chalicelib.ledger.entries import JournalEntry
from chalicelib.ledger.records import ENTRY_PREFIX, entry_from_item, entry_item, entry_key

__all__ = [
    "ENTRY_PREFIX",
    "LedgerReport",
    "TransactionRefused",
    "check_ledger",
    "entry_from_item",
    "entry_item",
    "entry_key",
    "put_entry_tx",
    "scan_all",
    "transact",
]


def put_entry_tx(table_name: str, e: JournalEntry) -> dict[str, Any]:
    """TransactItems element: write the entry once (a repeat fails the whole transaction)."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": entry_item(e),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "PK"},
        }
    }


class TransactionRefused(Exception):
    """A condition other than "entry already written" failed; `reasons` has one code per item."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction refused: {reasons}")
        self.reasons = reasons


def transact(table: Any, items: list[dict[str, Any]], entry: JournalEntry) -> bool:
    """Run a ledger transaction. True if applied; False if the entry already existed (a retry).

    Raises TransactionRefused when another condition failed (the caller maps it to a domain
    error after looking at the records).
    """
    client = table.meta.client
    try:
        client.transact_write_items(TransactItems=items)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
        if table.get_item(Key=entry_key(entry), ConsistentRead=True).get("Item"):
            return False
        raise TransactionRefused(reasons) from exc


def scan_all(table: Any, prefix_filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = dict(prefix_filter or {})
    out: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        out.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_ledger(table: Any) -> LedgerReport:
    """Scan the table (an operator check, not a request path) and prove the books.
    Returns the report; `report.ok` is False and the offending ids are listed if anything is off."""
    return check_ledger_items(scan_all(table))

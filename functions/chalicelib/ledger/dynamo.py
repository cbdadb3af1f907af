"""DynamoDB side of the ledger: the entry Put for a transaction and the transaction runner.

Keys: an entry lives in its owner's partition, PK `USER#{userId}` or `LOAN#{loanId}`,
SK `ENTRY#{idempotencyKey}`. Its Put carries `attribute_not_exists(PK)`, so a retried
transaction is refused as a whole and the caller treats "entry already there" as done.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws import cancellation_codes, retryable
from chalicelib.errors import StoreBusy
from chalicelib.ledger.entries import JournalEntry
from chalicelib.ledger.records import entry_key


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
        reasons = cancellation_codes(exc)
        if retryable(reasons):
            raise StoreBusy(f"transaction on {entry.owner} conflicted; retry: {reasons}") from exc
        if table.get_item(Key=entry_key(entry), ConsistentRead=True).get("Item"):
            return False
        raise TransactionRefused(reasons) from exc

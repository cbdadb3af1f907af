"""Journal entries as DynamoDB items (pure): PK is the owner (`USER#{id}` / `LOAN#{id}`),
SK `ENTRY#{idempotencyKey}`."""

from __future__ import annotations

from typing import Any

from chalicelib.ledger.entries import JournalEntry, Posting

ENTRY_PREFIX = "ENTRY#"


def entry_key(entry_or_owner: JournalEntry | str, key: str | None = None) -> dict[str, str]:
    if isinstance(entry_or_owner, JournalEntry):
        return {"PK": entry_or_owner.owner, "SK": ENTRY_PREFIX + entry_or_owner.key}
    return {"PK": entry_or_owner, "SK": ENTRY_PREFIX + str(key)}


def entry_item(e: JournalEntry) -> dict[str, Any]:
    return {
        **entry_key(e),
        "type": "ENTRY",
        "entryKey": e.key,
        "kind": e.kind,
        "at": e.at,
        "userId": e.user_id,
        "loanId": e.loan_id,
        "postings": [
            {"account": p.account, "debitFen": p.debit_fen, "creditFen": p.credit_fen}
            for p in e.postings
        ],
    }


def entry_from_item(item: dict[str, Any]) -> JournalEntry:
    return JournalEntry(
        key=item["entryKey"],
        kind=item["kind"],
        owner=item["PK"],
        at=item["at"],
        postings=tuple(
            Posting(p["account"], int(p["debitFen"]), int(p["creditFen"])) for p in item["postings"]
        ),
        user_id=item.get("userId", ""),
        loan_id=item.get("loanId", ""),
    )


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

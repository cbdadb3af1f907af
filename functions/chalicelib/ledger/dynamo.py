"""DynamoDB representation of journal entries: pure request builders, a transaction runner, and
`check_ledger`, which re-derives every balance from the entries and compares it with the records.

Keys: an entry lives in its owner's partition, PK `USER#{userId}` or `LOAN#{loanId}`,
SK `ENTRY#{idempotencyKey}`. Its Put carries `attribute_not_exists(PK)`, so a retried
transaction is refused as a whole and the caller treats "entry already there" as done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ledger.entries import JournalEntry, Posting, line_available, line_commitment, line_drawn, loan_principal

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
        key=item["entryKey"], kind=item["kind"], owner=item["PK"], at=item["at"],
        postings=tuple(
            Posting(p["account"], int(p["debitFen"]), int(p["creditFen"])) for p in item["postings"]
        ),
        user_id=item.get("userId", ""), loan_id=item.get("loanId", ""),
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


@dataclass
class LedgerReport:
    """What `check_ledger` found. `ok` is False if any list is non-empty."""

    entries: int = 0
    debits_fen: int = 0
    credits_fen: int = 0
    unbalanced_entries: list[str] = field(default_factory=list)
    loans: list[str] = field(default_factory=list)  # loan ids whose record disagrees
    lines: list[str] = field(default_factory=list)  # user ids whose line disagrees
    balances: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.debits_fen == self.credits_fen
            and not self.unbalanced_entries and not self.loans and not self.lines
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "entries": self.entries, "debitsFen": self.debits_fen,
            "creditsFen": self.credits_fen, "unbalancedEntries": self.unbalanced_entries,
            "loans": self.loans, "lines": self.lines,
        }


def check_ledger(table: Any) -> LedgerReport:
    """Prove the books: every entry balanced, debits == credits overall and per loan, each
    loan's outstanding principal and each line's available/drawn/limit equal to the ledger, and
    the credit each loan holds on its line (reserve - release - restores) equal to its
    outstanding principal once active (zero once void). A loan id with money but no record is
    reported too.

    Scans the table (an operator check, not a request path). Run it at rest: between the
    repayment's post and its line restore the line legitimately lags by one step.
    """
    items = scan_all(table)
    report = LedgerReport()
    bal: dict[str, int] = defaultdict(int)
    per_loan: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    loans: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, Any]] = {}
    line_drawn_by_loan: dict[str, int] = defaultdict(int)
    for item in items:
        sk = item["SK"]
        if sk.startswith(ENTRY_PREFIX):
            report.entries += 1
            debit = sum(int(p["debitFen"]) for p in item["postings"])
            credit = sum(int(p["creditFen"]) for p in item["postings"])
            report.debits_fen += debit
            report.credits_fen += credit
            if debit != credit:
                report.unbalanced_entries.append(item["entryKey"])
            if item.get("loanId"):
                per_loan[item["loanId"]][0] += debit
                per_loan[item["loanId"]][1] += credit
            for p in item["postings"]:
                bal[p["account"]] += int(p["debitFen"]) - int(p["creditFen"])
                if item.get("loanId") and p["account"].startswith("line_drawn:"):
                    line_drawn_by_loan[item["loanId"]] += int(p["debitFen"]) - int(p["creditFen"])
        elif sk == "LOAN" and item["PK"].startswith("LOAN#"):
            loans[item["PK"].removeprefix("LOAN#")] = item
        elif sk == "LINE" and item["PK"].startswith("USER#"):
            lines[item["PK"].removeprefix("USER#")] = item
    bad_loans = {lid for lid, (d, c) in per_loan.items() if d != c}
    for lid, loan in loans.items():
        outstanding = int(loan.get("outstandingPrincipalFen", 0))
        if outstanding != bal.get(loan_principal(lid), 0):
            bad_loans.add(lid)
        # the line's credit in use for this loan must follow the loan (at rest)
        drawn = line_drawn_by_loan.get(lid, 0)
        if loan["status"] in ("ACTIVE", "CLOSED") and drawn != outstanding:
            bad_loans.add(lid)
        if loan["status"] == "VOID" and (drawn != 0 or outstanding != 0):
            bad_loans.add(lid)
    for lid in per_loan:
        if lid not in loans and (bal.get(loan_principal(lid), 0) or line_drawn_by_loan.get(lid, 0)):
            bad_loans.add(lid)  # money moved for a loan that has no record, or a stray reservation
    bad_lines = set()
    for uid, line in lines.items():
        available, drawn, limit = (int(line[k]) for k in ("availableFen", "drawnFen", "limitFen"))
        if (
            available != bal.get(line_available(uid), 0)
            or drawn != bal.get(line_drawn(uid), 0)
            or limit != -bal.get(line_commitment(uid), 0)
            or available + drawn != limit
        ):
            bad_lines.add(uid)
    report.loans = sorted(bad_loans)
    report.lines = sorted(bad_lines)
    report.balances = dict(bal)
    return report

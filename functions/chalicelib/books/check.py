"""Proving the books from the items alone (pure): the same check runs over a DynamoDB scan or
over the in-memory fakes' items (`items()` on each fake)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.amounts import fen_to_yuan
from chalicelib.ledger.entries import line_available, line_commitment, line_drawn, loan_principal
from chalicelib.ledger.receivables import ReceivablesReport, check_receivables
from chalicelib.ledger.records import ENTRY_PREFIX
from chalicelib.loans.port import DISBURSED, SERVICED, WRITTEN_OFF
from chalicelib.loans.records import (
    OPEN_LOANS_PREFIX,
    loan_from_item,
    loan_id_of_marker,
    payment_keys,
    reservations_from_item,
)
from chalicelib.money.accrual import expected_receivables


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
    receivables: ReceivablesReport = field(default_factory=ReceivablesReport)

    @property
    def ok(self) -> bool:
        return (
            self.debits_fen == self.credits_fen
            and not self.unbalanced_entries
            and not self.loans
            and not self.lines
            and self.receivables.ok
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "debitsFen": self.debits_fen,
            "creditsFen": self.credits_fen,
            "unbalancedEntries": self.unbalanced_entries,
            "loans": self.loans,
            "lines": self.lines,
            "receivables": self.receivables.as_dict(),
        }


def check_ledger_items(items: Iterable[dict[str, Any]]) -> LedgerReport:
    """Prove the books: every entry balanced, debits == credits overall and per loan, each
    loan's outstanding principal and each line's available/drawn/limit equal to the ledger, and
    the credit each loan holds on its line (reserve - release - restores) equal to its
    outstanding principal once active (zero once void), and its reservedFen equal to the sum of
    its repayment reservations, and it is on the close of business's list (an open-loan marker)
    exactly while ACTIVE or OVERDUE. A loan id with money but no record is reported too. A
    written-off loan's principal is on `credit_loss`, not on the loan: its ledger principal must
    be 0 (the record still says what the borrower owes). Receivables (ledger/receivables.py):
    per loan and in total, accrued - collected - written off = receivable, and each loan's
    receivable equals both the record's counters and what its contract and payments say
    (`money.accrual.expected_receivables`).

    Run it at rest: between a repayment's post and its line restore the line legitimately lags
    by one step.
    """
    items = list(items)
    report = LedgerReport()
    bal: dict[str, int] = defaultdict(int)
    per_loan: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    loans: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, Any]] = {}
    line_drawn_by_loan: dict[str, int] = defaultdict(int)
    listed: set[str] = set()  # loans the close of business serves (open-loan markers)
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
        elif item["PK"].startswith(OPEN_LOANS_PREFIX):
            listed.add(loan_id_of_marker(item))
    bad_loans = {lid for lid, (d, c) in per_loan.items() if d != c}
    expected: dict[str, tuple[int, int]] = {}
    for lid, loan in loans.items():
        record = loan_from_item(loan)
        outstanding = record.outstanding_principal_fen
        written_off = record.status == WRITTEN_OFF
        if (0 if written_off else outstanding) != bal.get(loan_principal(lid), 0):
            bad_loans.add(lid)
        # the line's credit in use for this loan must follow the loan (at rest)
        drawn = line_drawn_by_loan.get(lid, 0)
        if record.status in DISBURSED:
            if drawn != outstanding:
                bad_loans.add(lid)
            want = expected_receivables(record.servicing(), record.last_closed, written_off)
            counters = (record.book.interest_receivable_fen, record.book.penalty_receivable_fen)
            if tuple(want) != counters:
                bad_loans.add(lid)
            expected[lid] = counters
        if loan["status"] == "VOID" and (drawn != 0 or outstanding != 0):
            bad_loans.add(lid)
        # the close of business must see every loan it serves, and only those
        if (record.status in SERVICED) != (lid in listed):
            bad_loans.add(lid)
        # repayment reservations: the sum a condition compares must be the sum of the holds
        held = sum(amount for _, amount in reservations_from_item(loan))
        if int(loan.get("reservedFen", 0)) != held:
            bad_loans.add(lid)
    bad_loans |= listed - set(loans)  # a marker for a loan that has no record
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
    report.receivables = check_receivables(
        (i for i in items if i["SK"].startswith(ENTRY_PREFIX)), expected
    )
    report.loans = sorted(bad_loans | set(report.receivables.loans))
    report.lines = sorted(bad_lines)
    report.balances = dict(bal)
    return report


def reconcile_rail(items: Iterable[dict[str, Any]]) -> list[str]:
    """Money the (sandbox) bank moved that our books do not show, as rail keys: a settled
    payout whose loan never went on the books (ACTIVE, and from there OVERDUE, CLOSED or
    WRITTEN_OFF), or a settled collection not booked on its loan."""
    items = list(items)
    loans = {
        i["PK"].removeprefix("LOAN#"): i
        for i in items
        if i["SK"] == "LOAN" and i["PK"].startswith("LOAN#")
    }
    booked = {key for loan in loans.values() for key in payment_keys(loan)}
    repayments = {i["repaymentId"]: i["loanId"] for i in items if i.get("type") == "REPAYMENT"}
    out = []
    for i in items:
        if not i["PK"].startswith("RAIL#") or i.get("status") != "settled":
            continue
        key = i["key"]
        if i["kind"] == "payout":
            loan = loans.get(key.removeprefix("payout:"))
            if loan is None or loan["status"] not in DISBURSED:
                out.append(key)
        elif i["kind"] == "collect":
            rid = key.removeprefix("collect:")
            if rid in repayments and rid not in booked:
                out.append(key)
    return sorted(out)


@dataclass
class BooksReport:
    """The ledger proof plus what an operator must finish: requests left STUCK (money moved,
    a later step failed) and transfers the bank settled that the books do not show."""

    ledger: LedgerReport
    stuck: list[str]
    unbooked_transfers: list[str]
    # per stuck id: what happened and what finishes it, in an operator's words
    explained: dict[str, str] = field(default_factory=dict)
    # per stuck id: the ids that name it ({"loanId"[, "repaymentId"]}), for the ops route
    refs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.ledger.ok and not self.stuck and not self.unbooked_transfers

    @property
    def offending(self) -> list[str]:
        r = self.ledger
        return [*r.unbalanced_entries, *r.loans, *r.lines, *self.stuck, *self.unbooked_transfers]

    def as_dict(self) -> dict[str, Any]:
        return self.ledger.as_dict() | {
            "stuck": self.stuck,
            "stuckExplained": [{"id": i, "explain": self.explained.get(i, "")} for i in self.stuck],
            "unbookedTransfers": self.unbooked_transfers,
            "ok": self.ok,
        }


def check_books(items: Iterable[dict[str, Any]]) -> BooksReport:
    """Everything `lending ledger check` proves, over the items of a table scan."""
    items = list(items)
    stuck_items = [
        i for i in items if i.get("type") in ("DRAW", "REPAYMENT") and i.get("status") == "STUCK"
    ]
    transfers = {i["key"]: i for i in items if i["PK"].startswith("RAIL#")}
    explained = {_stuck_id(i): _explain(i, transfers) for i in stuck_items}
    refs = {
        _stuck_id(i): {k: i[k] for k in ("loanId", "repaymentId") if i.get(k)} for i in stuck_items
    }
    return BooksReport(
        check_ledger_items(items), sorted(explained), reconcile_rail(items), explained, refs
    )


def _stuck_id(item: dict[str, Any]) -> str:
    return str(item.get("repaymentId") or item["loanId"])


def _explain(item: dict[str, Any], transfers: dict[str, dict[str, Any]]) -> str:
    """Why a request is STUCK, from the bank's book and the request, and what finishes it."""
    loan, failure = item["loanId"], item.get("failure") or "an unknown error"
    if item["type"] == "REPAYMENT":
        rid = item["repaymentId"]
        t = transfers.get(f"collect:{rid}")
        moved = (
            f"the bank collected {_yuan(t)} (collect:{rid}, {t['status']})"
            if t
            else ("the bank has no collection for it")
        )
        how = f"lending ops resolve-stuck (or POST /v1/ops/stuck/resolve {loan} {rid})"
        return f"repayment {rid} of loan {loan}: {moved}, then {failure}; not booked: {how}"
    t = transfers.get(f"payout:{loan}")
    moved = (
        f"the bank paid out {_yuan(t)} (payout:{loan}, {t['status']})"
        if t
        else ("the bank has no payout for it")
    )
    how = f"lending ops resolve-stuck (or POST /v1/ops/stuck/resolve {loan})"
    return f"draw {loan}: {moved}, then {failure}; the loan is not on the books: {how}"


def _yuan(transfer: dict[str, Any]) -> str:
    return "¥" + fen_to_yuan(int(transfer["amountFen"]))

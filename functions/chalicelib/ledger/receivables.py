"""The receivables rule of the ledger check, pure: per loan and in total,

    accrued - collected - written off = receivable,   to the fen,

where accrued is what the accrual entries put on a loan's interest (penalty) receivable,
collected what repayments took off it, written off what the write-off moved to loss; and each
loan's receivable is what its own contract and payments say (`money.accrual.
expected_receivables`, computed by the caller from the loan records; this module imports
nothing from `money`). Works on entry items as
stored (`ledger.records.entry_item`), so `check.py` runs it over a scan or over the fakes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

INTEREST, PENALTY = "interest", "penalty"
_ACCOUNTS = {"interest_receivable:": INTEREST, "penalty_receivable:": PENALTY}
_ROLE = {"accrual": "accrued", "repayment": "collected", "write-off": "written_off"}


@dataclass
class Flow:
    """One receivable's movements (fen)."""

    accrued_fen: int = 0
    collected_fen: int = 0
    written_off_fen: int = 0
    balance_fen: int = 0
    strays: int = 0  # postings by entries of other kinds: nothing else may touch a receivable

    @property
    def consistent(self) -> bool:
        return (
            not self.strays
            and self.accrued_fen - self.collected_fen - self.written_off_fen == self.balance_fen
        )

    def add(self, other: Flow) -> None:
        self.accrued_fen += other.accrued_fen
        self.collected_fen += other.collected_fen
        self.written_off_fen += other.written_off_fen
        self.balance_fen += other.balance_fen
        self.strays += other.strays

    def as_dict(self) -> dict[str, int]:
        return {
            "accruedFen": self.accrued_fen,
            "collectedFen": self.collected_fen,
            "writtenOffFen": self.written_off_fen,
            "receivableFen": self.balance_fen,
        }


def receivable_flows(items: Iterable[dict[str, Any]]) -> dict[str, dict[str, Flow]]:
    """Per loan id, the interest and penalty receivable flows, from entry items."""
    out: dict[str, dict[str, Flow]] = defaultdict(lambda: {INTEREST: Flow(), PENALTY: Flow()})
    for item in items:
        for p in item.get("postings", ()):
            account = p["account"]
            part = next((v for k, v in _ACCOUNTS.items() if account.startswith(k)), None)
            if part is None:
                continue
            loan_id = account.split(":", 1)[1]
            f = out[loan_id][part]
            net = int(p["debitFen"]) - int(p["creditFen"])
            f.balance_fen += net
            role = _ROLE.get(item.get("kind", ""))
            if role == "accrued":
                f.accrued_fen += net
            elif role == "collected":
                f.collected_fen -= net
            elif role == "written_off":
                f.written_off_fen -= net
            else:
                f.strays += 1
    return dict(out)


@dataclass
class ReceivablesReport:
    loans: list[str] = field(default_factory=list)  # loan ids whose receivables are off
    interest: Flow = field(default_factory=Flow)  # totals over all loans
    penalty: Flow = field(default_factory=Flow)

    @property
    def ok(self) -> bool:
        return not self.loans and self.interest.consistent and self.penalty.consistent

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "loans": self.loans,
            "interestReceivable": self.interest.as_dict(),
            "penaltyReceivable": self.penalty.as_dict(),
        }


def check_receivables(
    items: Iterable[dict[str, Any]], expected: Mapping[str, tuple[int, int]] | None = None
) -> ReceivablesReport:
    """Prove the rule per loan and in total. With `expected` (loan id -> (interest, penalty)
    its records say is receivable: `money.accrual.expected_receivables`), each loan's
    receivables must equal it, and a loan with a receivable but no record is reported."""
    report = ReceivablesReport()
    flows = receivable_flows(items)
    bad = set()
    for loan_id, parts in flows.items():
        report.interest.add(parts[INTEREST])
        report.penalty.add(parts[PENALTY])
        if not (parts[INTEREST].consistent and parts[PENALTY].consistent):
            bad.add(loan_id)
    if expected is not None:
        for loan_id in set(flows) | set(expected):
            want = tuple(expected.get(loan_id, (0, 0)))
            got = flows.get(loan_id)
            have = (got[INTEREST].balance_fen, got[PENALTY].balance_fen) if got else (0, 0)
            if have != want:
                bad.add(loan_id)
    report.loans = sorted(bad)
    return report


__all__ = ["Flow", "ReceivablesReport", "check_receivables", "receivable_flows"]

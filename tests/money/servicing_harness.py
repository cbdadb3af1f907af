"""Test helpers for servicing: loans from a schedule, and a ledger that behaves like the
store (entries kept once per key, balances kept as they are written)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from chalicelib.ledger.entries import JournalEntry, disbursement_entry
from chalicelib.ledger.records import entry_item
from chalicelib.money.schedule import ACTUAL_360, EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, build_schedule
from chalicelib.money.servicing import Loan

START = date(2024, 1, 15)
AT = "2024-01-01T00:00:00.000Z"


def make_loan(
    principal: int = 1_200_000,
    apr: str = "0.12",
    months: int = 12,
    method: str = EQUAL_INSTALLMENT,
    start: date = START,
    multiplier: str = "1.5",
) -> Loan:
    s = build_schedule(principal, Decimal(apr), months, start, method, ACTUAL_360)
    return Loan(
        principal, Decimal(apr), start, s.due_dates, s.principal, method, Decimal(multiplier)
    )


@st.composite
def loans(draw: st.DrawFn, max_months: int = 12) -> Loan:
    """Loans over the product's range: ¥50-¥200,000, APR 0-24%, any start day (month ends and
    leap years included), both methods, penalty multiplier 0-3."""
    return make_loan(
        draw(st.integers(5_000, 20_000_000)),
        str(Decimal(draw(st.integers(0, 2400))).scaleb(-4)),
        draw(st.integers(1, max_months)),
        draw(st.sampled_from([EQUAL_INSTALLMENT, EQUAL_PRINCIPAL])),
        draw(st.dates(date(2023, 1, 1), date(2025, 12, 31))),
        str(Decimal(draw(st.integers(0, 30))).scaleb(-1)),
    )


class Ledger:
    """Entries kept once per key, as the store's conditional put does: writing a key again
    with other content is a bug the test must see."""

    def __init__(self, disbursed: tuple[str, str, int] | None = None) -> None:
        """`disbursed`: (user id, loan id, principal) to start from the loan's disbursement."""
        self.entries: dict[str, JournalEntry] = {}
        self.balances: dict[str, int] = defaultdict(int)
        if disbursed is not None:
            self.write([disbursement_entry(*disbursed, AT)])

    def write(self, entries: Iterable[JournalEntry]) -> int:
        written = 0
        for e in entries:
            old = self.entries.get(e.key)
            if old is not None:
                assert old == e, f"entry {e.key} rewritten with other content"
                continue
            self.entries[e.key] = e
            for p in e.postings:
                self.balances[p.account] += p.debit_fen - p.credit_fen
            written += 1
        return written

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    def items(self) -> list[dict]:
        return [entry_item(e) for e in self.entries.values()]

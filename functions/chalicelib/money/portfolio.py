"""Portfolio analytics, pure: what ops reads about the book as a whole.

- `summarise`: outstanding principal and receivables, loans and balance by bucket, the NPL
  ratio (M4+, 91+ DPD, by balance), what was written off. Written-off loans are off the book:
  they count in `written_off_*` only.
- `roll_rates`: from one snapshot to the next, the share of each bucket's balance that moved to
  each bucket (or closed, or was written off): the classic flow-rate matrix.
- `vintage_curves`: per draw month, the share of the principal drawn that month whose loans had
  reached 30+ DPD by each month on book (ever 30+, so curves only rise).
All amounts in fen; ratios are Decimal rounded half-up to 4 places (0.0123 is 1.23%).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.money.accrual import paid_through
from chalicelib.money.day_close import LoanState
from chalicelib.money.delinquency import BUCKET_ORDER, CLOSED, M4_PLUS, WRITTEN_OFF, bucket
from chalicelib.money.servicing import Loan, position, positions

_PLACES = Decimal("0.0001")
STATES: tuple[str, ...] = (*BUCKET_ORDER, CLOSED, WRITTEN_OFF)


def ratio(num: int, den: int) -> Decimal:
    """num / den to 4 places, half-up; 0 when there is nothing to divide by."""
    if den == 0:
        return Decimal(0)
    return (Decimal(num) / Decimal(den)).quantize(_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LoanSnapshot:
    """A loan on a day, as analytics sees it (ids and fen only)."""

    loan_id: str
    drawn_on: date
    principal_fen: int  # drawn
    outstanding_principal_fen: int  # owed by contract (a written-off loan still owes it)
    interest_receivable_fen: int
    penalty_receivable_fen: int
    status: str
    dpd: int

    @property
    def state(self) -> str:
        """CLOSED, WRITTEN_OFF, or the DPD bucket of an open loan."""
        if self.status in (CLOSED, WRITTEN_OFF):
            return self.status
        return bucket(self.dpd)


def snapshot(state: LoanState, as_of: date) -> LoanSnapshot:
    """A loan's snapshot at the end of `as_of` (its receivables as the books hold them)."""
    pos = position(paid_through(state.loan, as_of), as_of)
    return LoanSnapshot(
        state.loan_id,
        state.loan.start,
        state.loan.principal_fen,
        pos.outstanding_principal_fen,
        state.book.interest_receivable_fen,
        state.book.penalty_receivable_fen,
        state.status,
        pos.dpd,
    )


@dataclass(frozen=True)
class BucketTotal:
    loans: int = 0
    balance_fen: int = 0  # outstanding principal


@dataclass(frozen=True)
class PortfolioSummary:
    loans: int
    outstanding_principal_fen: int
    interest_receivable_fen: int
    penalty_receivable_fen: int
    buckets: dict[str, BucketTotal]
    npl_ratio: Decimal  # M4+ balance / outstanding principal
    closed: int
    written_off: int
    written_off_principal_fen: int  # still owed by contract on written-off loans

    def as_dict(self) -> dict[str, Any]:
        return {
            "loans": self.loans,
            "outstandingPrincipalFen": self.outstanding_principal_fen,
            "interestReceivableFen": self.interest_receivable_fen,
            "penaltyReceivableFen": self.penalty_receivable_fen,
            "buckets": {
                k: {"loans": v.loans, "balanceFen": v.balance_fen} for k, v in self.buckets.items()
            },
            "nplRatio": str(self.npl_ratio),
            "closed": self.closed,
            "writtenOff": self.written_off,
            "writtenOffPrincipalFen": self.written_off_principal_fen,
        }


def summarise(snapshots: Iterable[LoanSnapshot]) -> PortfolioSummary:
    counts: dict[str, list[int]] = {b: [0, 0] for b in BUCKET_ORDER}
    loans = principal = interest = penalty = closed = written_off = written_off_fen = 0
    for s in snapshots:
        if s.status == CLOSED:
            closed += 1
            continue
        if s.status == WRITTEN_OFF:
            written_off += 1
            written_off_fen += s.outstanding_principal_fen
            continue
        loans += 1
        principal += s.outstanding_principal_fen
        interest += s.interest_receivable_fen
        penalty += s.penalty_receivable_fen
        c = counts[s.state]
        c[0] += 1
        c[1] += s.outstanding_principal_fen
    return PortfolioSummary(
        loans,
        principal,
        interest,
        penalty,
        {b: BucketTotal(n, fen) for b, (n, fen) in counts.items()},
        ratio(counts[M4_PLUS][1], principal),
        closed,
        written_off,
        written_off_fen,
    )


@dataclass(frozen=True)
class RollRates:
    """Flows between two snapshots, keyed (state before, state after); balances as before."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    balances: dict[tuple[str, str], int] = field(default_factory=dict)

    def rate(self, before: str, after: str) -> Decimal:
        """Share of the balance in `before` that is in `after` at the next snapshot."""
        total = sum(v for (b, _), v in self.balances.items() if b == before)
        return ratio(self.balances.get((before, after), 0), total)

    def as_dict(self) -> dict[str, dict[str, str]]:
        """{before: {after: rate}} over the open buckets before, every state after."""
        return {b: {a: str(self.rate(b, a)) for a in STATES} for b in BUCKET_ORDER}


def roll_rates(before: Iterable[LoanSnapshot], after: Iterable[LoanSnapshot]) -> RollRates:
    """Where each loan open at the first snapshot is at the second. A loan missing from the
    second snapshot is left out (it cannot be classified)."""
    later = {s.loan_id: s for s in after}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    balances: dict[tuple[str, str], int] = defaultdict(int)
    for s in before:
        if s.state not in BUCKET_ORDER or s.loan_id not in later:
            continue
        key = (s.state, later[s.loan_id].state)
        counts[key] += 1
        balances[key] += s.outstanding_principal_fen
    return RollRates(dict(counts), dict(balances))


def first_day_past_due(loan: Loan, dpd: int, through: date) -> date | None:
    """The first day, up to `through`, on which the loan was `dpd` or more days past due.

    It can only be a due date plus `dpd` days: on the first such day the oldest unpaid due
    date d was unpaid the day before too, so the day before was already d + dpd - 1 or more
    past due unless the day is exactly d + dpd."""
    if dpd <= 0:
        raise ValueError("dpd must be positive")
    days = sorted(
        {x for d in loan.due_dates if (x := date.fromordinal(d.toordinal() + dpd)) <= through}
    )
    if not days:
        return None
    for day, pos in zip(days, positions(loan, days), strict=True):
        if pos.dpd >= dpd:
            return day
    return None


@dataclass(frozen=True)
class VintageLoan:
    loan_id: str
    drawn_on: date
    principal_fen: int
    first_past_due_on: date | None  # first day at 30+ DPD (`first_day_past_due`)


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def vintage_curves(loans: Iterable[VintageLoan], as_of: date) -> dict[str, list[Decimal]]:
    """{draw month "YYYY-MM": [share of its principal ever 30+ DPD by the end of month on book
    0, 1, ... up to the month of `as_of`]}."""
    cohorts: dict[int, list[VintageLoan]] = defaultdict(list)
    for x in loans:
        if x.drawn_on <= as_of:
            cohorts[_month_index(x.drawn_on)].append(x)
    end = _month_index(as_of)
    out = {}
    for c in sorted(cohorts):
        members = cohorts[c]
        drawn = sum(x.principal_fen for x in members)
        curve = []
        for m in range(c, end + 1):
            bad = sum(
                x.principal_fen
                for x in members
                if x.first_past_due_on is not None
                and x.first_past_due_on <= as_of
                and _month_index(x.first_past_due_on) <= m
            )
            curve.append(ratio(bad, drawn))
        out[f"{c // 12:04d}-{c % 12 + 1:02d}"] = curve
    return out


__all__ = [
    "STATES",
    "BucketTotal",
    "LoanSnapshot",
    "PortfolioSummary",
    "RollRates",
    "VintageLoan",
    "first_day_past_due",
    "ratio",
    "roll_rates",
    "snapshot",
    "summarise",
    "vintage_curves",
]

"""The portfolio report from the loan records, pure: each loan replayed to the days asked
(`money.servicing.positions`, one replay per loan for all of them), then the figures of
`money.portfolio`.

- As of a day (the business date by default): outstanding principal, the interest and penalty
  receivables as the books hold them after that day's close (`accrual.expected_receivables`:
  the rule the ledger check proves), loans and balance by bucket, the NPL ratio (M4+).
- Roll rates month over month, from where each loan stood at each month end: no snapshots are
  stored, the payments say where a loan was on any past day. The months are the complete ones
  (the month ends up to the day asked), the last `ROLL_MONTHS` transitions.
- Vintage curves: per draw month, the share of the principal drawn that month that had been
  30+ days past due by each month on book (`money.portfolio.vintage_curves`).

A loan's status on a past day is the replay's: CLOSED once nothing is owed, WRITTEN_OFF from
the day the close wrote it off, otherwise OVERDUE with any days past due (a loan past 180 days
that no close has written off yet shows OVERDUE in M4+, as the API shows it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from ..loans.port import DISBURSED, LoanRecord
from ..money.accrual import expected_receivables, paid_through
from ..money.credit_reporting import month_end
from ..money.delinquency import ACTIVE, CLOSED, OVERDUE, WRITTEN_OFF
from ..money.portfolio import (
    LoanSnapshot,
    PortfolioSummary,
    RollRates,
    VintageLoan,
    first_day_past_due,
    roll_rates,
    summarise,
    vintage_curves,
)
from ..money.servicing import Position, positions

ROLL_MONTHS = 6
VINTAGE_DPD = 30


def status_on(record: LoanRecord, pos: Position, day: date) -> str:
    if record.written_off_on is not None and record.written_off_on <= day:
        return WRITTEN_OFF
    if pos.payoff_fen == 0:
        return CLOSED
    return OVERDUE if pos.dpd > 0 else ACTIVE


def _snapshot(record: LoanRecord, pos: Position, day: date, receivables: bool) -> LoanSnapshot:
    status = status_on(record, pos, day)
    interest = penalty = 0
    if receivables:
        closed = min(day, record.last_closed) if record.last_closed else None
        r = expected_receivables(
            paid_through(record.servicing(), day), closed, status == WRITTEN_OFF
        )
        interest, penalty = r.interest_fen, r.penalty_fen
    return LoanSnapshot(
        record.loan_id,
        record.start,
        record.principal_fen,
        pos.outstanding_principal_fen,
        interest,
        penalty,
        status,
        pos.dpd,
    )


def month_ends(as_of: date, count: int) -> list[date]:
    """The last `count` month ends on or before `as_of`, oldest first."""
    end = month_end(as_of.year, as_of.month)
    if end > as_of:
        end = as_of.replace(day=1) - timedelta(days=1)
    out = [end]
    while len(out) < count:
        first = out[-1].replace(day=1) - timedelta(days=1)
        out.append(first)
    return sorted(out)


@dataclass(frozen=True)
class Cohort:
    loans: int
    principal_fen: int


@dataclass(frozen=True)
class PortfolioReport:
    as_of: date
    summary: PortfolioSummary
    rolls: tuple[tuple[date, date, RollRates], ...]  # (month end, next month end, flows)
    vintages: dict[str, list[Decimal]]
    cohorts: dict[str, Cohort] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of.isoformat(),
            "summary": self.summary.as_dict(),
            "rollRates": [
                {"from": a.isoformat(), "to": b.isoformat(), "rates": r.as_dict()}
                for a, b, r in self.rolls
            ],
            "vintages": {
                m: {
                    "loans": self.cohorts[m].loans,
                    "principalFen": self.cohorts[m].principal_fen,
                    "dpd30Plus": [str(x) for x in curve],
                }
                for m, curve in self.vintages.items()
            },
        }


def portfolio_report(
    records: Iterable[LoanRecord], as_of: date, roll_months: int = ROLL_MONTHS
) -> PortfolioReport:
    ends = month_ends(as_of, roll_months + 1)
    today: list[LoanSnapshot] = []
    at_end: dict[date, list[LoanSnapshot]] = defaultdict(list)
    vintage: list[VintageLoan] = []
    cohorts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        if r.status not in DISBURSED or r.start > as_of:
            continue
        loan = r.servicing()
        days = sorted({d for d in ends if d >= r.start} | {as_of})
        for day, pos in zip(days, positions(loan, days), strict=True):
            if day == as_of:
                today.append(_snapshot(r, pos, day, receivables=True))
            if day in ends:
                at_end[day].append(_snapshot(r, pos, day, receivables=False))
        vintage.append(
            VintageLoan(
                r.loan_id,
                r.start,
                r.principal_fen,
                first_day_past_due(loan, VINTAGE_DPD, as_of),
            )
        )
        c = cohorts[f"{r.start:%Y-%m}"]
        c[0] += 1
        c[1] += r.principal_fen
    rolls = tuple((a, b, roll_rates(at_end[a], at_end[b])) for a, b in pairwise(ends) if at_end[a])
    return PortfolioReport(
        as_of,
        summarise(today),
        rolls,
        vintage_curves(vintage, as_of),
        {m: Cohort(n, fen) for m, (n, fen) in sorted(cohorts.items())},
    )


__all__ = [
    "ROLL_MONTHS",
    "Cohort",
    "PortfolioReport",
    "month_ends",
    "portfolio_report",
    "status_on",
]

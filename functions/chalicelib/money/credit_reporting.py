"""The monthly credit bureau report, pure: one line per account, as of the month's last day.

Fields: the account (loan id) and borrower (user id; the bureau adapter maps ids to the
identity the bureau needs, outside the workflow), the status, the balance (principal owed by
contract), the amount overdue, DPD, and the 24-month repayment status string, oldest month first,
in the PBoC credit report's codes:

| code | month-end state                                             |
|------|-------------------------------------------------------------|
| /    | not opened yet                                              |
| N    | normal: an installment fell due that month and nothing is overdue |
| *    | nothing fell due that month and nothing is overdue          |
| 1-7  | overdue: 1 for 1-30 DPD, 2 for 31-60, ... 7 for 181 and more |
| C    | closed (paid off)                                           |
| B    | written off (bad debt)                                      |
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.money.servicing import Loan, positions

HISTORY_MONTHS = 24
NORMAL, OVERDUE, CLOSED, WRITTEN_OFF = "NORMAL", "OVERDUE", "CLOSED", "WRITTEN_OFF"


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_back(last: date, n: int) -> list[date]:
    """The month ends of the `n` months ending with `last`'s month, oldest first."""
    idx = last.year * 12 + last.month - 1
    return [month_end(i // 12, i % 12 + 1) for i in range(idx - n + 1, idx + 1)]


def overdue_code(dpd: int) -> str:
    """1 for 1-30 DPD, 2 for 31-60, ..., 7 for 181 and more."""
    return str(min(7, (dpd - 1) // 30 + 1))


@dataclass(frozen=True)
class BureauLine:
    account_id: str
    user_id: str
    month: str  # YYYY-MM
    status: str
    balance_fen: int
    overdue_fen: int
    dpd: int
    history: str  # 24 codes, oldest month first

    def as_record(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "userId": self.user_id,
            "month": self.month,
            "status": self.status,
            "balanceFen": self.balance_fen,
            "overdueFen": self.overdue_fen,
            "daysPastDue": self.dpd,
            "history": self.history,
        }


def bureau_line(
    loan_id: str, user_id: str, loan: Loan, month: date, written_off_on: date | None = None
) -> BureauLine:
    """The account's line for the month of `month` (any day in it), from one replay."""
    ends = _months_back(month, HISTORY_MONTHS)
    opened = [d for d in ends if d >= loan.start]
    pos = dict(zip(opened, positions(loan, opened), strict=True))
    due_months = {(d.year, d.month) for d in loan.due_dates}
    codes = []
    for d in ends:
        p = pos.get(d)
        if p is None:
            codes.append("/")
        elif written_off_on is not None and written_off_on <= d:
            codes.append("B")
        elif p.payoff_fen == 0:
            codes.append("C")
        elif p.dpd > 0:
            codes.append(overdue_code(p.dpd))
        else:
            codes.append("N" if (d.year, d.month) in due_months else "*")
    last = pos.get(ends[-1])
    if last is None:
        raise ValueError(f"loan {loan_id} was drawn after {ends[-1]}: nothing to report")
    if written_off_on is not None and written_off_on <= ends[-1]:
        status = WRITTEN_OFF
    elif last.payoff_fen == 0:
        status = CLOSED
    else:
        status = OVERDUE if last.dpd > 0 else NORMAL
    return BureauLine(
        loan_id,
        user_id,
        f"{ends[-1]:%Y-%m}",
        status,
        last.outstanding_principal_fen,
        last.overdue_fen,
        last.dpd,
        "".join(codes),
    )


CSV_FIELDS = (
    "accountId",
    "userId",
    "month",
    "status",
    "balanceFen",
    "overdueFen",
    "daysPastDue",
    "history",
)


def to_csv(lines: Iterable[BureauLine]) -> str:
    """The report file's text (the adapter writes it to S3 and submits it)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for line in lines:
        w.writerow(line.as_record())
    return buf.getvalue()


__all__ = ["HISTORY_MONTHS", "BureauLine", "bureau_line", "month_end", "overdue_code", "to_csv"]

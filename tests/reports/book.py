"""A small book whose figures are computed by hand in the tests (tests/reports, tests/cli).

All at 7.2 % APR (¥10,000 accrues 200 fen a day; penalty 1.5 x APR = 10.8 % accrues 75 fen a
day on each ¥2,500 overdue), 4 months equal principal (¥2,500 a month per ¥10,000), seen on
2026-06-30, every open loan closed through that day:

| loan      | drawn      | amount  | what happened                       | on 2026-06-30        |
|-----------|------------|---------|-------------------------------------|----------------------|
| L-cur     | 2026-05-31 | ¥10,000 | first due 06-30, due today          | CURRENT              |
| L-m1      | 2026-05-15 | ¥10,000 | missed 06-15                        | M1, 15 DPD           |
| L-npl     | 2026-01-10 | ¥10,000 | never paid (due 02-10 ... 05-10)    | M4+, 140 DPD         |
| L-closed  | 2026-02-01 | ¥5,000  | paid off on 2026-03-01              | CLOSED               |
| L-wo      | 2025-10-01 | ¥10,000 | never paid, written off 2026-04-30  | WRITTEN_OFF          |
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from chalicelib.loans.port import ACTIVE, CLOSED, OVERDUE, WRITTEN_OFF, LoanRecord
from chalicelib.money.schedule import ACTUAL_360, EQUAL_PRINCIPAL, build_schedule
from chalicelib.money.servicing import book_payment, payoff_quote

AS_OF = date(2026, 6, 30)
AT = "2026-01-01T00:00:00.000Z"
APR = Decimal("0.072")


def _loan(loan_id: str, user: str, fen: int, start: date) -> LoanRecord:
    s = build_schedule(fen, APR, 4, start, EQUAL_PRINCIPAL, ACTUAL_360)
    return LoanRecord.from_schedule(loan_id, user, s, f"card-{user}", AT)


def seeded() -> list[LoanRecord]:
    cur = _loan("L-cur", "u-cur", 1_000_000, date(2026, 5, 31))
    m1 = _loan("L-m1", "u-m1", 1_000_000, date(2026, 5, 15))
    npl = _loan("L-npl", "u-npl", 1_000_000, date(2026, 1, 10))
    closed = _loan("L-closed", "u-closed", 500_000, date(2026, 2, 1))
    paid_on = date(2026, 3, 1)
    _, pay = book_payment(
        closed.servicing(), "rep-closed", paid_on, payoff_quote(closed.servicing(), paid_on)
    )
    wo = _loan("L-wo", "u-wo", 1_000_000, date(2025, 10, 1))
    return [
        replace(cur, status=ACTIVE, outstanding_principal_fen=1_000_000, last_closed=AS_OF),
        replace(m1, status=OVERDUE, outstanding_principal_fen=1_000_000, last_closed=AS_OF),
        replace(npl, status=OVERDUE, outstanding_principal_fen=1_000_000, last_closed=AS_OF),
        replace(closed, status=CLOSED, payments=(pay,), last_closed=AS_OF),
        replace(
            wo,
            status=WRITTEN_OFF,
            outstanding_principal_fen=1_000_000,
            last_closed=AS_OF,
            written_off_on=date(2026, 4, 30),
        ),
    ]

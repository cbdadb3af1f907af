"""The slow, obviously-correct Decimal reference of `schedule.build_schedule`.

Used only by tests and the bench. It follows the textbook formulas with 80-digit Decimals and
quantizes to the fen with the named rounding mode; the fast engine must agree to the fen.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

from chalicelib.money.schedule import (
    EQUAL_INSTALLMENT,
    HALF_UP,
    THIRTY_360,
    due_dates,
    parse_apr,
    period_days,
)


def reference_schedule(
    principal_fen: int,
    apr: Decimal | str,
    months: int,
    start: date,
    method: str = EQUAL_INSTALLMENT,
    day_count: str = THIRTY_360,
    rounding: str = HALF_UP,
) -> list[tuple[date, int, int, int, int]]:
    """[(dueDate, principal, interest, total, balance)] in fen."""
    apr = parse_apr(apr)
    mode = ROUND_HALF_UP if rounding == HALF_UP else ROUND_HALF_EVEN
    with localcontext() as ctx:
        ctx.prec = 80

        def q(x: Decimal) -> int:
            return int(x.quantize(Decimal(1), rounding=mode))

        days = list(period_days(start, months))
        if day_count == THIRTY_360:

            def interest_on(bal: int, i: int) -> Decimal:
                return Decimal(bal) * apr / 12
        else:

            def interest_on(bal: int, i: int) -> Decimal:
                return Decimal(bal) * apr * days[i] / 360

        rates = [interest_on(1, i) for i in range(months)]
        out = []
        bal = principal_fen
        if method == EQUAL_INSTALLMENT:
            if apr == 0:
                pay = q(Decimal(principal_fen) / months)
            else:
                # level payment: P x prod(1+r_i) / sum_j prod_{i>j}(1+r_i)
                growth = Decimal(1)
                for r in rates:
                    growth *= 1 + r
                acc = Decimal(0)
                suffix = Decimal(1)
                for r in reversed(rates):
                    acc += suffix
                    suffix *= 1 + r
                pay = q(Decimal(principal_fen) * growth / acc)
            for i, d in enumerate(due_dates(start, months)):
                it = q(interest_on(bal, i))
                pr = pay - it if i < months - 1 else bal
                bal -= pr
                out.append((d, pr, it, pr + it, bal))
        else:
            each = q(Decimal(principal_fen) / months)
            for i, d in enumerate(due_dates(start, months)):
                it = q(interest_on(bal, i))
                pr = each if i < months - 1 else bal
                bal -= pr
                out.append((d, pr, it, pr + it, bal))
        return out

"""Many schedules at once, exactly: the same integer arithmetic as `build_schedule`, run as
int64 numpy vector operations across loans (one step per period instead of one per loan-period).

For portfolio work (re-projecting every open loan overnight, pricing grids, the bench). Each row
equals `build_schedule(...)` for that loan, to the fen; tests/money/test_schedule.py proves it.
int64 is exact here because every intermediate is bounded and checked: principal <= ¥200,000
(2e7 fen) times a doubled period-rate numerator stays far below 2**62 for any APR given to a
handful of decimals; a batch that could overflow is refused with ValueError (use build_schedule).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from chalicelib.money.schedule import (
    ACTUAL_360,
    DAY_COUNTS,
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    HALF_UP,
    MAX_APR,
    MAX_MONTHS,
    METHODS,
    ROUNDINGS,
    THIRTY_360,
    _plan,
    div_round,
    parse_apr,
)

_LIMIT = 2**62


class ScheduleBatch(NamedTuple):
    """Arrays of shape (loans, months), int64 fen."""

    principal: np.ndarray
    interest: np.ndarray
    total: np.ndarray
    balance: np.ndarray


def _round(num: np.ndarray, den: np.ndarray, rounding: str) -> np.ndarray:
    if rounding == HALF_UP:
        return (num * 2 + den) // (den * 2)
    q, r = np.divmod(num, den)
    r2 = r * 2
    return q + ((r2 > den) | ((r2 == den) & ((q & 1) == 1)))


def build_schedules(
    principals: Sequence[int] | np.ndarray,
    aprs: Sequence[Decimal],
    months: int,
    starts: Sequence[date] | date,
    method: str = EQUAL_INSTALLMENT,
    day_count: str = THIRTY_360,
    rounding: str = HALF_UP,
) -> ScheduleBatch:
    """Schedules for many draws of the same term. ValueError on any bad input (as
    build_schedule)."""
    if method not in METHODS or day_count not in DAY_COUNTS or rounding not in ROUNDINGS:
        raise ValueError("unknown method, day count or rounding")
    if type(months) is not int or not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1..{MAX_MONTHS}, not {months!r}")
    p = np.asarray(principals)
    if p.dtype.kind != "i" or p.ndim != 1 or (p <= 0).any():
        raise ValueError("principals must be positive integers of fen")
    n_loans = len(p)
    if len(aprs) != n_loans:
        raise ValueError("one APR per principal")
    start_list = [starts] * n_loans if isinstance(starts, date) else list(starts)
    p = p.astype(np.int64)
    actual = day_count == ACTUAL_360
    equal_installment = method == EQUAL_INSTALLMENT
    zero = Decimal(0)
    # One plan per distinct APR (and start, under actual/360); loans index into them.
    plans: list[tuple[Any, ...]] = []
    seen: dict[Any, int] = {}
    idx = [0] * n_loans
    pays = [0] * n_loans
    for i, (pi, apr) in enumerate(zip(p.tolist(), aprs, strict=True)):
        key = (apr, start_list[i]) if actual else apr
        j = seen.get(key)
        if j is None:
            if apr.__class__ is not Decimal or not zero <= apr <= MAX_APR:
                apr = parse_apr(apr)
            plan = _plan(apr, months, day_count, start_list[i] if actual else None)
            if plan[1] >= _LIMIT or max(plan[0]) >= _LIMIT:
                raise ValueError(f"APR {apr} has too many decimals for the int64 batch")
            j = seen[key] = len(plans)
            plans.append(plan)
        idx[i] = j
        if equal_installment:
            f_num, f_den = plans[j][2], plans[j][3]
            pays[i] = div_round(pi * f_num, f_den, rounding)
        else:
            pays[i] = div_round(pi, months, rounding)
    rows = np.asarray(idx, dtype=np.intp)
    nums = np.array([pl[0] for pl in plans], dtype=np.int64)[rows]
    den = np.array([pl[1] for pl in plans], dtype=np.int64)[rows]
    pay = np.array(pays, dtype=np.int64)
    if int(p.max()) * int(nums.max()) * 2 + int(den.max()) * 2 >= _LIMIT:
        raise ValueError("batch could overflow int64; use build_schedule per loan")
    principal = np.empty((n_loans, months), dtype=np.int64)
    interest = np.empty((n_loans, months), dtype=np.int64)
    balance = np.empty((n_loans, months), dtype=np.int64)
    bal = p.copy()
    for k in range(months):
        it = _round(bal * nums[:, k], den, rounding)
        if k == months - 1:
            pr = bal
        elif method == EQUAL_PRINCIPAL:
            pr = pay
        else:
            pr = pay - it
        bal = bal - pr
        principal[:, k] = pr
        interest[:, k] = it
        balance[:, k] = bal
    return ScheduleBatch(principal, interest, principal + interest, balance)

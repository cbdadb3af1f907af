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
from typing import NamedTuple

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
    """Schedules for many draws of the same term. ValueError on any bad input (as build_schedule)."""
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
    nums = np.empty((n_loans, months), dtype=np.int64)
    den = np.empty(n_loans, dtype=np.int64)
    pay = np.empty(n_loans, dtype=np.int64)
    actual = day_count == ACTUAL_360
    zero = Decimal(0)
    for i, apr in enumerate(aprs):
        if apr.__class__ is not Decimal or not zero <= apr <= MAX_APR:
            apr = parse_apr(apr)
        r_nums, r_den, f_num, f_den, _ = _plan(
            apr, months, day_count, start_list[i] if actual else None
        )
        if r_den >= _LIMIT or max(r_nums) >= _LIMIT:
            raise ValueError(f"APR {apr} has too many decimals for the int64 batch")
        nums[i] = r_nums
        den[i] = r_den
        pi = int(p[i])
        pay[i] = (
            div_round(pi * f_num, f_den, rounding)
            if method == EQUAL_INSTALLMENT
            else div_round(pi, months, rounding)
        )
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

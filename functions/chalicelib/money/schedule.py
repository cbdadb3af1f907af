"""Repayment schedules: 等额本息 (equal installment) and 等额本金 (equal principal).

Conventions, stated once:
- Money is integer fen. The APR is a Decimal fraction (Decimal("0.12") is 12%), 0 <= APR <= 24%.
- Day count "30/360": every period's rate is APR/12 (the textbook annuity).
  Day count "actual/360": period i's rate is APR/360 x actual days from the previous due date
  (the draw date for period 1) to due date i; the equal installment is the level payment that
  amortises the loan exactly under those per-period rates.
- Due dates fall on the draw's day of month, clamped to the month end (Jan 31 -> Feb 29 -> Mar 31).
- Every installment is rounded to the fen (half-up unless half-even is asked); each period's
  interest is rounded on the rounded balance; the last installment absorbs the residue, so the
  principal sums exactly to the amount and the balance ends at 0.

The arithmetic is exact: every rate is a rational number (APR = a/k from Decimal.as_integer_ratio)
and rounding is done once on integer numerator/denominator pairs by `div_round`. The slow Decimal
reference in `reference.py` computes the same thing; property tests prove they agree.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from chalicelib.amounts import fen_to_yuan

MAX_APR = Decimal("0.24")
_ZERO = Decimal(0)
MAX_MONTHS = 36

EQUAL_INSTALLMENT = "equal-installment"
EQUAL_PRINCIPAL = "equal-principal"
METHODS = (EQUAL_INSTALLMENT, EQUAL_PRINCIPAL)

THIRTY_360 = "30/360"
ACTUAL_360 = "actual/360"
DAY_COUNTS = (THIRTY_360, ACTUAL_360)

HALF_UP = "half-up"
HALF_EVEN = "half-even"
ROUNDINGS = (HALF_UP, HALF_EVEN)


def parse_apr(apr: Decimal | str | int) -> Decimal:
    """An APR as a Decimal fraction in [0, 0.24]; floats are refused (they are not exact)."""
    if isinstance(apr, float):
        # ValueError, not TypeError: callers handle one error class for "not a valid APR"
        raise ValueError("APR must be a Decimal or a decimal string, not a float")
    try:
        value = apr if isinstance(apr, Decimal) else Decimal(str(apr))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal APR: {apr!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite APR: {apr!r}")
    if value < 0:
        raise ValueError(f"APR {value} is negative")
    if value > MAX_APR:
        raise ValueError(f"APR {value} is above the 24% cap")
    return value


def div_round(num: int, den: int, rounding: str = HALF_UP) -> int:
    """num/den (both >= 0, den > 0) rounded to an integer: the one rounding rule of this module."""
    q, r = divmod(num, den)
    r2 = r + r
    if r2 > den or (r2 == den and (rounding == HALF_UP or q & 1)):
        q += 1
    return q


def add_months(start: date, months: int) -> date:
    """The draw's day of month, `months` later, clamped to the month end."""
    y, m0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m0 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=8192)
def due_dates(start: date, months: int) -> tuple[date, ...]:
    """The contract's due dates. Part of the stored loan's format: an item leaves its due dates
    out when they are these (loans/records.py), so a change to this rule must first write them
    into every loan stored before (tests/money/test_due_dates_pinned.py holds it)."""
    return tuple(add_months(start, i) for i in range(1, months + 1))


@lru_cache(maxsize=8192)
def period_days(start: date, months: int) -> tuple[int, ...]:
    """Actual days in each period: previous due date (the draw for period 1) to this due date."""
    prev = start.toordinal()
    out = []
    for d in due_dates(start, months):
        o = d.toordinal()
        out.append(o - prev)
        prev = o
    return tuple(out)


@lru_cache(maxsize=65536)
def _plan(apr: Decimal, months: int, day_count: str, start: date | None) -> tuple[Any, ...]:
    """Everything about a draw that does not depend on the amount, computed once per key.

    Returns (nums, den, f_num, f_den, uniform): rate_i = nums[i] / den, the level payment is
    principal x f_num / f_den exactly, and uniform says every period has the same rate.
    `start` is None under 30/360 (rates do not depend on it).
    """
    a, k = apr.as_integer_ratio()
    if start is None:
        nums: tuple[int, ...] = (a,) * months
        den = 12 * k
    else:
        nums = tuple(a * d for d in period_days(start, months))
        den = 360 * k
    f_num, f_den = _annuity_factor(nums, den)
    uniform = len(set(nums)) == 1
    return nums, den, f_num, f_den, uniform


def _annuity_factor(nums: tuple[int, ...], den: int) -> tuple[int, int]:
    """(F_num, F_den) with payment = principal x F_num / F_den, exact.

    With m_i = den + nums[i] (so 1 + rate_i = m_i / den) the level payment A satisfies
    P x prod(m_i) = A x sum_j(den^j x prod_{i>j} m_i), j = 1..n.
    """
    n = len(nums)
    if not any(nums):
        return 1, n
    total = 0
    suffix = 1
    den_pow = den**n
    for j in range(n - 1, -1, -1):  # j is 0-based here; den exponent is j + 1
        total += den_pow * suffix
        den_pow //= den
        suffix *= den + nums[j]
    return suffix, total


@dataclass(frozen=True, slots=True)
class Installment:
    n: int
    due_date: date
    principal: int
    interest: int
    total: int
    balance: int

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "dueDate": self.due_date.isoformat(),
            "principal": fen_to_yuan(self.principal),
            "interest": fen_to_yuan(self.interest),
            "total": fen_to_yuan(self.total),
            "balance": fen_to_yuan(self.balance),
        }


class Schedule(NamedTuple):
    """A computed schedule: parallel tuples, one entry per installment (all fen).

    A NamedTuple rather than a frozen dataclass: it is as immutable and several times cheaper to
    build, which matters at 50,000 schedules a second.
    """

    principal_fen: int
    apr: Decimal
    start: date
    method: str
    day_count: str
    rounding: str
    due_dates: tuple[date, ...]
    principal: tuple[int, ...]
    interest: tuple[int, ...]
    total: tuple[int, ...]
    balance: tuple[int, ...]

    @property
    def months(self) -> int:
        return len(self.due_dates)

    @property
    def total_interest(self) -> int:
        return sum(self.interest)

    @property
    def total_repayable(self) -> int:
        return self.principal_fen + sum(self.interest)

    def installments(self) -> list[Installment]:
        return [
            Installment(i + 1, d, p, it, t, b)
            for i, (d, p, it, t, b) in enumerate(
                zip(
                    self.due_dates,
                    self.principal,
                    self.interest,
                    self.total,
                    self.balance,
                    strict=False,
                )
            )
        ]

    def as_json(self) -> dict[str, Any]:
        """The CLI/API shape: money as yuan decimal strings, the APR as a percent string."""
        return {
            "installments": [i.as_json() for i in self.installments()],
            "totalInterest": fen_to_yuan(self.total_interest),
            "totalRepayable": fen_to_yuan(self.total_repayable),
            "apr": _apr_percent(self.apr),
            "method": self.method,
            "dayCount": self.day_count,
            "rounding": self.rounding,
        }

    def as_record(self) -> dict[str, Any]:
        """Compact storable form (DynamoDB-safe: ints and strings only)."""
        return {
            "method": self.method,
            "dayCount": self.day_count,
            "rounding": self.rounding,
            "dueDates": [d.isoformat() for d in self.due_dates],
            "principal": list(self.principal),
            "interest": list(self.interest),
        }


def _apr_percent(apr: Decimal) -> str:
    s = format((apr * 100).normalize(), "f")
    return s


def build_schedule(
    principal_fen: int,
    apr: Decimal | str,
    months: int,
    start: date,
    method: str = EQUAL_INSTALLMENT,
    day_count: str = THIRTY_360,
    rounding: str = HALF_UP,
) -> Schedule:
    """The repayment schedule of a draw.

    Raises ValueError on an APR outside [0, 24%], a non-positive or non-integer principal,
    months outside 1..36, or an unknown method / day count / rounding.
    """
    if apr.__class__ is not Decimal or not (_ZERO <= apr <= MAX_APR):
        apr = parse_apr(apr)
    _check(principal_fen, rounding)
    if months.__class__ is not int or not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1..{MAX_MONTHS}, not {months!r}")
    if day_count == THIRTY_360:
        plan = _plan(apr, months, day_count, None)
    elif day_count == ACTUAL_360:
        plan = _plan(apr, months, day_count, start)
    else:
        raise ValueError(f"day count must be one of {DAY_COUNTS}, not {day_count!r}")
    parts = _parts(principal_fen, method, plan, rounding)
    return Schedule(
        principal_fen, apr, start, method, day_count, rounding, due_dates(start, months), *parts
    )


@lru_cache(maxsize=8192)
def _plan_over(apr: Decimal, start: date, dates: tuple[date, ...]) -> tuple[Any, ...]:
    """`_plan` under actual/360 for explicit due dates (period 1 runs from `start`)."""
    a, k = apr.as_integer_ratio()
    prev, days = start.toordinal(), []
    for d in dates:
        days.append(d.toordinal() - prev)
        prev = d.toordinal()
    if min(days) <= 0:
        raise ValueError("due dates must be after the start date and increasing")
    nums = tuple(a * d for d in days)
    den = 360 * k
    f_num, f_den = _annuity_factor(nums, den)
    return nums, den, f_num, f_den, len(set(nums)) == 1


def schedule_over(
    principal_fen: int,
    apr: Decimal,
    start: date,
    dates: tuple[date, ...],
    method: str = EQUAL_INSTALLMENT,
    day_count: str = ACTUAL_360,
    rounding: str = HALF_UP,
) -> Schedule:
    """`principal_fen` lent on `start` and repaid on the given due dates, built exactly as
    `build_schedule` builds a contract (same per-period rates, same level payment, same rounding).

    Servicing re-amortises with it after a prepayment: the balance left, from the prepayment
    date, over the due dates still ahead. Unlike a contract the amount can be a few fen; when the
    rounded payment would then repay more than is left, rows are capped at the balance (each
    row's interest recomputed on it) so that no row is negative.
    """
    apr = parse_apr(apr)
    _check(principal_fen, rounding)
    if not dates:
        raise ValueError("at least one due date")
    if day_count == THIRTY_360:
        plan = _plan(apr, len(dates), day_count, None)
    elif day_count == ACTUAL_360:
        plan = _plan_over(apr, start, tuple(dates))
    else:
        raise ValueError(f"day count must be one of {DAY_COUNTS}, not {day_count!r}")
    parts = _parts(principal_fen, method, plan, rounding)
    if min(parts[0]) < 0 or min(parts[3]) < 0:
        parts = _capped(principal_fen, plan[0], plan[1], parts[0], rounding)
    return Schedule(principal_fen, apr, start, method, day_count, rounding, tuple(dates), *parts)


def _check(principal_fen: int, rounding: str) -> None:
    if principal_fen.__class__ is not int or principal_fen <= 0:
        raise ValueError(f"principal must be a positive integer of fen, not {principal_fen!r}")
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, not {rounding!r}")


def _parts(principal_fen: int, method: str, plan: tuple[Any, ...], rounding: str) -> Any:
    """The rows (principal, interest, total, balance) of `method` over a `_plan`."""
    nums, den, f_num, f_den, uniform = plan
    if method == EQUAL_INSTALLMENT:
        return _equal_installment(principal_fen, nums, den, f_num, f_den, uniform, rounding)
    if method == EQUAL_PRINCIPAL:
        return _equal_principal(principal_fen, nums, den, rounding)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def _capped(
    p: int, nums: tuple[int, ...], den: int, wanted: tuple[int, ...], rounding: str
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The rows with each principal in [0, balance left] (the last takes the rest)."""
    bal, principal, interest, total, balance = p, [], [], [], []
    for k, r in enumerate(nums):
        it = div_round(bal * r, den, rounding)
        pr = bal if k == len(nums) - 1 else min(max(wanted[k], 0), bal)
        bal -= pr
        principal.append(pr)
        interest.append(it)
        total.append(pr + it)
        balance.append(bal)
    return tuple(principal), tuple(interest), tuple(total), tuple(balance)


def _equal_installment(
    p: int, nums: tuple[int, ...], den: int, f_num: int, f_den: int, uniform: bool, rounding: str
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    n = len(nums)
    m = n - 1
    pay = div_round(p * f_num, f_den, rounding)
    bal = p
    principal = [0] * n
    interest = [0] * n
    balance = [0] * n
    if uniform and rounding == HALF_UP:
        # Hot path (30/360, half-up): one rate; half-up on x >= 0 is floor((2x + d) / 2d).
        r2 = nums[0] * 2
        den2 = den * 2
        for k in range(m):
            it = (bal * r2 + den) // den2
            interest[k] = it
            pr = pay - it
            principal[k] = pr
            bal -= pr
            balance[k] = bal
    elif rounding == HALF_UP:
        den2 = den * 2
        for k in range(m):
            it = (bal * nums[k] * 2 + den) // den2
            interest[k] = it
            pr = pay - it
            principal[k] = pr
            bal -= pr
            balance[k] = bal
    else:
        for k in range(m):
            it = div_round(bal * nums[k], den, rounding)
            interest[k] = it
            pr = pay - it
            principal[k] = pr
            bal -= pr
            balance[k] = bal
    last_interest = div_round(bal * nums[m], den, rounding)
    principal[m] = bal
    interest[m] = last_interest
    total = [pay] * n
    total[m] = bal + last_interest
    return tuple(principal), tuple(interest), tuple(total), tuple(balance)


def _equal_principal(
    p: int, nums: tuple[int, ...], den: int, rounding: str
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    n = len(nums)
    m = n - 1
    each = div_round(p, n, rounding)
    principal = [each] * n
    interest = [0] * n
    total = [0] * n
    balance = [0] * n
    bal = p
    half_up = rounding == HALF_UP
    den2 = den * 2
    for k in range(n):
        r = nums[k]
        it = (bal * r * 2 + den) // den2 if half_up else div_round(bal * r, den, rounding)
        pr = each if k < m else bal
        bal -= pr
        interest[k] = it
        total[k] = pr + it
        balance[k] = bal
    principal[m] = p - each * m
    return tuple(principal), tuple(interest), tuple(total), tuple(balance)

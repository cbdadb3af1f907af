"""Loan servicing math, pure: what a borrower owes on any day, and how a repayment is allocated.

Rules (stated once, here):
- Interest accrues daily on the outstanding principal at APR/360, from the draw date; a payment
  on day d pays interest up to and including day d (days are counted as date differences).
- The schedule's principal column says when principal falls due. On a due date the interest
  accrued so far is billed with that installment. What is due on a due date and unpaid at the end
  of it is overdue from the next day.
- Penalty interest accrues daily on overdue principal, from the day after the due date, at
  penalty_rate(APR, multiplier) / 360: multiplier x APR (1.5x by default), but never more than
  24% - APR. Interest keeps accruing on overdue principal too, so interest and penalty together
  stay within the 24% a year that the product promises (and that Chinese courts enforce for
  the total of interest, penalty interest and fees).
- Days past due (DPD) count from the oldest due date with anything still unpaid;
  buckets: current, 1-30, 31-60, 61-90, 90+.
- A repayment is allocated penalty -> interest -> principal by default (order configurable);
  principal pays due installments oldest first, and what is left is a prepayment.
- Early (partial) repayment: no fee, interest only to that day. A prepayment KEEPS THE TERM and
  re-amortises the remaining balance over the remaining future due dates with the loan's method
  (so later installments shrink); the next due date does not move.
- A payment above the payoff amount is refused (Unprocessable): no overpayment is accepted.
- Accrued amounts are exact rationals (integer numerators over one denominator) and are rounded
  to the fen, half-up, only when quoted or paid; paying a rounded amount in full clears the
  fraction.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.errors import Unprocessable
from chalicelib.money.schedule import (
    ACTUAL_360,
    DAY_COUNTS,
    EQUAL_INSTALLMENT,
    HALF_UP,
    MAX_APR,
    ROUNDINGS,
    div_round,
    parse_apr,
    schedule_over,
)

PENALTY = "penalty"
INTEREST = "interest"
PRINCIPAL = "principal"
DEFAULT_ORDER: tuple[str, ...] = (PENALTY, INTEREST, PRINCIPAL)
DEFAULT_PENALTY_MULTIPLIER = Decimal("1.5")


def penalty_rate(apr: Decimal, multiplier: Decimal) -> Decimal:
    """The yearly penalty rate on overdue principal: multiplier x APR, capped so that the APR
    plus this rate never exceed 24%."""
    return max(Decimal(0), min(multiplier * apr, MAX_APR - apr))


BUCKETS = ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90"))


def dpd_bucket(dpd: int) -> str:
    for upper, name in BUCKETS:
        if dpd <= upper:
            return name
    return "90+"


@dataclass(frozen=True)
class Payment:
    """A repayment as booked: when, how much, and how it was allocated (fen)."""

    key: str
    on: date
    amount_fen: int
    penalty_fen: int
    interest_fen: int
    principal_fen: int

    def as_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "on": self.on.isoformat(),
            "amountFen": self.amount_fen,
            "penaltyFen": self.penalty_fen,
            "interestFen": self.interest_fen,
            "principalFen": self.principal_fen,
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Payment:
        return cls(
            r["key"],
            date.fromisoformat(r["on"]),
            int(r["amountFen"]),
            int(r["penaltyFen"]),
            int(r["interestFen"]),
            int(r["principalFen"]),
        )


@dataclass(frozen=True)
class Loan:
    """What servicing needs to know about a drawn loan."""

    principal_fen: int
    apr: Decimal
    start: date
    due_dates: tuple[date, ...]
    scheduled_principal: tuple[int, ...]
    method: str = EQUAL_INSTALLMENT
    penalty_multiplier: Decimal = DEFAULT_PENALTY_MULTIPLIER
    payments: tuple[Payment, ...] = ()
    # the contract's construction, reused to re-amortise after a prepayment
    day_count: str = ACTUAL_360
    rounding: str = HALF_UP

    def __post_init__(self) -> None:
        parse_apr(self.apr)
        if self.day_count not in DAY_COUNTS or self.rounding not in ROUNDINGS:
            raise ValueError(f"unknown day count {self.day_count!r} or rounding {self.rounding!r}")
        if sum(self.scheduled_principal) != self.principal_fen:
            raise ValueError("scheduled principal does not sum to the principal")
        if len(self.due_dates) != len(self.scheduled_principal):
            raise ValueError("one due date per installment")
        if self.penalty_multiplier < 0:
            raise ValueError("penalty multiplier must be >= 0")

    def with_payment(self, payment: Payment) -> Loan:
        return replace(self, payments=(*self.payments, payment))


@dataclass(frozen=True)
class Allocation:
    penalty_fen: int
    interest_fen: int
    principal_fen: int

    @property
    def total_fen(self) -> int:
        return self.penalty_fen + self.interest_fen + self.principal_fen


@dataclass(frozen=True)
class Position:
    """A loan as of a day (all fen)."""

    as_of: date
    outstanding_principal_fen: int
    interest_fen: int  # accrued and unpaid, billed or not
    penalty_fen: int
    overdue_principal_fen: int
    overdue_interest_fen: int
    dpd: int
    bucket: str
    payoff_fen: int
    next_due_date: date | None
    next_due_principal_fen: int
    # principal and billed interest of the installments due on or before `as_of` and unpaid
    # (today's included): what must be paid today, or be overdue tomorrow
    due_principal_fen: int = 0
    due_interest_fen: int = 0

    @property
    def overdue_fen(self) -> int:
        return self.overdue_principal_fen + self.overdue_interest_fen + self.penalty_fen

    @property
    def closed(self) -> bool:
        return self.payoff_fen == 0


@dataclass
class _Replay:
    """Mutable replay state; interest and penalty are numerators over `den` (fen x den)."""

    loan: Loan
    den: int
    int_day: int  # numerator of one day's interest per fen of principal
    pen_day: int  # numerator of one day's penalty per fen of overdue principal
    cur: date
    bal: int
    interest_num: int = 0
    penalty_num: int = 0
    # installments: [due_date, principal_remaining, billed_interest_num_remaining,
    #                billed_principal, billed_interest_num] (the last two set when billed)
    inst: list[list[Any]] = field(default_factory=list)
    next_bill: int = 0  # index of the next installment whose due date has not been reached
    first_prepaid: int | None = None  # next_bill when principal was first paid ahead of its bill
    settled_from: int | None = None  # next_bill when the last principal was paid

    def accrue_to(self, day: date) -> None:
        days = (day - self.cur).days
        if days > 0:
            overdue = sum(i[1] for i in self.inst[: self.next_bill] if i[0] < day)
            # overdue principal is constant between events: due dates are events themselves
            self.interest_num += self.bal * self.int_day * days
            self.penalty_num += overdue * self.pen_day * days
            self.cur = day

    def bill_due_dates(self, up_to: date) -> None:
        """Process due dates <= up_to: accrue to each, then bill the interest accrued so far."""
        while self.next_bill < len(self.inst) and self.inst[self.next_bill][0] <= up_to:
            d = self.inst[self.next_bill][0]
            self.accrue_to(d)
            billed_before = sum(i[2] for i in self.inst[: self.next_bill])
            i = self.inst[self.next_bill]
            i[2] = max(0, self.interest_num - billed_before)
            i[3], i[4] = i[1], i[2]
            self.next_bill += 1
        self.accrue_to(up_to)

    def owed(self) -> tuple[int, int]:
        return div_round(self.penalty_num, self.den), div_round(self.interest_num, self.den)

    def pay_interest(self, fen: int) -> None:
        owed = div_round(self.interest_num, self.den)
        self.interest_num = 0 if fen >= owed else self.interest_num - fen * self.den
        left = fen * self.den if fen < owed else None
        for i in self.inst[: self.next_bill]:  # billed chunks, oldest first
            if left is None:
                i[2] = 0
            else:
                take = min(i[2], left)
                i[2] -= take
                left -= take

    def pay_penalty(self, fen: int) -> None:
        owed = div_round(self.penalty_num, self.den)
        self.penalty_num = 0 if fen >= owed else self.penalty_num - fen * self.den

    def pay_principal(self, fen: int, on: date) -> None:
        self.bal -= fen
        left = fen
        for i in self.inst[: self.next_bill]:  # due installments oldest first
            take = min(i[1], left)
            i[1] -= take
            left -= take
        if left:
            if self.first_prepaid is None:
                self.first_prepaid = self.next_bill
            self._reamortise_future(left, on)
        if not self.bal and self.settled_from is None:
            self.settled_from = self.next_bill

    def _reamortise_future(self, prepaid: int, on: date) -> None:
        """Spread what is left over the due dates ahead, as the contract was built: the same
        method, day count and rounding, with period 1 running from the prepayment date (interest
        to that day is paid first), so equal installments are level again."""
        future = self.inst[self.next_bill :]
        remaining = sum(i[1] for i in future) - prepaid
        if remaining <= 0:
            for i in future:
                i[1] = 0
            return
        loan = self.loan
        parts = schedule_over(
            remaining,
            loan.apr,
            on,
            tuple(i[0] for i in future),
            loan.method,
            loan.day_count,
            loan.rounding,
        ).principal
        for i, p in zip(future, parts, strict=False):
            i[1] = p


def _start(loan: Loan) -> _Replay:
    a, k = loan.apr.as_integer_ratio()
    pn, pk = penalty_rate(loan.apr, loan.penalty_multiplier).as_integer_ratio()
    den = 360 * k * pk
    return _Replay(
        loan,
        den,
        a * pk,
        pn * k,
        loan.start,
        loan.principal_fen,
        inst=[
            [d, p, 0, 0, 0] for d, p in zip(loan.due_dates, loan.scheduled_principal, strict=False)
        ],
    )


def _allocate(st: _Replay, amount: int, order: tuple[str, ...]) -> Allocation:
    pen_owed, int_owed = st.owed()
    owed = {PENALTY: pen_owed, INTEREST: int_owed, PRINCIPAL: st.bal}
    payoff = pen_owed + int_owed + st.bal
    if amount > payoff:
        raise Unprocessable(
            f"payment of {amount} fen exceeds the payoff amount of {payoff} fen", field="amount"
        )
    left = amount
    got = {PENALTY: 0, INTEREST: 0, PRINCIPAL: 0}
    for part in order:
        got[part] = min(left, owed[part])
        left -= got[part]
    return Allocation(got[PENALTY], got[INTEREST], got[PRINCIPAL])


def _apply(st: _Replay, a: Allocation, on: date) -> None:
    st.pay_penalty(a.penalty_fen)
    st.pay_interest(a.interest_fen)
    if a.principal_fen:
        st.pay_principal(a.principal_fen, on)


def _replay(loan: Loan, as_of: date) -> _Replay:
    if as_of < loan.start:
        raise Unprocessable(f"{as_of} is before the draw date {loan.start}", field="date")
    st = _start(loan)
    for p in loan.payments:
        if p.on > as_of:
            raise Unprocessable(f"a payment on {p.on} is after {as_of}", field="date")
        st.bill_due_dates(p.on)
        _apply(st, Allocation(p.penalty_fen, p.interest_fen, p.principal_fen), p.on)
    st.bill_due_dates(as_of)
    return st


def position(loan: Loan, as_of: date) -> Position:
    """The loan as of the end of `as_of` (payments on that day included)."""
    return _position_of(_replay(loan, as_of), as_of)


def positions(loan: Loan, days: list[date] | tuple[date, ...]) -> list[Position]:
    """`position` on each of `days` (ascending) from ONE replay, each counting only the payments
    made on or before it: what a close of business needs for a run of days, at the cost of one.
    Unlike `position`, payments after a day are allowed (they are simply not yet made)."""
    if list(days) != sorted(days):
        raise ValueError("days must be in ascending order")
    if days and days[0] < loan.start:
        raise Unprocessable(f"{days[0]} is before the draw date {loan.start}", field="date")
    st = _start(loan)
    out, pays = [], iter(loan.payments)
    pending = next(pays, None)
    for day in days:
        while pending is not None and pending.on <= day:
            st.bill_due_dates(pending.on)
            _apply(
                st,
                Allocation(pending.penalty_fen, pending.interest_fen, pending.principal_fen),
                pending.on,
            )
            pending = next(pays, None)
        st.bill_due_dates(day)
        out.append(_position_of(st, day))
    return out


def _position_of(st: _Replay, as_of: date) -> Position:
    pen, intr = st.owed()
    overdue_p = sum(i[1] for i in st.inst[: st.next_bill] if i[0] < as_of)
    overdue_i = div_round(sum(i[2] for i in st.inst[: st.next_bill] if i[0] < as_of), st.den)
    unpaid = [i[0] for i in st.inst[: st.next_bill] if i[0] < as_of and (i[1] or i[2])]
    dpd = (as_of - unpaid[0]).days if unpaid else 0
    # the first due date ahead, while principal is left on the rows ahead (as `plan` shows it)
    upcoming = st.inst[st.next_bill :] if any(i[1] for i in st.inst[st.next_bill :]) else []
    return Position(
        as_of,
        st.bal,
        intr,
        pen,
        overdue_p,
        overdue_i,
        dpd,
        dpd_bucket(dpd),
        st.bal + intr + pen,
        upcoming[0][0] if upcoming else None,
        upcoming[0][1] if upcoming else 0,
        sum(i[1] for i in st.inst[: st.next_bill]),
        div_round(sum(i[2] for i in st.inst[: st.next_bill]), st.den),
    )


PAID, OVERDUE, DUE, UPCOMING, PREPAID = "PAID", "OVERDUE", "DUE", "UPCOMING", "PREPAID"


@dataclass(frozen=True)
class PlanRow:
    """One installment of the plan as it stands on a day (fen).

    Due rows (due date <= that day) show what was billed on the due date and what has been
    paid against it: PAID, DUE (its day is today) or OVERDUE. Rows ahead show what the borrower
    pays on each due date from now on, projected by the same replay that gives `position`:
    UPCOMING, or PREPAID when prepayments left nothing on it. `balance_fen` is the principal
    still owed after this row, once it and every row before it are paid."""

    n: int
    due_date: date
    status: str
    principal_fen: int
    interest_fen: int
    paid_principal_fen: int
    paid_interest_fen: int
    balance_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


def plan(loan: Loan, as_of: date) -> list[PlanRow]:
    """The schedule as it stands at the end of `as_of`: re-amortised after prepayments, so row
    by row it agrees with `position` (its first row ahead is `next_due_*`, see `next_due`) and
    with a payoff quote for that row's day (its interest). Penalty is not split by row.

    Once all the principal is paid the plan is a statement: every row shows what paid it (see
    `_settled`), and the rows' paid principal and interest add up to what the payments paid."""
    st = _replay(loan, as_of)
    rows: list[list[Any]] = []  # [due date, status, principal, interest, paid p, paid i]
    for d, p_left, i_left, p_billed, i_billed in st.inst[: st.next_bill]:
        billed_i, left_i = div_round(i_billed, st.den), div_round(i_left, st.den)
        status = PAID if not (p_left or i_left) else DUE if d == as_of else OVERDUE
        rows.append([d, status, p_billed, billed_i, p_billed - p_left, billed_i - left_i])
    # Ahead: assume what is due now is paid today, then each row on its due date, as shown.
    proj = deepcopy(st)
    pen_owed, _ = proj.owed()
    billed_left = div_round(sum(i[2] for i in proj.inst[: proj.next_bill]), proj.den)
    due_p = sum(i[1] for i in proj.inst[: proj.next_bill])
    _apply(proj, Allocation(pen_owed, billed_left, due_p), as_of)
    for j in range(proj.next_bill, len(proj.inst)):
        d, p = proj.inst[j][0], proj.inst[j][1]
        proj.bill_due_dates(d)
        pen, intr = proj.owed()
        if not p and not proj.bal:
            rows.append([d, PREPAID, 0, 0, 0, 0])
            continue
        rows.append([d, UPCOMING, p, intr, 0, 0])  # penalty: none, the overdue was paid today
        if p or intr:  # a row of nothing is not a payment: interest under a fen keeps accruing
            _apply(proj, Allocation(pen, intr, p), d)
    if st.settled_from is not None:
        _settled(loan, st, rows)
    out, owed_after = [], st.bal
    for n, (d, status, p, i, paid_p, paid_i) in enumerate(rows, 1):
        owed_after -= p - paid_p
        out.append(PlanRow(n, d, status, p, i, paid_p, paid_i, owed_after))
    return out


def _settled(loan: Loan, st: _Replay, rows: list[list[Any]]) -> None:
    """Attribute what prepayments paid to the rows, once no principal is left.

    Rows due before the last principal was paid keep what was billed and paid on them; the rows
    after it were settled ahead of their due dates: PREPAID. The principal paid ahead of any bill
    (every prepayment, the payoff included) goes to the rows in order, each up to its principal
    in the contract less what was paid on it when billed; the interest paid ahead of any bill, to
    the row of the period of the first prepayment. So every row shows what paid it, and the rows
    add up to the payments to the fen."""
    assert st.settled_from is not None
    for r in rows[st.settled_from :]:
        r[1] = PREPAID
    ahead_p = sum(x.principal_fen for x in loan.payments) - sum(r[4] for r in rows)
    for r, contract in zip(rows, loan.scheduled_principal, strict=False):
        take = min(ahead_p, max(0, contract - r[4]))
        r[2] += take
        r[4] += take
        ahead_p -= take
    ahead_i = sum(x.interest_fen for x in loan.payments) - sum(r[5] for r in rows)
    at = st.first_prepaid if st.first_prepaid is not None else len(rows) - 1
    for r in (rows[at:] + rows[:at][::-1]) if ahead_i < 0 else [rows[at]]:
        # a rounding residue below zero (rows billed and paid together are rounded as a whole)
        # is taken from the rows from that one on, never below zero
        take = ahead_i if ahead_i >= 0 else -min(-ahead_i, r[5])
        r[3] += take
        r[5] += take
        ahead_i -= take
        if not ahead_i:
            break


def next_due(loan: Loan, as_of: date) -> PlanRow | None:
    """The first row ahead of `as_of` with something to pay on it (UPCOMING, total > 0), with
    the interest projected to its due date: what the borrower pays next (what is overdue, and
    penalty, is in `position`). None once nothing is left. Normally it is the plan's first row
    ahead, which `position.next_due_*` names; they part only when a balance of a few fen leaves
    a row ahead with nothing on it (0% APR), which this skips."""
    return next_row(plan(loan, as_of))


def next_row(rows: list[PlanRow]) -> PlanRow | None:
    """`next_due` from a plan already built."""
    return next((r for r in rows if r.status == UPCOMING and r.total_fen), None)


def payoff_quote(loan: Loan, on: date) -> int:
    """Principal + interest to `on` + penalty: what closes the loan on that day (fen)."""
    return position(loan, on).payoff_fen


def allocate(
    loan: Loan, on: date, amount_fen: int, order: tuple[str, ...] = DEFAULT_ORDER
) -> Allocation:
    """How a repayment of `amount_fen` on `on` is split. Unprocessable if it exceeds the payoff."""
    if type(amount_fen) is not int or amount_fen <= 0:
        raise Unprocessable("a repayment must be a positive integer of fen", field="amount")
    if sorted(order) != sorted(DEFAULT_ORDER):
        raise ValueError(f"allocation order must be a permutation of {DEFAULT_ORDER}")
    if loan.payments and on < loan.payments[-1].on:
        raise Unprocessable(f"{on} is before the last payment on {loan.payments[-1].on}")
    return _allocate(_replay(loan, on), amount_fen, order)


def book_payment(
    loan: Loan, key: str, on: date, amount_fen: int, order: tuple[str, ...] = DEFAULT_ORDER
) -> tuple[Loan, Payment]:
    """Allocate and append a repayment; idempotent on `key` (a booked key returns as booked)."""
    for p in loan.payments:
        if p.key == key:
            if (p.on, p.amount_fen) != (on, amount_fen):
                raise Unprocessable(f"repayment {key} was booked with other terms")
            return loan, p
    a = allocate(loan, on, amount_fen, order)
    payment = Payment(key, on, amount_fen, a.penalty_fen, a.interest_fen, a.principal_fen)
    return loan.with_payment(payment), payment


__all__ = [
    "DEFAULT_ORDER",
    "Allocation",
    "Loan",
    "Payment",
    "PlanRow",
    "Position",
    "allocate",
    "book_payment",
    "dpd_bucket",
    "next_due",
    "next_row",
    "payoff_quote",
    "plan",
    "position",
    "positions",
]

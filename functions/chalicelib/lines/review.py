"""Monthly line review and repricing, pure: from how a borrower has behaved, the line's new
limit and the APR for new draws, with reason codes and a history entry.

The rules (`ReviewPolicy` holds the numbers):

| condition (first match wins)                  | limit                  | reason code             |
|-----------------------------------------------|------------------------|-------------------------|
| a loan overdue now, or the line frozen        | unchanged, APR too     | REVIEW_DEFERRED_OVERDUE |
| worst DPD since the last review >= 60         | cut to what is drawn   | LIMIT_CUT_SEVERE_LATE   |
| worst DPD since the last review >= 30         | halved                 | LIMIT_CUT_LATE_30       |
| worst DPD since the last review >= 1          | cut 20%                | LIMIT_CUT_LATE          |
| on book < 3 months                            | unchanged              | REVIEW_TOO_NEW          |
| >= 3 due, all on time, used >= 50%, grade A-C | up by the grade's step | LIMIT_UP_ON_TIME        |
| >= 12 months on book, used < 10%              | cut 10% (idle capital) | LIMIT_CUT_UNUSED        |
| otherwise                                     | unchanged              | LIMIT_KEPT              |

A late payment cuts the limit once, at the first review after it: the cut rows read the worst
DPD since the last review (`new_max_dpd`), so one late installment is not punished again at
every monthly review of the window. It still counts for the whole window where it should: no
raise while any installment of the window was late, and the APR is not lowered.

Then the limit is rounded down to ¥100, kept within ¥50-¥200,000 and never below what is drawn
(LIMIT_HELD_AT_BALANCE, LIMIT_AT_MAXIMUM say when that decided it). The APR for new draws is the
APR of the re-score's grade (`apr_for_grade`, supplied by pricing), within 7.2%-24%; after any
late payment in the window it is not lowered (APR_HELD_LATE). Contracts already signed keep
their rate: only new draws use it. A review is keyed `review-{userId}-{YYYYMMDD}`, which is also
the key of its limit change (`CreditLines.change_limit`) and of its notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from chalicelib.lines.freeze import LINE_FROZEN
from chalicelib.money.accrual import paid_through
from chalicelib.money.notifications import Notification, line_change_notifications
from chalicelib.money.schedule import add_months
from chalicelib.money.servicing import PAID, Loan, plan, position, positions
from chalicelib.reasons import Reason

AprForGrade = Callable[[str], Decimal]


@dataclass(frozen=True)
class ReviewPolicy:
    min_limit_fen: int = 5_000  # ¥50
    max_limit_fen: int = 20_000_000  # ¥200,000
    step_fen: int = 10_000  # limits move in whole ¥100
    apr_floor: Decimal = Decimal("0.072")
    apr_cap: Decimal = Decimal("0.24")
    window_months: int = 12
    severe_dpd: int = 60
    serious_dpd: int = 30
    serious_cut: Decimal = Decimal("0.50")
    late_cut: Decimal = Decimal("0.20")
    # three clean installments before a raise: see docs/risk.md "Line review" for why
    min_months: int = 3
    raise_min_installments: int = 3
    raise_min_utilisation: Decimal = Decimal("0.5")
    step_up: dict[str, Decimal] = field(
        default_factory=lambda: {
            "A": Decimal("0.20"),
            "B": Decimal("0.15"),
            "C": Decimal("0.10"),
            "D": Decimal(0),
            "E": Decimal(0),
        }
    )
    dormant_months: int = 12
    dormant_utilisation: Decimal = Decimal("0.1")
    dormant_cut: Decimal = Decimal("0.10")


DEFAULT_REVIEW_POLICY = ReviewPolicy()


@dataclass(frozen=True)
class LineTerms:
    """The line as it is before the review (ids only)."""

    user_id: str
    limit_fen: int
    apr: Decimal
    grade: str
    status: str
    opened_on: date


@dataclass(frozen=True)
class Behaviour:
    """How the borrower used and repaid the line over the review window."""

    months_on_book: int
    installments_due: int
    installments_on_time: int  # paid in full by the end of their due date
    max_dpd: int  # the worst days past due in the window
    current_dpd: int  # today's (the most overdue loan)
    utilisation: Decimal  # average drawn / limit over the window, 0..1
    drawn_fen: int  # drawn now: the limit never goes below it
    grade: str  # the re-score's grade
    # the worst days past due since the line's last review (None: never reviewed, the window's)
    since_review_dpd: int | None = None

    @property
    def new_max_dpd(self) -> int:
        """The worst DPD not yet answered by a review: what a cut or a downgrade acts on."""
        return self.max_dpd if self.since_review_dpd is None else self.since_review_dpd

    def __post_init__(self) -> None:
        if min(self.months_on_book, self.installments_due, self.max_dpd, self.current_dpd) < 0:
            raise ValueError("months, installments and days past due are never negative")
        if self.since_review_dpd is not None and not 0 <= self.since_review_dpd <= self.max_dpd:
            raise ValueError("the DPD since the last review is within [0, the window's]")
        if not 0 <= self.installments_on_time <= self.installments_due:
            raise ValueError("installments on time are between 0 and the installments due")
        if not isinstance(self.utilisation, Decimal) or not 0 <= self.utilisation <= 1:
            raise ValueError("utilisation is a Decimal within [0, 1]")
        if self.drawn_fen < 0:
            raise ValueError("drawn is never negative")


@dataclass(frozen=True)
class LineReview:
    """The outcome of one review, kept as an entry of the line's history."""

    review_id: str
    user_id: str
    on: date
    limit_before_fen: int
    limit_fen: int
    apr_before: Decimal
    apr: Decimal
    grade_before: str
    grade: str
    reasons: tuple[Reason, ...]

    @property
    def limit_changed(self) -> bool:
        return self.limit_fen != self.limit_before_fen

    @property
    def apr_changed(self) -> bool:
        return self.apr != self.apr_before

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def history_entry(self) -> dict[str, Any]:
        return {
            "kind": "review",
            "reviewId": self.review_id,
            "on": self.on.isoformat(),
            "limitBeforeFen": self.limit_before_fen,
            "limitFen": self.limit_fen,
            "aprBefore": str(self.apr_before),
            "apr": str(self.apr),
            "gradeBefore": self.grade_before,
            "grade": self.grade,
            "reasons": [r.as_dict() for r in self.reasons],
        }

    def notifications(self) -> tuple[Notification, ...]:
        return line_change_notifications(
            self.user_id,
            self.review_id,
            self.on,
            self.limit_before_fen,
            self.limit_fen,
            self.apr_before,
            self.apr,
            self.reason_codes,
        )


def review_id(user_id: str, on: date) -> str:
    return f"review-{user_id}-{on:%Y%m%d}"


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (a month ends on `start`'s day, clamped)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(0, months)


def is_review_day(opened_on: date, day: date) -> bool:
    """Lines are reviewed monthly on their opening day of the month (clamped to month end)."""
    m = months_between(opened_on, day)
    return m >= 1 and add_months(opened_on, m) == day


def next_review_date(opened_on: date, after: date) -> date:
    """The first review day strictly after `after`."""
    m = max(1, months_between(opened_on, after))
    while add_months(opened_on, m) <= after:
        m += 1
    return add_months(opened_on, m)


def _round_down(fen: Decimal, step: int) -> int:
    return int((fen / step).to_integral_value(rounding=ROUND_DOWN)) * step


def review_line(
    line: LineTerms,
    behaviour: Behaviour,
    on: date,
    apr_for_grade: AprForGrade,
    policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
) -> LineReview:
    """Review a line on its review day (see the module's table)."""
    b, p = behaviour, policy
    if b.drawn_fen > line.limit_fen:
        raise ValueError("drawn exceeds the limit: the line's books are off")
    limit = Decimal(line.limit_fen)
    one = Decimal(1)
    reasons: list[Reason] = []

    def because(code: str, text: str) -> None:
        reasons.append(Reason(code, text))

    if b.current_dpd > 0 or line.status == LINE_FROZEN:
        because(
            "REVIEW_DEFERRED_OVERDUE",
            "A loan is overdue, so your line is not reviewed until it is repaid.",
        )
        return _review(line, on, line.limit_fen, line.apr, line.grade, reasons)
    late = b.new_max_dpd
    if late >= p.severe_dpd:
        new = Decimal(b.drawn_fen)
        because(
            "LIMIT_CUT_SEVERE_LATE",
            f"A payment was {late} days late since your last review: no new credit for now.",
        )
    elif late >= p.serious_dpd:
        new = limit * (one - p.serious_cut)
        because("LIMIT_CUT_LATE_30", f"A payment was {late} days late since your last review.")
    elif late >= 1:
        new = limit * (one - p.late_cut)
        because("LIMIT_CUT_LATE", f"A payment was {late} days late since your last review.")
    elif b.months_on_book < p.min_months:
        new = limit
        because(
            "REVIEW_TOO_NEW", f"Your line is reviewed for an increase after {p.min_months} months."
        )
    elif (
        b.installments_due >= p.raise_min_installments
        and b.installments_on_time == b.installments_due
        and b.utilisation >= p.raise_min_utilisation
        and p.step_up.get(b.grade, Decimal(0)) > 0
    ):
        new = max(limit, limit * (one + p.step_up[b.grade]))
        because(
            "LIMIT_UP_ON_TIME",
            f"All {b.installments_due} installments were paid on time and you use your line.",
        )
    elif b.months_on_book >= p.dormant_months and b.utilisation < p.dormant_utilisation:
        new = limit * (one - p.dormant_cut)
        because("LIMIT_CUT_UNUSED", "Your line has been mostly unused for a year.")
    else:
        new = limit
        because("LIMIT_KEPT", "Your line stays as it is.")
    if late >= p.severe_dpd:
        new_fen = max(b.drawn_fen, p.min_limit_fen)  # exactly what is drawn: nothing available
    elif new == limit:
        new_fen = line.limit_fen
    else:
        new_fen = _round_down(new, p.step_fen)
    if new_fen > p.max_limit_fen:
        new_fen = p.max_limit_fen
        because("LIMIT_AT_MAXIMUM", "Your line is at the product's maximum.")
    new_fen = max(new_fen, p.min_limit_fen)
    if new_fen < b.drawn_fen:
        new_fen = b.drawn_fen
        because("LIMIT_HELD_AT_BALANCE", "Your line is never cut below what you have drawn.")
    if new > limit:
        new_fen = max(new_fen, line.limit_fen)  # rounding never turns a raise into a cut
    elif new < limit:
        new_fen = min(new_fen, max(line.limit_fen, p.min_limit_fen))

    apr = min(max(apr_for_grade(b.grade), p.apr_floor), p.apr_cap)
    if apr < line.apr and b.max_dpd >= 1:
        apr = line.apr
        because("APR_HELD_LATE", "Your rate for new draws is not lowered after a late payment.")
    elif apr < line.apr:
        because("APR_DOWN_REGRADE", f"Your rate for new draws is lowered (grade {b.grade}).")
    elif apr > line.apr:
        because("APR_UP_REGRADE", f"Your rate for new draws is raised (grade {b.grade}).")
    return _review(line, on, new_fen, apr, b.grade, reasons)


def _review(
    line: LineTerms, on: date, limit_fen: int, apr: Decimal, grade: str, reasons: list[Reason]
) -> LineReview:
    return LineReview(
        review_id(line.user_id, on),
        line.user_id,
        on,
        line.limit_fen,
        limit_fen,
        line.apr,
        apr,
        line.grade,
        grade,
        tuple(reasons),
    )


def behaviour_from_loans(
    loans: Sequence[Loan],
    line: LineTerms,
    drawn_fen: int,
    on: date,
    grade: str,
    window_months: int = DEFAULT_REVIEW_POLICY.window_months,
    last_review: date | None = None,
) -> Behaviour:
    """Behaviour over the window ending on `on`, from the borrower's loans replayed exactly:
    installments due in the window and how many were paid in full by the end of their due date;
    the worst DPD (on the eve of each payment, and today); average utilisation over the
    window's monthly review days (principal outstanding / today's limit, capped at 1); the
    worst DPD after `last_review` (the line's last review day), when there was one."""
    start = max(line.opened_on, add_months(on, -window_months))
    due = on_time = max_dpd = current_dpd = recent_dpd = 0
    sample_days = sorted(
        {d for k in range(window_months) if (d := add_months(on, -k)) >= line.opened_on}
    )
    used = [0] * len(sample_days)
    for loan in loans:
        for d in loan.due_dates:
            if start < d <= on:
                due += 1
                row = next(r for r in plan(paid_through(loan, d), d) if r.due_date == d)
                on_time += row.status == PAID
        for i, p in enumerate(loan.payments):
            if start < p.on <= on:
                before = replace(loan, payments=loan.payments[:i])
                dpd = position(before, p.on).dpd
                max_dpd = max(max_dpd, dpd)
                if last_review is None or p.on > last_review:
                    recent_dpd = max(recent_dpd, dpd)
        if on >= loan.start:
            today = position(paid_through(loan, on), on).dpd
            max_dpd, current_dpd = max(max_dpd, today), max(current_dpd, today)
            recent_dpd = max(recent_dpd, today)
        days = [d for d in sample_days if d >= loan.start]
        for j, pos in enumerate(positions(loan, days), len(sample_days) - len(days)):
            used[j] += pos.outstanding_principal_fen
    share = [min(Decimal(1), Decimal(u) / line.limit_fen) for u in used] if line.limit_fen else []
    utilisation = (
        (sum(share, Decimal(0)) / len(share)).quantize(Decimal("0.0001")) if share else Decimal(0)
    )
    return Behaviour(
        months_between(line.opened_on, on),
        due,
        on_time,
        max_dpd,
        current_dpd,
        min(utilisation, Decimal(1)),
        drawn_fen,
        grade,
        None if last_review is None else min(recent_dpd, max_dpd),
    )


__all__ = [
    "DEFAULT_REVIEW_POLICY",
    "Behaviour",
    "LineReview",
    "LineTerms",
    "ReviewPolicy",
    "behaviour_from_loans",
    "is_review_day",
    "months_between",
    "next_review_date",
    "review_id",
    "review_line",
]

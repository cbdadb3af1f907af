"""Price an approved applicant and set the credit line; review lines periodically.

The price and the line come from the pricing model (`pricing_model.py`: every assumption named
there); this module turns them into an offer under the product's rules. Rates are Decimal
fractions (Decimal("0.1825") is 18.25 % a year); money is integer fen. Rounding is stated once
here: the daily rate is APR / 360 rounded half-up to 10 decimal places, lines round DOWN to ¥100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from chalicelib.amounts import percent
from chalicelib.bureau.report import BureauReport
from chalicelib.pricing_model import (
    APR_CAP,
    APR_FLOOR,
    DAY_COUNT,
    DEFAULT_ECONOMICS,
    GRADES,
    RATE_STEPS,
    Economics,
    as_pd,
    capped_quote,
    daily_rate,
    risk_line_fen,
)
from chalicelib.reasons import Reason

__all__ = [
    "APR_CAP",
    "APR_FLOOR",
    "DAY_COUNT",
    "GRADES",
    "RATE_TABLE",
    "AprCapExceeded",
    "GradeTerms",
    "LinePolicy",
    "Offer",
    "affordable_line_fen",
    "daily_rate",
    "daily_rate_percent",
    "guard_apr",
    "price",
    "review_line",
]


@dataclass(frozen=True)
class GradeTerms:
    apr: Decimal
    review_step_up: Decimal
    """Periodic review: raise by this share when the line is used and repaid on time."""


# Review step-ups per grade; the grade's APR is the pricing model's rate step, and which PDs
# get which grade is the pricing model's output (`pricing_model.tier_table`, docs/risk.md).
_REVIEW_STEP_UP = {
    "A": Decimal("0.20"),
    "B": Decimal("0.15"),
    "C": Decimal("0.10"),
    "D": Decimal("0.00"),
    "E": Decimal("0.00"),
}
RATE_TABLE: dict[str, GradeTerms] = {
    grade: GradeTerms(apr, _REVIEW_STEP_UP[grade]) for grade, apr in RATE_STEPS
}


@dataclass(frozen=True)
class LinePolicy:
    min_line_fen: int = 5_000  # ¥50
    max_line_fen: int = 20_000_000  # ¥200,000
    step_fen: int = 10_000  # lines are whole ¥100
    thin_file_factor: Decimal = Decimal("0.5")
    """Thin-file applicants get half the risk line: the model knows little about them."""
    max_debt_to_income: Decimal = Decimal("0.5")
    """All monthly repayments (existing debt + this line fully drawn) within 50 % of income."""
    repayment_months: int = 12
    """Debt is assumed to amortise over this many months when estimating monthly repayments."""
    offer_valid_days: int = 30
    # Periodic review
    review_min_months: int = 6
    review_min_utilisation: Decimal = Decimal("0.5")
    review_dormant_months: int = 12
    review_dormant_utilisation: Decimal = Decimal("0.1")
    review_dormant_cut: Decimal = Decimal("0.10")
    review_late_dpd: int = 1
    review_late_cut: Decimal = Decimal("0.20")
    review_serious_dpd: int = 30
    review_serious_cut: Decimal = Decimal("0.50")
    review_freeze_dpd: int = 60


DEFAULT_LINE_POLICY = LinePolicy()


class AprCapExceeded(RuntimeError):
    """An offer would breach the 24 % APR cap: a bug or a bad table, never a customer error."""


def guard_apr(apr: Decimal, daily_rate: Decimal) -> None:
    """Raise if the APR, or the APR implied by the daily rate, exceeds the legal cap."""
    if not APR_FLOOR <= apr <= APR_CAP:
        raise AprCapExceeded(f"APR {apr} outside [{APR_FLOOR}, {APR_CAP}]")
    if daily_rate * DAY_COUNT > APR_CAP:
        raise AprCapExceeded(f"daily rate {daily_rate} implies APR above {APR_CAP}")


def daily_rate_percent(rate: Decimal) -> str:
    """The daily rate as shown to the customer: Decimal('0.000506944') -> '0.0507'."""
    return percent(rate, places=4)


@dataclass(frozen=True)
class Offer:
    grade: str
    apr: Decimal
    daily_rate: Decimal
    limit_fen: int
    """0 means no offer: affordability leaves less than the minimum line (see reasons)."""
    expires_at: datetime
    first_draw_fen: int = 0
    """The requested amount, capped by the line."""
    reasons: tuple[Reason, ...] = field(default=())
    """Why the line is lower than the risk line alone gives (thin file, affordability)."""

    def as_dict(self) -> dict[str, Any]:
        """Workflow/DynamoDB-safe: rates as decimal strings, expiry as ISO-8601 UTC."""
        return {
            "grade": self.grade,
            "apr": str(self.apr),
            "aprPercent": percent(self.apr),
            "dailyRate": str(self.daily_rate),
            "dailyRatePercent": daily_rate_percent(self.daily_rate),
            "limitFen": self.limit_fen,
            "firstDrawFen": self.first_draw_fen,
            "expiresAt": self.expires_at.isoformat(),
            "reasons": [r.as_dict() for r in self.reasons],
        }


def _round_down(fen: Decimal | int, step: int) -> int:
    return int((Decimal(fen) / step).to_integral_value(rounding=ROUND_DOWN)) * step


def _terms(grade: str) -> GradeTerms:
    try:
        return RATE_TABLE[grade]
    except KeyError:
        raise ValueError(f"unknown grade {grade!r}; expected one of {GRADES}") from None


def affordable_line_fen(
    monthly_income_fen: int, bureau: BureauReport, policy: LinePolicy = DEFAULT_LINE_POLICY
) -> int:
    """Largest line whose full drawdown keeps all monthly repayments within the DTI cap."""
    existing_monthly = Decimal(bureau.outstanding_debt_fen) / policy.repayment_months
    room = policy.max_debt_to_income * monthly_income_fen - existing_monthly
    return max(0, int(room * policy.repayment_months))


def price(
    pd: float,
    monthly_income_fen: int,
    bureau_report: BureauReport,
    requested_amount_fen: int,
    *,
    now: datetime,
    policy: LinePolicy = DEFAULT_LINE_POLICY,
    economics: Economics = DEFAULT_ECONOMICS,
) -> Offer:
    """The offer for an approved applicant with probability of default `pd`.

    APR: the pricing model's APR* rounded up to the product's rate step, whose grade the offer
    carries. The decision declines an APR* above the top step (PRICE_ABOVE_CAP); one an analyst
    approved anyway is offered the top step, so no offer is ever above the cap.
    Line: the risk line (the largest whose expected loss drawn in full stays within the price's
    margin; it grows with income and shrinks with PD), halved for a thin file, capped by
    affordability, clamped to [¥50, ¥200,000], rounded down to ¥100. If affordability leaves less
    than ¥50 the offer has limit 0 and a LINE_UNAFFORDABLE reason: no loan is better than a loan
    the applicant cannot repay.
    """
    if monthly_income_fen < 0 or requested_amount_fen < 0:
        raise ValueError("income and requested amount must be non-negative fen")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    p = as_pd(pd)
    grade, apr = capped_quote(p, economics)
    rate = daily_rate(apr)
    guard_apr(apr, rate)

    reasons: list[Reason] = []
    risk_line = risk_line_fen(p, monthly_income_fen, economics)
    line = Decimal("Infinity") if risk_line is None else risk_line  # PD 0: no risk limit
    if bureau_report.thin_file:
        line *= policy.thin_file_factor
        reasons.append(
            Reason(
                "LINE_THIN_FILE", "Your credit history is short, so your starting line is lower."
            )
        )
    affordable = affordable_line_fen(monthly_income_fen, bureau_report, policy)
    if affordable < line:
        line = Decimal(affordable)
        reasons.append(
            Reason(
                "LINE_AFFORDABILITY",
                "Your line is limited by your existing debt compared with your income.",
            )
        )
    limit = _round_down(min(line, Decimal(policy.max_line_fen)), policy.step_fen)
    if limit < policy.min_line_fen:
        if affordable < policy.min_line_fen:
            limit = 0
            reasons.append(
                Reason(
                    "LINE_UNAFFORDABLE",
                    "Your existing debt is too high for your income for us to offer a line.",
                )
            )
        else:
            limit = policy.min_line_fen
    return Offer(
        grade=grade,
        apr=apr,
        daily_rate=rate,
        limit_fen=limit,
        expires_at=now + timedelta(days=policy.offer_valid_days),
        first_draw_fen=min(requested_amount_fen, limit),
        reasons=tuple(reasons),
    )


def review_line(
    current_limit_fen: int,
    grade: str,
    months_on_book: int,
    max_dpd: int,
    utilisation: Decimal | float,
    policy: LinePolicy = DEFAULT_LINE_POLICY,
) -> int:
    """Periodic line review; the first matching row wins.

    | condition                                   | new line                      |
    |---------------------------------------------|-------------------------------|
    | max_dpd >= 60                               | 0 (frozen)                    |
    | max_dpd >= 30                               | halved                        |
    | max_dpd >= 1                                | cut 20 %                      |
    | too new (< 6 months on book)                | unchanged                     |
    | used >= 50 % and grade A-C                  | raised by the grade's step-up |
    | >= 12 months and used < 10 %                | cut 10 % (unused capital)     |
    | otherwise                                   | unchanged                     |

    Results round down to ¥100 and stay within [¥50, ¥200,000] unless frozen. `utilisation` is
    average drawn balance / line over the review period, 0..1.
    """
    if current_limit_fen < 0 or months_on_book < 0 or max_dpd < 0:
        raise ValueError("limit, months on book and days past due must be non-negative")
    terms = _terms(grade)
    used = Decimal(str(utilisation))
    if not Decimal(0) <= used <= Decimal(1):
        raise ValueError(f"utilisation must be within [0, 1], not {utilisation}")
    if current_limit_fen == 0:
        return 0  # a frozen line is reopened by a new application, not by review
    limit = Decimal(current_limit_fen)
    one = Decimal(1)
    if max_dpd >= policy.review_freeze_dpd:
        return 0
    if max_dpd >= policy.review_serious_dpd:
        new = limit * (one - policy.review_serious_cut)
    elif max_dpd >= policy.review_late_dpd:
        new = limit * (one - policy.review_late_cut)
    elif months_on_book < policy.review_min_months:
        new = limit
    elif used >= policy.review_min_utilisation and terms.review_step_up > 0:
        new = limit * (one + terms.review_step_up)
    elif (
        months_on_book >= policy.review_dormant_months and used < policy.review_dormant_utilisation
    ):
        new = limit * (one - policy.review_dormant_cut)
    else:
        new = limit
    clamped = min(max(new, Decimal(policy.min_line_fen)), Decimal(policy.max_line_fen))
    return max(policy.min_line_fen, _round_down(clamped, policy.step_fen))

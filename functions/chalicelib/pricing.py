"""Price an approved applicant and set the credit line; review lines periodically.

Rules live in the tables below, readable by a credit officer. Rates are Decimal fractions
(Decimal("0.1825") is 18.25 % a year); money is integer fen. Rounding is stated once here:
the daily rate is APR / 360 rounded half-up to 10 decimal places, lines round DOWN to ¥100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.amounts import percent
from chalicelib.bureau.report import BureauReport
from chalicelib.reasons import Reason

GRADES = ("A", "B", "C", "D", "E")
APR_FLOOR = Decimal("0.072")
APR_CAP = Decimal("0.24")
"""Hard legal cap (PBoC / Supreme People's Court guidance); checked by guard_apr on every offer."""
DAY_COUNT = 360
_DAILY_PLACES = Decimal("1e-10")


@dataclass(frozen=True)
class GradeTerms:
    apr: Decimal
    income_multiple: Decimal
    """Line = monthly income x this, before affordability and clamps."""
    review_step_up: Decimal
    """Periodic review: raise by this share when the line is used and repaid on time."""


# grade: APR (daily rate shown)      line = k x monthly income   review step-up
RATE_TABLE: dict[str, GradeTerms] = {
    "A": GradeTerms(Decimal("0.0720"), Decimal("3.0"), Decimal("0.20")),  # 0.0200 %/day
    "B": GradeTerms(Decimal("0.1080"), Decimal("2.5"), Decimal("0.15")),  # 0.0300 %/day
    "C": GradeTerms(Decimal("0.1440"), Decimal("2.0"), Decimal("0.10")),  # 0.0400 %/day
    "D": GradeTerms(Decimal("0.1825"), Decimal("1.5"), Decimal("0.00")),  # 0.0507 %/day
    "E": GradeTerms(Decimal("0.2376"), Decimal("1.0"), Decimal("0.00")),  # 0.0660 %/day
}


@dataclass(frozen=True)
class LinePolicy:
    min_line_fen: int = 5_000  # ¥50
    max_line_fen: int = 20_000_000  # ¥200,000
    step_fen: int = 10_000  # lines are whole ¥100
    thin_file_factor: Decimal = Decimal("0.5")
    """Thin-file applicants get half the line: the model knows little about them."""
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


def daily_rate(apr: Decimal) -> Decimal:
    return (apr / DAY_COUNT).quantize(_DAILY_PLACES, rounding=ROUND_HALF_UP)


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
    """Why the line is lower than the grade alone gives (thin file, affordability)."""

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
    grade: str,
    score: int,
    monthly_income_fen: int,
    bureau_report: BureauReport,
    requested_amount_fen: int,
    *,
    now: datetime,
    policy: LinePolicy = DEFAULT_LINE_POLICY,
) -> Offer:
    """The offer for an approved applicant.

    APR comes from the grade alone (`score` is accepted for the audit trail; the grade already
    carries its band). Line = income x grade multiple, halved for a thin file, capped by
    affordability, clamped to [¥50, ¥200,000], rounded down to ¥100. If affordability leaves less
    than ¥50 the offer has limit 0 and a LINE_UNAFFORDABLE reason: no loan is better than a
    loan the applicant cannot repay.
    """
    if monthly_income_fen < 0 or requested_amount_fen < 0:
        raise ValueError("income and requested amount must be non-negative fen")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    terms = _terms(grade)
    apr = terms.apr
    rate = daily_rate(apr)
    guard_apr(apr, rate)

    reasons: list[Reason] = []
    line = Decimal(monthly_income_fen) * terms.income_multiple
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

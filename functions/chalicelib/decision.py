"""The credit decision: knockouts first, then the model's PD against its cutoff.

| step | rule                                             | outcome | code                        |
|------|--------------------------------------------------|---------|-----------------------------|
| 1    | KYC failed                                       | DECLINE | KYC reasons as given        |
| 1    | fraud screening declines                         | DECLINE | fraud reasons               |
| 1    | bureau blacklist                                 | DECLINE | KO_BUREAU_BLACKLIST         |
| 1    | unpaid court judgment                            | DECLINE | KO_COURT_JUDGMENT           |
| 1    | max days past due in 24 months > 90              | DECLINE | KO_SERIOUS_DELINQUENCY      |
| 1    | hard inquiries in 6 months > 6                   | DECLINE | KO_TOO_MANY_INQUIRIES       |
| 2    | pd > cutoff + margin                             | DECLINE | SCORE_BELOW_CUTOFF + model  |
| 3    | cutoff - margin < pd <= cutoff + margin          | REVIEW  | SCORE_BORDERLINE + model    |
| 3    | fraud screening asks for review                  | REVIEW  | fraud reasons               |
| 4    | otherwise                                        | APPROVE | THIN_FILE note if thin      |

All knockouts are reported, not just the first. A thin file is never a knockout: pricing gives
a lower line. Age outside 18-60 arrives as a KYC reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from chalicelib.fraud.model import FraudResult
from chalicelib.reasons import Reason

Outcome = Literal["APPROVE", "DECLINE", "REVIEW"]


class BureauFacts(Protocol):
    """What the knockouts read from a bureau report (BureauReport has all of it)."""

    @property
    def blacklisted(self) -> bool: ...

    @property
    def court_judgment(self) -> bool: ...

    @property
    def max_dpd_24m(self) -> int: ...

    @property
    def recent_hard_inquiries(self) -> int: ...

    @property
    def thin_file(self) -> bool: ...


class ScoreLike(Protocol):
    """What the decision needs from the scorer's ScoreResult."""

    @property
    def pd(self) -> float: ...

    @property
    def grade(self) -> str: ...

    @property
    def reasons(self) -> Sequence[Reason | str]: ...


@dataclass(frozen=True)
class DecisionPolicy:
    borderline_margin: float = 0.02
    """Half-width of the REVIEW band around the model card's PD cutoff."""
    max_dpd_days: int = 90
    max_hard_inquiries: int = 6
    max_model_reasons: int = 4


DEFAULT_POLICY = DecisionPolicy()

KO_TEXT = {
    "KO_BUREAU_BLACKLIST": "The credit bureau reports a serious default or fraud record.",
    "KO_COURT_JUDGMENT": "The credit bureau reports an unpaid court judgment.",
    "KO_SERIOUS_DELINQUENCY": "A payment was more than 90 days late in the last 24 months.",
    "KO_TOO_MANY_INQUIRIES": "Many lenders have checked your credit recently.",
    "KYC_FAILED": "We could not verify your identity.",
}
SCORE_DECLINE = Reason(
    "SCORE_BELOW_CUTOFF", "Your credit score does not meet our lending standard."
)
SCORE_BORDERLINE = Reason(
    "SCORE_BORDERLINE", "Your application needs a closer look by our credit team."
)
THIN_FILE = Reason("THIN_FILE", "Your credit history is short; your starting line will be lower.")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "reasons": [r.as_dict() for r in self.reasons]}


def _model_reasons(score: ScoreLike | None, limit: int) -> list[Reason]:
    if score is None:
        return []
    return [
        r if isinstance(r, Reason) else Reason("MODEL", str(r)) for r in list(score.reasons)[:limit]
    ]


def _dedupe(reasons: list[Reason]) -> tuple[Reason, ...]:
    return tuple(dict.fromkeys(reasons))


def knockouts(
    kyc_passed: bool,
    kyc_reasons: Sequence[Reason],
    fraud: FraudResult | None,
    bureau: BureauFacts | None,
    policy: DecisionPolicy = DEFAULT_POLICY,
) -> list[Reason]:
    """Every knockout that applies, in table order."""
    out: list[Reason] = []
    if not kyc_passed:
        out.extend(kyc_reasons or [Reason("KYC_FAILED", KO_TEXT["KYC_FAILED"])])
    if fraud is not None and fraud.decline:
        out.extend(fraud.reasons)
    if bureau is not None:
        if bureau.blacklisted:
            out.append(Reason("KO_BUREAU_BLACKLIST", KO_TEXT["KO_BUREAU_BLACKLIST"]))
        if bureau.court_judgment:
            out.append(Reason("KO_COURT_JUDGMENT", KO_TEXT["KO_COURT_JUDGMENT"]))
        if bureau.max_dpd_24m > policy.max_dpd_days:
            out.append(Reason("KO_SERIOUS_DELINQUENCY", KO_TEXT["KO_SERIOUS_DELINQUENCY"]))
        if bureau.recent_hard_inquiries > policy.max_hard_inquiries:
            out.append(Reason("KO_TOO_MANY_INQUIRIES", KO_TEXT["KO_TOO_MANY_INQUIRIES"]))
    return out


def decide(
    kyc_passed: bool,
    kyc_reasons: Sequence[Reason],
    fraud: FraudResult | None,
    bureau: BureauFacts | None,
    score: ScoreLike | None,
    cutoff_pd: float,
    policy: DecisionPolicy = DEFAULT_POLICY,
) -> Decision:
    """Decide one application. fraud, bureau and score may be None only when an earlier
    knockout made the workflow skip that step; without a knockout they are required."""
    if not 0.0 < cutoff_pd < 1.0:
        raise ValueError(f"cutoff_pd must be within (0, 1), not {cutoff_pd}")
    model_reasons = _model_reasons(score, policy.max_model_reasons)
    ko = knockouts(kyc_passed, kyc_reasons, fraud, bureau, policy)
    if ko:
        return Decision("DECLINE", _dedupe(ko + model_reasons))
    if fraud is None or bureau is None or score is None:
        raise ValueError("fraud, bureau and score are required when no knockout applies")
    pd = float(score.pd)
    if math.isnan(pd) or not 0.0 <= pd <= 1.0:
        raise ValueError(f"pd must be within [0, 1], not {score.pd}")

    # Compare in Decimal so that a band edge written as 0.28 is 0.28 (0.30 - 0.02 is not, in float).
    pd_d, cut, margin = (Decimal(str(x)) for x in (pd, cutoff_pd, policy.borderline_margin))
    if pd_d > cut + margin:
        return Decision("DECLINE", _dedupe([SCORE_DECLINE, *model_reasons]))
    review: list[Reason] = []
    if pd_d > cut - margin:
        review += [SCORE_BORDERLINE, *model_reasons]
    if fraud.review:
        review += fraud.reasons
    if review:
        return Decision("REVIEW", _dedupe(review))
    return Decision("APPROVE", (THIN_FILE,) if bureau.thin_file else ())

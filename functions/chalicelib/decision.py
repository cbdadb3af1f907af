"""The credit decision: knockouts first, then whether the price the risk needs is one we offer.

| step | rule                                             | outcome | code                        |
|------|--------------------------------------------------|---------|-----------------------------|
| 1    | KYC failed                                       | DECLINE | KYC reasons as given        |
| 1    | fraud screening declines                         | DECLINE | fraud reasons               |
| 1    | bureau blacklist                                 | DECLINE | KO_BUREAU_BLACKLIST         |
| 1    | unpaid court judgment                            | DECLINE | KO_COURT_JUDGMENT           |
| 1    | max days past due in 24 months > 90              | DECLINE | KO_SERIOUS_DELINQUENCY      |
| 1    | hard inquiries in 6 months > 6                   | DECLINE | KO_TOO_MANY_INQUIRIES       |
| 2    | a review is worth its cost on the amount asked   | REVIEW  | SCORE_BORDERLINE + model    |
| 3    | APR* above the top rate step (24 % cap)          | DECLINE | PRICE_ABOVE_CAP + model     |
| 4    | fraud screening asks for review                  | REVIEW  | fraud reasons               |
| 5    | otherwise                                        | APPROVE | THIN_FILE note if thin      |

APR* is the pricing model's lowest APR that earns our target at the model's PD; the review band
is where an analyst's look is expected to save more than it costs (`pricing_model`: both come
from the same economics). All knockouts are reported, not just the first. A thin file is never a
knockout: pricing gives a lower line. Age outside 18-60 arrives as a KYC reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from chalicelib.fraud.model import FraudResult
from chalicelib.pricing_model import DEFAULT_ECONOMICS, Economics, quote, worth_review
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
PRICE_ABOVE_CAP = Reason(
    "PRICE_ABOVE_CAP",
    "The rate your credit risk would need is above the highest rate we offer (24% a year).",
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
    amount_fen: int,
    policy: DecisionPolicy = DEFAULT_POLICY,
    economics: Economics = DEFAULT_ECONOMICS,
) -> Decision:
    """Decide one application for `amount_fen` (the amount asked for: what a review could save
    is in proportion to it). fraud, bureau and score may be None only when an earlier knockout
    made the workflow skip that step; without a knockout they are required."""
    if amount_fen < 0:
        raise ValueError(f"amount must be non-negative fen, not {amount_fen}")
    model_reasons = _model_reasons(score, policy.max_model_reasons)
    ko = knockouts(kyc_passed, kyc_reasons, fraud, bureau, policy)
    if ko:
        return Decision("DECLINE", _dedupe(ko + model_reasons))
    if fraud is None or bureau is None or score is None:
        raise ValueError("fraud, bureau and score are required when no knockout applies")
    pd = float(score.pd)
    if math.isnan(pd) or not 0.0 <= pd <= 1.0:
        raise ValueError(f"pd must be within [0, 1], not {score.pd}")

    review: list[Reason] = []
    if worth_review(pd, amount_fen, economics):
        review += [SCORE_BORDERLINE, *model_reasons]
    elif not quote(pd, economics).within_cap:
        return Decision("DECLINE", _dedupe([PRICE_ABOVE_CAP, *model_reasons]))
    if fraud.review:
        review += fraud.reasons
    if review:
        return Decision("REVIEW", _dedupe(review))
    return Decision("APPROVE", (THIN_FILE,) if bureau.thin_file else ())

"""What the origination workflow carries from step to step (statemachines/origination.asl.json).

Each step returns one of these summaries; the ASL keeps it under its ResultPath (`$.identity`,
`$.fraud`, ...), its Choice states route on the flags, and later steps receive the whole state,
so they decide from what earlier steps said instead of reading it back. Summaries hold codes,
flags, grades and figures of the offer: never a name, an ID number, a phone number or what the
applicant declared (docs/architecture.md, "Personal data").
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Codes = tuple[str, ...]


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def state(self) -> dict[str, Any]:
        """As the workflow keeps it (JSON)."""
        return self.model_dump(mode="json")


class IdentityCheck(Summary):
    passed: bool
    reasonCodes: Codes = ()
    # The business date the decision is made on: the card's expiry and the applicant's age are
    # judged as of it here, and Score judges age as of the same day (one decision, one date).
    asOf: date | None = None


class FraudCheck(Summary):
    decline: bool
    review: bool
    reasonCodes: Codes = ()


class BureauCheck(Summary):
    """The facts the policy's knockouts read (docs/risk.md); the report itself is recorded."""

    thinFile: bool
    blacklisted: bool = False
    courtJudgment: bool = False
    maxDpd24m: int = 0
    recentHardInquiries: int = 0


class ScoreCheck(Summary):
    pd: float
    score: int
    grade: str
    # the amount asked for, which the score and the review's worth are about (a figure of the
    # credit asked for, like the offer's, not an identifier)
    amountFen: int
    reasonCodes: Codes = ()


class DecisionOutcome(Summary):
    outcome: Literal["APPROVE", "DECLINE", "REVIEW"]
    reasonCodes: Codes = ()


class ReviewOutcome(Summary):
    outcome: Literal["APPROVE", "DECLINE"]
    reviewer: str = ""


class OfferTerms(Summary):
    affordable: bool
    grade: str
    apr: str
    dailyRate: str
    limitFen: int
    expiresAt: str
    reasonCodes: Codes = ()


class Outcome(Summary):
    status: str
    reasonCodes: Codes = ()


class OriginationState(Summary):
    """A step's input: the application id and whatever earlier steps have said so far."""

    applicationId: str = Field(pattern=r"^app_[0-9a-z]{26}$")
    identity: IdentityCheck | None = None
    fraud: FraudCheck | None = None
    bureau: BureauCheck | None = None
    score: ScoreCheck | None = None
    decision: DecisionOutcome | None = None
    review: ReviewOutcome | None = None
    offer: OfferTerms | None = None
    # a caught failure (Catch ResultPath "$.error"): {"Error": name, "Cause": text}
    error: dict[str, Any] | None = None
    # Wait for Manual Review hands the task token to Request Review
    taskToken: str | None = None

    def error_name(self) -> str | None:
        return str(self.error.get("Error")) if self.error else None

    def trail(self) -> dict[str, Any]:
        """The routing summaries, kept with the outcome as the decision's audit trail."""
        return self.model_dump(
            mode="json",
            include={"identity", "fraud", "bureau", "score", "decision", "review", "offer"},
            exclude_none=True,
        )

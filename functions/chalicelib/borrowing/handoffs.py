"""What the disbursement and repayment workflows carry from step to step.

The execution starts with ids only; the first step reads the request once and hands its terms
on, so later steps decide from the state instead of reading the request again. Ids, fen,
dates, codes and statuses only: no personal data.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


LOAN_ID = r"^loan_[0-9a-z]{26}$"
# a borrower's repayment (rep_...) or an auto-debit of the close of business
# (auto-{loanId}-{YYYYMMDD}-{attempt}: money/collections.CollectionOrder.repayment_id)
REPAYMENT_ID = r"^(rep_[0-9a-z]{26}|auto-loan_[0-9a-z]{26}-[0-9]{8}-[0-9]{1,3})$"


class DrawTerms(Summary):
    """The draw as the borrower asked for it (Reserve Line reads it and hands it on)."""

    userId: str
    amountFen: int
    termMonths: int
    method: str
    startDate: str
    apr: str


class Contract(Summary):
    status: str


class Transfer(Summary):
    """What the bank did: settled or declined, and how much."""

    status: Literal["settled", "declined"]
    amountFen: int


class Booked(Summary):
    status: str


class Ended(Summary):
    status: str
    failure: str | None = None


class DrawState(Summary):
    loanId: str = Field(pattern=LOAN_ID)
    draw: DrawTerms | None = None
    payout: Transfer | None = None
    error: dict[str, Any] | None = None

    def error_name(self) -> str | None:
        return str(self.error.get("Error")) if self.error else None


class RepaymentTerms(Summary):
    """The repayment as the borrower asked for it (Quote Repayment reads it and hands it on);
    an auto-debit asks for what is due when it runs, and says when it is tried next."""

    userId: str
    amountFen: int
    on: str
    penaltyFen: int
    interestFen: int
    principalFen: int
    nextAttempt: str | None = None  # an auto-debit's next retry day, if this one falls short


class Posted(Summary):
    status: str
    principalFen: int
    interestFen: int
    penaltyFen: int
    suspenseFen: int


class Notified(Summary):
    """What Notify Borrower told: how many notifications, newly stored, put on the bus."""

    sent: int
    stored: int
    published: int


class RepaymentState(Summary):
    loanId: str = Field(pattern=LOAN_ID)
    repaymentId: str = Field(pattern=REPAYMENT_ID)
    quote: RepaymentTerms | None = None
    collection: Transfer | None = None
    posted: Posted | None = None
    restored: Ended | None = None  # Restore Line: SUCCEEDED
    result: Ended | None = None  # Record Failure: FAILED or STUCK
    error: dict[str, Any] | None = None

    def error_name(self) -> str | None:
        return str(self.error.get("Error")) if self.error else None

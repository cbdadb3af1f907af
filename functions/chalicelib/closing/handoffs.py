"""What the close-of-business workflow (statemachines/close-of-business.asl.json) carries from
step to step: the business date, where the day's files are, and counts. Ids, dates, codes and
fen only: never personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

BUSINESS_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class Handoff(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Day(Handoff):
    """The execution's input: the business date it closes."""

    businessDate: str = Field(pattern=BUSINESS_DATE)

    def day(self) -> date:
        return date.fromisoformat(self.businessDate)


class WorkList(Handoff):
    """Where Write Work List put the day's lists (the Maps' ItemReaders read them: loans, then
    lines) and where each Map writes its results (ResultWriter), with how many items each holds."""

    bucket: str
    key: str
    resultsPrefix: str
    loans: int
    linesKey: str
    linesResultsPrefix: str
    lines: int


class Batch(Day):
    """One Distributed Map child's input: a batch of the work list's items (loan ids)."""

    loanIds: list[str] = Field(max_length=10_000)


class LineBatch(Day):
    """A child of the lines' Map: a batch of the users whose line the day serves."""

    userIds: list[str] = Field(max_length=10_000)


class LinesClosed(Handoff):
    """A lines batch's answer: counts, and the users whose line could not be closed."""

    linesServed: int = 0
    linesFrozen: int = 0
    linesThawed: int = 0
    linesReviewed: int = 0
    limitsRaised: int = 0
    limitsLowered: int = 0
    failedLines: list[str] = Field(default_factory=list)


class BatchClosed(Handoff):
    """A batch's answer: the CobSummary's counts (camelCase) and the loans it could not close."""

    model_config = ConfigDict(frozen=True, extra="allow")

    failedLoans: list[str] = Field(default_factory=list)
    # lines of borrowers whose loans changed status, frozen or thawed by this batch
    linesFrozen: int = 0
    linesThawed: int = 0


class ResultFiles(Handoff):
    """The Map's ResultWriterDetails: the manifest's location."""

    Bucket: str
    Key: str


class Results(Day):
    results: ResultFiles
    lineResults: ResultFiles | None = None  # None: an execution started before lines were served


class Failure(Day):
    """Record Failure's input: the error Step Functions caught."""

    error: dict[str, Any] = Field(default_factory=dict)

    def error_name(self) -> str:
        return str(self.error.get("Error") or "Unknown")

    def cause(self) -> str:
        return str(self.error.get("Cause") or "")

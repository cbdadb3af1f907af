"""What the workflow hands each step: ids, and for a caught failure the error's name."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field

from .documents import document_id_from_key


class StepInput(BaseModel):
    # The workflow state may carry earlier steps' summaries; a step reads only its ids.
    model_config = ConfigDict(extra="ignore")

    applicationId: str = Field(pattern=r"^app_[0-9a-z]{26}$")
    error: dict[str, Any] | None = None

    def error_name(self) -> str | None:
        return str(self.error.get("Error")) if self.error else None


class ReviewRequest(StepInput):
    taskToken: str = Field(min_length=1)


class S3Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Records: list[dict[str, Any]]

    def document_ids(self) -> list[str]:
        ids = []
        for record in self.Records:
            key = unquote_plus(record["s3"]["object"]["key"])
            if key.startswith("id-cards/"):
                ids.append(document_id_from_key(key))
        return ids


class LoanStepInput(BaseModel):
    """Input of a disbursement step: the loan id (= execution name), and a caught error."""

    model_config = ConfigDict(extra="ignore")

    loanId: str = Field(pattern=r"^loan_[0-9a-z]{26}$")
    error: dict[str, Any] | None = None

    def error_name(self) -> str | None:
        return str(self.error.get("Error")) if self.error else None


class RepaymentStepInput(LoanStepInput):
    repaymentId: str = Field(pattern=r"^rep_[0-9a-z]{26}$")

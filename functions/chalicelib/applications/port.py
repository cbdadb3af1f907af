"""Applications: the record, the applicant's personal data kept apart, and the store's port.

Personal data (name, ID number, phone, and what OCR read off the card) lives in `ApplicantPii`,
a record of its own that only the steps needing it read; the application itself, the workflow
payloads and the ops views carry ids, codes and the applicant's declared terms only.

Contract (tests/applications/test_contract.py runs it against the fake and DynamoDB):
- create(app, pii, after=None): the application, its PII and the user's latest-application
  pointer, all or nothing, provided the pointer still names `after`; Conflict otherwise.
- latest_for_user(user_id) -> id | None: one consistent read.
- get(id) -> Application | None: the application item alone.
- get_for_step(id) -> (Application, ApplicantPii, StepRecords) | None: everything a workflow step
  may need, in one read.
- record_step(id, step): keep (or, on a retry, replace) one step's result.
- move(id, new, now, outcome): move the status once, writing the outcome in the same write;
  Conflict if the move is not allowed (a repeat to the same status is the caller's to spot).
- mark_accepted, put_review, get_review, list_reviews, close_review: offers and manual review.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from ..bureau.report import BureauReport
from ..errors import Conflict
from ..reasons import Reason


class Status(StrEnum):
    PENDING = "PENDING"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    FAILED = "FAILED"


FINAL = frozenset({Status.APPROVED, Status.DECLINED, Status.FAILED})

# Allowed moves; anything else is a bug or a replayed step and is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.IN_REVIEW, Status.APPROVED, Status.DECLINED, Status.FAILED}),
    Status.IN_REVIEW: frozenset({Status.APPROVED, Status.DECLINED, Status.FAILED}),
    Status.APPROVED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.FAILED: frozenset(),
}


def allowed_from(new: Status) -> list[Status]:
    return [s for s, targets in TRANSITIONS.items() if new in targets]


@dataclass(frozen=True)
class Offer:
    grade: str
    apr: str  # decimal fraction as string, e.g. "0.1825"
    daily_rate: str  # decimal fraction, e.g. "0.000506944"
    limit_fen: int
    expires_at: str  # ISO-8601 UTC


@dataclass(frozen=True)
class Profile:
    """What the applicant declared about themselves, minus the personal identifiers."""

    employment: str
    employment_years: int
    monthly_income_fen: int
    housing: str
    dependants: int
    city: str
    residence_years: int
    property: str = "none"


@dataclass(frozen=True)
class Device:
    fingerprint: str
    ip: str


@dataclass(frozen=True)
class Location:
    """The phone's position when applying (degrees; Decimal, as DynamoDB stores numbers)."""

    lat: Decimal
    lon: Decimal


@dataclass(frozen=True)
class Consent:
    text_version: str
    recorded_at: str
    credit_report: str = "granted"


@dataclass(frozen=True)
class Application:
    application_id: str
    user_id: str
    document_id: str
    status: Status
    amount_fen: int
    term_months: int
    purpose: str
    profile: Profile
    device: Device
    location: Location | None
    consent: Consent
    created_at: str
    updated_at: str
    reasons: tuple[Reason, ...] = ()
    offer: Offer | None = None
    accepted_at: str | None = None
    # The workflow's routing summaries (codes, flags, grades), kept with the outcome as the
    # decision's audit trail: {"identity": {...}, "fraud": {...}, "decision": {...}, ...}.
    trail: dict[str, Any] = field(default_factory=dict)

    def can_move_to(self, new: Status) -> bool:
        return new in TRANSITIONS[self.status]

    def with_status(self, new: Status, now: str) -> Application:
        return replace(self, status=new, updated_at=now)


@dataclass(frozen=True)
class ApplicantPii:
    application_id: str
    name: str
    id_number: str
    phone: str
    # What OCR read off the ID card (see kyc.fields.ExtractedFields), copied in when the
    # application is submitted after the photo was read; empty when it was not read yet.
    card: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print personal data, not even in a traceback
        return f"ApplicantPii(application_id={self.application_id!r}, <redacted>)"


@dataclass(frozen=True)
class ScoreRecord:
    """The model's verdict as recorded, with what it saw: reasons quote the applicant's own
    terms; `features` are the model's inputs (categories and numbers, no identifiers), read
    back by day for the drift check (scoring/port.py)."""

    pd: float
    score: int
    grade: str
    reasons: tuple[Reason, ...]
    day: date
    features: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepRecords:
    """What the steps recorded for later readers: a step records its result only when a later
    step or person needs more than the codes the workflow carries (texts, figures)."""

    identity: tuple[Reason, ...] = ()  # KYC reasons, recorded when identity failed
    fraud: tuple[Reason, ...] = ()  # fraud reasons, recorded when screening flagged anything
    bureau: BureauReport | None = None
    score: ScoreRecord | None = None
    offer: tuple[Reason, ...] = ()  # why no line could be offered, recorded when none could


@dataclass(frozen=True)
class Review:
    application_id: str
    task_token: str
    opened_at: str
    # why it is in review, as the analyst reads it (the decision's reasons, texts resolved)
    reasons: tuple[Reason, ...] = ()
    state: str = "PENDING"  # PENDING | CLOSED
    outcome: str | None = None
    closed_at: str | None = None

    def __repr__(self) -> str:  # the task token completes the workflow: keep it out of logs
        return f"Review({self.application_id!r}, state={self.state!r})"


STEPS = ("identity", "fraud", "bureau", "score", "offer")
StepResult = tuple[Reason, ...] | BureauReport | ScoreRecord


class LatestMoved(Conflict):
    """The user's latest application was not the one a create expected (`after`)."""


class ApplicationRepository(Protocol):
    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        """Write the application and its PII, and make it the user's latest application, all
        or nothing, provided the latest is still `after` (None: the user has none); else
        LatestMoved. An application id already written: Conflict."""
        ...

    def latest_for_user(self, user_id: str) -> str | None:
        """The id of the user's newest application (one consistent read)."""
        ...

    def get(self, application_id: str) -> Application | None:
        """The application record alone (one item)."""
        ...

    def get_for_step(
        self, application_id: str
    ) -> tuple[Application, ApplicantPii, StepRecords] | None:
        """The application, its applicant's personal data and the recorded steps, in one read."""
        ...

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        """Newest first."""
        ...

    def record_step(self, application_id: str, step: str, result: StepResult) -> None:
        """Keep (or, on a retry, replace) one step's result; `get_for_step` returns it."""
        ...

    def move(
        self,
        application_id: str,
        new: Status,
        now: str,
        *,
        reasons: tuple[Reason, ...] | None = None,
        offer: Offer | None = None,
        trail: dict[str, Any] | None = None,
    ) -> None:
        """Move the status (Conflict if TRANSITIONS forbid it), with the outcome, in one write."""
        ...

    def mark_accepted(self, application_id: str, now: str) -> None: ...

    def put_review(self, review: Review) -> None: ...

    def get_review(self, application_id: str) -> Review | None: ...

    def list_reviews(self) -> list[Review]: ...

    def close_review(self, application_id: str, outcome: str, now: str) -> Review:
        """PENDING -> CLOSED once (Conflict otherwise); off the pending list."""
        ...

"""The application as the product sees it: status, reasons, offer. No personal data here.

Personal data (name, ID number, phone) lives in a separate record (`ApplicantPii`) that
only identity verification and the bureau pull read, so every other reader, the
workflow payloads and the ops views included, handle ids and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class Offer:
    grade: str
    apr: str  # decimal fraction as string, e.g. "0.1825"
    daily_rate: str  # decimal fraction, e.g. "0.000506944"
    limit_fen: int
    expires_at: str  # ISO-8601 UTC

    def as_item(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "apr": self.apr,
            "dailyRate": self.daily_rate,
            "limitFen": self.limit_fen,
            "expiresAt": self.expires_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Offer:
        return cls(
            grade=item["grade"],
            apr=item["apr"],
            daily_rate=item["dailyRate"],
            limit_fen=int(item["limitFen"]),
            expires_at=item["expiresAt"],
        )


@dataclass(frozen=True)
class Application:
    application_id: str
    user_id: str
    document_id: str
    status: Status
    amount_fen: int
    term_months: int
    purpose: str
    # What the applicant declared, minus the personal identifiers (see ApplicantPii).
    profile: dict[str, Any]
    device: dict[str, str]
    location: dict[str, str]
    consent: dict[str, str]
    created_at: str
    updated_at: str
    reasons: tuple[dict[str, str], ...] = ()
    offer: Offer | None = None
    accepted_at: str | None = None
    steps: dict[str, Any] = field(default_factory=dict)

    def can_move_to(self, new: Status) -> bool:
        return new in TRANSITIONS[self.status]

    def with_status(self, new: Status, now: datetime | str) -> Application:
        return replace(self, status=new, updated_at=str(now))


@dataclass(frozen=True)
class ApplicantPii:
    application_id: str
    name: str
    id_number: str
    phone: str

    def __repr__(self) -> str:  # never print personal data, not even in a traceback
        return f"ApplicantPii(application_id={self.application_id!r}, <redacted>)"

"""Manual review of borderline applications: the ops side of the workflow's task token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..amounts import fen_to_yuan
from ..applications.port import Application, ApplicationRepository, Review, StepRecords
from ..clock import iso, utcnow
from ..errors import Conflict, Forbidden, NotFound
from ..workflows.port import Workflows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Analyst:
    """Who acts on the ops API: the caller's user id and whether they are in the ops group."""

    user_id: str
    is_ops: bool


@dataclass
class ReviewService:
    applications: ApplicationRepository
    workflows: Workflows

    @staticmethod
    def _require_ops(who: Analyst) -> None:
        if not who.is_ops:
            raise Forbidden("this endpoint is for the operations team")

    def pending(self, who: Analyst) -> list[dict[str, Any]]:
        self._require_ops(who)
        out = []
        for review in self.applications.list_reviews():
            found = self.applications.get_for_step(review.application_id)
            if found is not None:
                out.append(review_view(found[0], found[2], review))
        return out

    def decide(
        self, who: Analyst, application_id: str, decision: str, note: str = ""
    ) -> dict[str, Any]:
        self._require_ops(who)
        review = self.applications.get_review(application_id)
        if review is None:
            raise NotFound(f"no review for application {application_id}")
        if review.state != "PENDING":
            raise Conflict(f"the review of {application_id} is already closed ({review.outcome})")
        app = self.applications.get(application_id)
        if app is not None and app.user_id == who.user_id:
            # Four eyes: nobody decides their own credit.
            raise Forbidden(
                f"application {application_id} is your own; another analyst must decide it"
            )
        outcome = "APPROVE" if decision == "approve" else "DECLINE"
        self.applications.close_review(application_id, outcome, iso(utcnow()))
        try:
            self.workflows.send_success(
                review.task_token, {"outcome": outcome, "reviewer": who.user_id}
            )
        except Exception as exc:
            raise Conflict(
                f"the review of {application_id} can no longer be decided (timed out)"
            ) from exc
        log.info("review of %s decided %s by %s", application_id, outcome, who.user_id)
        return {"applicationId": application_id, "outcome": outcome}


def review_view(app: Application, recorded: StepRecords, review: Review) -> dict[str, Any]:
    """What an analyst needs to decide, in the API's terms (yuan, percent-free strings), and no
    personal identifiers: no name, ID number, phone, device or location."""
    p, score = app.profile, recorded.score
    return {
        "applicationId": app.application_id,
        "openedAt": review.opened_at,
        "requestedAmount": fen_to_yuan(app.amount_fen),
        "termMonths": app.term_months,
        "purpose": app.purpose,
        "declared": {
            "employment": p.employment,
            "employmentYears": p.employment_years,
            "monthlyIncome": fen_to_yuan(p.monthly_income_fen),
            "housing": p.housing,
            "dependants": p.dependants,
            "residenceYears": p.residence_years,
            "property": p.property,
            "city": p.city,
        },
        "score": {
            "score": score.score if score else 0,
            "grade": score.grade if score else "",
            "pd": f"{score.pd if score else 0:.4f}",
            "reasons": [r.as_dict() for r in (score.reasons if score else ())],
        },
        "fraud": {"reasons": [r.as_dict() for r in recorded.fraud]},
        "decision": {"reasons": [r.as_dict() for r in review.reasons]},
    }

"""Manual review of borderline applications: the ops side of the workflow's task token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..amounts import fen_to_yuan
from ..applications.records import Application
from ..applications.repository import ApplicationRepository
from ..auth import Principal
from ..clock import iso, utcnow
from ..errors import Conflict, Forbidden, NotFound
from .ports import Workflows

log = logging.getLogger(__name__)


@dataclass
class ReviewService:
    applications: ApplicationRepository
    workflows: Workflows

    @staticmethod
    def _require_ops(who: Principal) -> None:
        if not who.is_ops:
            raise Forbidden("this endpoint is for the operations team")

    def pending(self, who: Principal) -> list[dict[str, Any]]:
        self._require_ops(who)
        out = []
        for review in self.applications.list_reviews():
            app = self.applications.get(review["applicationId"])
            if app is None:
                continue
            out.append(review_view(app, review["openedAt"]))
        return out

    def decide(
        self, who: Principal, application_id: str, decision: str, note: str = ""
    ) -> dict[str, Any]:
        self._require_ops(who)
        review = self.applications.get_review(application_id)
        if review is None:
            raise NotFound(f"no review for application {application_id}")
        if review.get("state") != "PENDING":
            raise Conflict(
                f"the review of {application_id} is already closed ({review.get('outcome')})"
            )
        app = self.applications.get(application_id, with_steps=False)
        if app is not None and app.user_id == who.user_id:
            # Four eyes: nobody decides their own credit.
            raise Forbidden(
                f"application {application_id} is your own; another analyst must decide it"
            )
        outcome = "APPROVE" if decision == "approve" else "DECLINE"
        self.applications.close_review(application_id, outcome, iso(utcnow()))
        try:
            self.workflows.send_success(
                review["taskToken"], {"outcome": outcome, "reviewer": who.user_id}
            )
        except Exception as exc:
            raise Conflict(
                f"the review of {application_id} can no longer be decided (timed out)"
            ) from exc
        log.info("review of %s decided %s by %s", application_id, outcome, who.user_id)
        return {"applicationId": application_id, "outcome": outcome}


def review_view(app: Application, opened_at: str) -> dict[str, Any]:
    """What an analyst needs to decide, in the API's terms (yuan, percent-free strings), and no
    personal identifiers: no name, ID number, phone, device or location."""
    p, score = app.profile, app.steps.get("score", {})
    return {
        "applicationId": app.application_id,
        "openedAt": opened_at,
        "requestedAmount": fen_to_yuan(app.amount_fen),
        "termMonths": app.term_months,
        "purpose": app.purpose,
        "declared": {
            "employment": p["employment"],
            "employmentYears": int(p["employmentYears"]),
            "monthlyIncome": fen_to_yuan(int(p["monthlyIncomeFen"])),
            "housing": p["housing"],
            "dependants": int(p["dependants"]),
            "residenceYears": int(p["residenceYears"]),
            "property": p.get("property", "none"),
            "city": p["city"],
        },
        "score": {
            "score": int(score.get("score", 0)),
            "grade": str(score.get("grade", "")),
            "pd": f"{float(score.get('pd', 0)):.4f}",
            "reasons": list(score.get("reasons", [])),
        },
        "fraud": {"reasons": list(app.steps.get("fraud", {}).get("reasons", []))},
        "decision": {"reasons": list(app.steps.get("decision", {}).get("reasons", []))},
    }

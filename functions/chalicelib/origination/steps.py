"""The steps of statemachines/origination.asl.json, one method each.

Each step takes ids, reads what it needs by id, writes its result to the application
record and returns a small summary (codes, grades, flags; never personal data) that
the workflow routes on and the console shows. Every step can run twice with the same
input (a Step Functions retry) and give the same answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..applications.records import Application, Offer, Status
from ..applications.repository import ApplicationRepository
from ..clock import iso, utcnow
from ..documents import DocumentRepository, DocumentStatus
from ..errors import Conflict, DocumentNotReady, NotFound
from ..fraud.identifiers import hash_identifier
from ..reasons import Reason
from .features import applicant_terms, model_features
from .reading import fields_from_item

log = logging.getLogger(__name__)

REVIEW_TIMEOUT = Reason("REVIEW_TIMEOUT", "We could not complete a manual review in time.")
REVIEW_DECLINED = Reason(
    "REVIEW_DECLINED", "After review, we cannot offer you credit at this time."
)
SYSTEM_FAILURE = Reason(
    "SYSTEM_ERROR", "Something went wrong on our side while deciding. Please apply again."
)


def _reason_dicts(reasons: Any) -> list[dict[str, str]]:
    return [r.as_dict() for r in reasons]


@dataclass
class OriginationSteps:
    applications: ApplicationRepository
    documents: DocumentRepository
    verify: Callable[..., Any]  # chalicelib.kyc.verify_identity
    screen: Callable[[Any], Any]  # FraudInput -> FraudResult, counters and blacklist bound
    fraud_input: Callable[..., Any]  # FraudInput constructor
    bureau: Any  # .pull(id_number, consent_id) -> BureauReport
    scorer: Callable[[], Any]  # lazily loaded Scorer
    decide: Callable[..., Any]
    price: Callable[..., Any]
    # The HMAC key, read only when a step hashes (Screen Fraud): other steps never fetch it.
    pepper: Callable[[], bytes]
    # Keeps what was scored, for the daily drift check (monitoring.ScoredInputs.record).
    record_inputs: Callable[[str, dict[str, Any], date], None] | None = None
    today: Callable[[], date] = lambda: utcnow().date()
    now: Callable[[], datetime] = utcnow

    def _with_pii(self, application_id: str) -> tuple[Application, Any]:
        # Written in the same transaction as the application, so missing means no application.
        found = self.applications.get_with_pii(application_id)
        if found is None:
            raise NotFound(f"application {application_id} not found")
        return found

    def _app(self, application_id: str) -> Application:
        app = self.applications.get(application_id)
        if app is None:
            raise NotFound(f"application {application_id} not found")
        return app

    # --- Verify Identity -------------------------------------------------------------

    def verify_identity(self, application_id: str) -> dict[str, Any]:
        app, pii = self._with_pii(application_id)
        doc = self.documents.get(app.document_id)
        if doc is None or doc.status is DocumentStatus.AWAITING_UPLOAD:
            # OCR runs when the photo lands; the workflow waits a bounded while (ASL Retry).
            raise DocumentNotReady(f"document {app.document_id} has not been read yet")
        result = self.verify(fields_from_item(doc.fields), pii.name, pii.id_number, self.today())
        summary = {
            "passed": bool(result.passed),
            "age": result.age,
            "reasons": _reason_dicts(result.reasons),
        }
        self.applications.record_step(application_id, "identity", summary)
        return {"passed": summary["passed"], "reasonCodes": [r["code"] for r in summary["reasons"]]}

    # --- Screen Fraud ---------------------------------------------------------------

    def screen_fraud(self, application_id: str) -> dict[str, Any]:
        app, pii = self._with_pii(application_id)
        result = self.screen(
            self.fraud_input(
                application_id=application_id,
                user_id=app.user_id,
                id_hash=hash_identifier(self.pepper(), "ID", pii.id_number),
                phone_hash=hash_identifier(self.pepper(), "PHONE", pii.phone),
                device_fingerprint=app.device["fingerprint"],
                ip=app.device["ip"],
                lat=float(app.location["lat"]),
                lon=float(app.location["lon"]),
                declared_city=app.profile["city"],
                now=self.now(),
            )
        )
        summary = {
            "decline": bool(result.decline),
            "review": bool(result.review),
            "reasons": _reason_dicts(result.reasons),
        }
        self.applications.record_step(application_id, "fraud", summary)
        return {
            "decline": summary["decline"],
            "review": summary["review"],
            "reasonCodes": [r["code"] for r in summary["reasons"]],
        }

    # --- Pull Credit Report -------------------------------------------------------------

    def pull_credit_report(self, application_id: str) -> dict[str, Any]:
        _, pii = self._with_pii(application_id)
        # The consent reference is the application: its consent record holds time and text version.
        report = self.bureau.pull(pii.id_number, application_id)
        data = report.as_dict()
        self.applications.record_step(application_id, "bureau", data)
        return {"thinFile": bool(getattr(report, "thin_file", False))}

    # --- Score Application ----------------------------------------------------------------

    def score_application(self, application_id: str) -> dict[str, Any]:
        from ..bureau import BureauReport

        app = self._app(application_id)
        features = model_features(
            amount_fen=app.amount_fen,
            term_months=app.term_months,
            purpose=app.purpose,
            profile=app.profile,
            age=int(app.steps["identity"]["age"]),
            bureau=BureauReport.from_dict(app.steps["bureau"]).model_features(),
        )
        # Reasons quote what the applicant declared, not the model's translation of it.
        shown_as = applicant_terms(
            amount_fen=app.amount_fen,
            term_months=app.term_months,
            purpose=app.purpose,
            profile=app.profile,
        )
        result = self.scorer().score(features, shown_as)
        if self.record_inputs is not None:
            self.record_inputs(application_id, features, self.today())
        summary = {
            "pd": round(float(result.pd), 6),
            "score": int(result.score),
            "grade": result.grade,
            "reasons": _reason_dicts(result.reasons),
        }
        self.applications.record_step(application_id, "score", summary)
        return {"grade": summary["grade"], "score": summary["score"], "pd": summary["pd"]}

    # --- Decide ---------------------------------------------------------------------------

    def decide_application(self, application_id: str) -> dict[str, Any]:
        from ..bureau import BureauReport
        from ..fraud import FraudResult
        from ..scoring import ScoreResult

        app = self._app(application_id)
        steps = app.steps
        fraud = FraudResult(
            decline=steps["fraud"]["decline"],
            review=steps["fraud"]["review"],
            reasons=tuple(Reason(**r) for r in steps["fraud"]["reasons"]),
            signals={},
        )
        score = ScoreResult(
            pd=float(steps["score"]["pd"]),
            score=int(steps["score"]["score"]),
            grade=steps["score"]["grade"],
            reasons=tuple(Reason(**r) for r in steps["score"]["reasons"]),
        )
        decision = self.decide(
            kyc_passed=steps["identity"]["passed"],
            kyc_reasons=tuple(Reason(**r) for r in steps["identity"]["reasons"]),
            fraud=fraud,
            bureau=BureauReport.from_dict(steps["bureau"]),
            score=score,
            cutoff_pd=self.scorer().cutoff_pd,
        )
        summary = {"outcome": decision.outcome, "reasons": _reason_dicts(decision.reasons)}
        self.applications.record_step(application_id, "decision", summary)
        return {"outcome": decision.outcome, "reasonCodes": [r["code"] for r in summary["reasons"]]}

    # --- Manual review (waitForTaskToken) ---------------------------------------------------

    def request_review(self, application_id: str, task_token: str) -> dict[str, Any]:
        app = self._app(application_id)
        now = iso(self.now())
        if app.status is Status.PENDING:
            self.applications.move(application_id, Status.IN_REVIEW, now)
        self.applications.put_review(application_id, task_token, now)
        log.info("manual review requested for %s", application_id)
        return {"queued": True}

    def review_timed_out(self, application_id: str) -> dict[str, Any]:
        summary = {"outcome": "DECLINE", "reasons": [REVIEW_TIMEOUT.as_dict()]}
        self.applications.record_step(application_id, "decision", summary)
        try:  # off the analysts' list: nobody can decide it any more
            self.applications.close_review(application_id, "TIMEOUT", iso(self.now()))
        except Conflict:
            pass  # a retry of this step, or an analyst's decision that lost the race to the timeout
        return {"outcome": "DECLINE", "reasonCodes": [REVIEW_TIMEOUT.code]}

    # --- Price and Set Line -----------------------------------------------------------------

    def price_and_set_line(self, application_id: str) -> dict[str, Any]:
        from ..bureau import BureauReport

        app = self._app(application_id)
        steps = app.steps
        offer = self.price(
            grade=steps["score"]["grade"],
            score=int(steps["score"]["score"]),
            monthly_income_fen=int(app.profile["monthlyIncomeFen"]),
            bureau_report=BureauReport.from_dict(steps["bureau"]),
            requested_amount_fen=app.amount_fen,
            now=self.now(),
        )
        summary = {
            "grade": offer.grade,
            "apr": str(offer.apr),
            "dailyRate": str(offer.daily_rate),
            "limitFen": int(offer.limit_fen),
            "expiresAt": iso(offer.expires_at),
            "reasons": _reason_dicts(offer.reasons),
        }
        self.applications.record_step(application_id, "offer", summary)
        # A zero line means affordability leaves less than the product's minimum: no offer.
        return {
            "affordable": summary["limitFen"] > 0,
            "grade": offer.grade,
            "limitFen": summary["limitFen"],
        }

    # --- Record the outcome --------------------------------------------------------------------

    def record_offer(self, application_id: str) -> dict[str, Any]:
        app = self._app(application_id)
        if app.status is Status.APPROVED:
            return {"status": app.status.value}  # a retry after success
        offer = Offer.from_item(app.steps["offer"])
        self.applications.move(
            application_id, Status.APPROVED, iso(self.now()), reasons=(), offer=offer
        )
        return {"status": Status.APPROVED.value}

    def record_decline(self, application_id: str) -> dict[str, Any]:
        app = self._app(application_id)
        if app.status is Status.DECLINED:
            return {"status": app.status.value}
        reasons = self._decline_reasons(app)
        self.applications.move(
            application_id, Status.DECLINED, iso(self.now()), reasons=tuple(reasons)
        )
        return {"status": Status.DECLINED.value, "reasonCodes": [r["code"] for r in reasons]}

    def record_failure(self, application_id: str, error: str | None = None) -> dict[str, Any]:
        app = self.applications.get(application_id, with_steps=False)
        if app is None:
            return {"status": "UNKNOWN_APPLICATION"}
        if app.status is Status.FAILED:
            return {"status": app.status.value}
        log.error("origination of %s failed: %s", application_id, error)
        try:
            self.applications.move(
                application_id, Status.FAILED, iso(self.now()), reasons=(SYSTEM_FAILURE.as_dict(),)
            )
        except Conflict:
            pass  # already decided: a failure after the outcome was recorded changes nothing
        return {"status": Status.FAILED.value}

    @staticmethod
    def _decline_reasons(app: Application) -> list[dict[str, str]]:
        steps = app.steps
        gates = (
            ("identity", lambda s: not s["passed"]),
            ("fraud", lambda s: s["decline"]),
            ("decision", lambda s: s["outcome"] == "DECLINE"),
            ("offer", lambda s: s["limitFen"] == 0),
        )
        for gate, failed in gates:
            if gate in steps and failed(steps[gate]) and steps[gate]["reasons"]:
                return list(steps[gate]["reasons"])
        if steps.get("review", {}).get("outcome") == "DECLINE":
            # A reviewer declined: the model's adverse factors are still the honest reasons.
            model = steps.get("score", {}).get("reasons") or []
            return list(model)[:4] or [REVIEW_DECLINED.as_dict()]
        return [Reason("DECLINED", "Your application did not meet our lending criteria.").as_dict()]

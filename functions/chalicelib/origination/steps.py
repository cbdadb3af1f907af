"""The steps of statemachines/origination.asl.json, one method each.

Each step receives the workflow's state (the application id and the summaries of the steps
before it, see handoffs.py), reads what it needs in one request, and returns its own summary.
A step records its result for later readers only when they need more than the summary carries:
the bureau report and the model's verdict (with what it saw) always; KYC, fraud and offer reasons
when they flag something; the outcome, with the whole trail, at the end. Every step can run
twice with the same input (a Step Functions retry) and give the same answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from .. import decision, pricing
from ..applications.port import (
    ApplicantPii,
    Application,
    ApplicationRepository,
    Offer,
    Review,
    ScoreRecord,
    Status,
    StepRecords,
)
from ..bureau.port import CreditBureau
from ..clock import iso, utcnow
from ..documents.port import DocumentRepository, DocumentStatus
from ..errors import Conflict, DocumentNotReady, NotFound
from ..fraud.identifiers import hash_identifier
from ..fraud.model import FraudInput, FraudResult
from ..fraud.port import FraudStore
from ..fraud.screen import screen
from ..kyc.fields import ExtractedFields
from ..kyc.idnumber import check_id_number
from ..kyc.services import verify_identity
from ..reasons import Reason
from ..scoring.scorer import Scorer
from .features import applicant_terms, model_features
from .handoffs import (
    BureauCheck,
    DecisionOutcome,
    FraudCheck,
    IdentityCheck,
    OfferTerms,
    OriginationState,
    Outcome,
    ScoreCheck,
)
from .reading import fields_from_item
from .reasons import DECLINED, REVIEW_DECLINED, REVIEW_TIMEOUT, SYSTEM_FAILURE, resolve

log = logging.getLogger(__name__)


def _codes(reasons: tuple[Reason, ...] | list[Reason]) -> tuple[str, ...]:
    return tuple(r.code for r in reasons)


def _placeholders(codes: tuple[str, ...]) -> tuple[Reason, ...]:
    """Codes as Reasons for the policy, which routes on codes; texts are resolved when shown."""
    return tuple(Reason(c, "") for c in codes)


@dataclass
class OriginationSteps:
    applications: ApplicationRepository
    documents: DocumentRepository
    fraud_store: FraudStore
    bureau: CreditBureau
    scorer: Callable[[], Scorer]  # loaded on first use: only Score Application needs the model
    # The HMAC key, read only when a step hashes (Screen Fraud): no other step fetches it,
    # so no other function needs the right to read the secret.
    pepper: Callable[[], bytes]
    today: Callable[[], date]  # the business date (wiring: Container.clock)
    now: Callable[[], datetime] = utcnow

    def _read(self, application_id: str) -> tuple[Application, ApplicantPii, StepRecords]:
        # Written in one transaction with the application, so missing means no application.
        found = self.applications.get_for_step(application_id)
        if found is None:
            raise NotFound(f"application {application_id} not found")
        return found

    def _card(self, app: Application, pii: ApplicantPii) -> ExtractedFields:
        """What OCR read off the ID card: copied in at submission when the photo had been read
        by then (the usual case), else read from the document now."""
        if pii.card:
            return fields_from_item(pii.card)
        doc = self.documents.get(app.document_id)
        if doc is None or doc.status is DocumentStatus.AWAITING_UPLOAD:
            # OCR runs when the photo lands; the workflow waits a bounded while (ASL Retry).
            raise DocumentNotReady(f"document {app.document_id} has not been read yet")
        return fields_from_item(doc.fields)

    # --- Verify Identity -------------------------------------------------------------

    def verify_identity(self, state: OriginationState) -> IdentityCheck:
        app, pii, _ = self._read(state.applicationId)
        today = self.today()
        result = verify_identity(self._card(app, pii), pii.name, pii.id_number, today)
        if not result.passed:
            self.applications.record_step(app.application_id, "identity", result.reasons)
        return IdentityCheck(passed=result.passed, reasonCodes=_codes(result.reasons), asOf=today)

    # --- Screen Fraud ---------------------------------------------------------------

    def screen_fraud(self, state: OriginationState) -> FraudCheck:
        app, pii, _ = self._read(state.applicationId)
        loc = app.location
        pepper = self.pepper()
        result = screen(
            FraudInput(
                application_id=app.application_id,
                user_id=app.user_id,
                id_hash=hash_identifier(pepper, "ID", pii.id_number),
                phone_hash=hash_identifier(pepper, "PHONE", pii.phone),
                device_fingerprint=app.device.fingerprint,
                ip=app.device.ip,
                lat=float(loc.lat) if loc else None,
                lon=float(loc.lon) if loc else None,
                declared_city=app.profile.city,
                now=self.now(),
            ),
            store=self.fraud_store,
            pepper=pepper,
        )
        if result.reasons:
            self.applications.record_step(app.application_id, "fraud", result.reasons)
        return FraudCheck(
            decline=result.decline, review=result.review, reasonCodes=_codes(result.reasons)
        )

    # --- Pull Credit Report -------------------------------------------------------------

    def pull_credit_report(self, state: OriginationState) -> BureauCheck:
        app, pii, _ = self._read(state.applicationId)
        # The consent reference is the application: its consent record holds time and text version.
        report = self.bureau.pull(pii.id_number, app.application_id)
        self.applications.record_step(app.application_id, "bureau", report)
        return BureauCheck(
            thinFile=report.thin_file,
            blacklisted=report.blacklisted,
            courtJudgment=report.court_judgment,
            maxDpd24m=report.max_dpd_24m,
            recentHardInquiries=report.recent_hard_inquiries,
        )

    # --- Score Application ----------------------------------------------------------------

    def score_application(self, state: OriginationState) -> ScoreCheck:
        app, pii, recorded = self._read(state.applicationId)
        if recorded.bureau is None:
            raise Conflict(f"application {app.application_id} has no credit report yet")
        # The decision's date, as Verify Identity judged it (an execution started before the
        # date travelled in the state reads the clock)
        today = state.identity.asOf if state.identity and state.identity.asOf else self.today()
        age = check_id_number(pii.id_number, today).age
        if age is None:
            raise Conflict(f"application {app.application_id}: no age from its ID number")
        features = model_features(
            amount_fen=app.amount_fen,
            term_months=app.term_months,
            purpose=app.purpose,
            profile=app.profile,
            age=age,
            bureau=recorded.bureau.model_features(),
        )
        # Reasons quote what the applicant declared, not the model's translation of it.
        shown_as = applicant_terms(
            amount_fen=app.amount_fen,
            term_months=app.term_months,
            purpose=app.purpose,
            profile=app.profile,
        )
        result = self.scorer().score(features, shown_as)
        record = ScoreRecord(
            pd=round(float(result.pd), 6),
            score=int(result.score),
            grade=result.grade,
            reasons=tuple(result.reasons),
            day=today,
            features=features,
        )
        self.applications.record_step(app.application_id, "score", record)
        return ScoreCheck(
            pd=record.pd,
            score=record.score,
            grade=record.grade,
            amountFen=app.amount_fen,
            reasonCodes=_codes(record.reasons),
        )

    # --- Decide (pure: everything it needs is in the state) ---------------------------------

    def decide_application(self, state: OriginationState) -> DecisionOutcome:
        identity, fraud, bureau, score = state.identity, state.fraud, state.bureau, state.score
        if identity is None or fraud is None or bureau is None or score is None:
            raise Conflict("Decide needs identity, fraud, bureau and score in the state")
        d = decision.decide(
            kyc_passed=identity.passed,
            kyc_reasons=_placeholders(identity.reasonCodes),
            fraud=FraudResult(
                decline=fraud.decline,
                review=fraud.review,
                reasons=_placeholders(fraud.reasonCodes),
            ),
            bureau=_BureauFacts(bureau),
            score=_Score(score),
            amount_fen=score.amountFen,
        )
        return DecisionOutcome(outcome=d.outcome, reasonCodes=_codes(d.reasons))

    # --- Manual review (waitForTaskToken) ---------------------------------------------------

    def request_review(self, state: OriginationState) -> Outcome:
        if not state.taskToken or state.decision is None:
            raise Conflict("Request Review needs the decision and a task token")
        app, _, recorded = self._read(state.applicationId)
        now = iso(self.now())
        if app.status is Status.PENDING:
            self.applications.move(app.application_id, Status.IN_REVIEW, now)
        # A retry of this step brings a new token: the review item is replaced, not added.
        self.applications.put_review(
            Review(
                app.application_id,
                state.taskToken,
                now,
                reasons=resolve(state.decision.reasonCodes, recorded),
            )
        )
        log.info("manual review requested for %s", app.application_id)
        return Outcome(status=Status.IN_REVIEW.value)

    def review_timed_out(self, state: OriginationState) -> DecisionOutcome:
        try:  # off the analysts' list: nobody can decide it any more
            self.applications.close_review(state.applicationId, "TIMEOUT", iso(self.now()))
        except Conflict:
            pass  # a retry of this step, or an analyst's decision that lost the race
        return DecisionOutcome(outcome="DECLINE", reasonCodes=(REVIEW_TIMEOUT.code,))

    # --- Price and Set Line -----------------------------------------------------------------

    def price_and_set_line(self, state: OriginationState) -> OfferTerms:
        if state.score is None:
            raise Conflict("Price and Set Line needs the score in the state")
        app, _, recorded = self._read(state.applicationId)
        if recorded.bureau is None:
            raise Conflict(f"application {app.application_id} has no credit report yet")
        offer = pricing.price(
            pd=state.score.pd,
            monthly_income_fen=app.profile.monthly_income_fen,
            bureau_report=recorded.bureau,
            requested_amount_fen=app.amount_fen,
            now=self.now(),
        )
        # A zero line means affordability leaves less than the product's minimum: no offer.
        affordable = offer.limit_fen > 0
        if not affordable:
            self.applications.record_step(app.application_id, "offer", offer.reasons)
        return OfferTerms(
            affordable=affordable,
            grade=offer.grade,
            apr=str(offer.apr),
            dailyRate=str(offer.daily_rate),
            limitFen=offer.limit_fen,
            expiresAt=iso(offer.expires_at),
            reasonCodes=_codes(offer.reasons),
        )

    # --- Record the outcome --------------------------------------------------------------------

    def record_offer(self, state: OriginationState) -> Outcome:
        terms = state.offer
        if terms is None:
            raise Conflict("Record Offer needs the offer in the state")
        offer = Offer(terms.grade, terms.apr, terms.dailyRate, terms.limitFen, terms.expiresAt)
        return self._conclude(state, Status.APPROVED, (), offer)

    def record_decline(self, state: OriginationState) -> Outcome:
        _, _, recorded = self._read(state.applicationId)
        return self._conclude(state, Status.DECLINED, resolve(_decline_codes(state), recorded))

    def record_failure(self, state: OriginationState) -> Outcome:
        log.error("origination of %s failed: %s", state.applicationId, state.error_name())
        try:
            return self._conclude(state, Status.FAILED, (SYSTEM_FAILURE,))
        except NotFound:
            return Outcome(status="UNKNOWN_APPLICATION")

    def _conclude(
        self,
        state: OriginationState,
        status: Status,
        reasons: tuple[Reason, ...],
        offer: Offer | None = None,
    ) -> Outcome:
        """One write: the status, the reasons, the offer and the decision's trail. A repeat
        (a retried step) or a failure after the outcome was recorded changes nothing."""
        try:
            self.applications.move(
                state.applicationId,
                status,
                iso(self.now()),
                reasons=reasons,
                offer=offer,
                trail=state.trail(),
            )
        except Conflict:
            app = self.applications.get(state.applicationId)
            if app is None:
                raise NotFound(f"application {state.applicationId} not found") from None
            return Outcome(status=app.status.value, reasonCodes=_codes(app.reasons))
        return Outcome(status=status.value, reasonCodes=_codes(reasons))


def _decline_codes(state: OriginationState) -> tuple[str, ...]:
    """Why an application is declined, from the first gate that closed."""
    if state.identity is not None and not state.identity.passed and state.identity.reasonCodes:
        return state.identity.reasonCodes
    if state.fraud is not None and state.fraud.decline and state.fraud.reasonCodes:
        return state.fraud.reasonCodes
    if state.decision is not None and state.decision.outcome == "DECLINE":
        if state.decision.reasonCodes:
            return state.decision.reasonCodes
    if state.offer is not None and not state.offer.affordable and state.offer.reasonCodes:
        return state.offer.reasonCodes
    if state.review is not None and state.review.outcome == "DECLINE":
        # A reviewer declined: the model's adverse factors are still the honest reasons.
        model = state.score.reasonCodes[:4] if state.score else ()
        return model or (REVIEW_DECLINED.code,)
    return (DECLINED.code,)


@dataclass(frozen=True)
class _BureauFacts:
    """decision.BureauFacts from the bureau summary in the state."""

    check: BureauCheck

    @property
    def blacklisted(self) -> bool:
        return self.check.blacklisted

    @property
    def court_judgment(self) -> bool:
        return self.check.courtJudgment

    @property
    def max_dpd_24m(self) -> int:
        return self.check.maxDpd24m

    @property
    def recent_hard_inquiries(self) -> int:
        return self.check.recentHardInquiries

    @property
    def thin_file(self) -> bool:
        return self.check.thinFile


@dataclass(frozen=True)
class _Score:
    """decision.ScoreLike from the score summary in the state."""

    check: ScoreCheck

    @property
    def pd(self) -> float:
        return self.check.pd

    @property
    def grade(self) -> str:
        return self.check.grade

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return _placeholders(self.check.reasonCodes)

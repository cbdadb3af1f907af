"""What the mobile API does for origination: upload slots, submissions, reads, acceptance."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..applications.port import (
    ApplicantPii,
    Application,
    ApplicationRepository,
    Consent,
    Device,
    LatestMoved,
    Location,
    Profile,
    Status,
)
from ..clock import iso, parse_iso, utcnow
from ..documents.port import (
    CONTENT_TYPES,
    MAX_UPLOAD_BYTES,
    BlobStore,
    Document,
    DocumentRepository,
    DocumentStatus,
    object_key,
)
from ..documents.uploads import REFUSALS
from ..errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from ..ids import new_id
from ..lines.port import CreditLine, CreditLines, HistoryPage
from ..reasons import Reason
from ..workflows.port import Workflows

UPLOAD_URL_SECONDS = 900
DEFAULT_HISTORY_PAGE = 20

WORKFLOW_UNAVAILABLE = Reason(
    "SYSTEM_UNAVAILABLE", "We could not start the credit check. Please try again."
)


@dataclass(frozen=True)
class Apply:
    """An application as the API received it, in the domain's terms."""

    document_id: str
    amount_fen: int
    term_months: int
    purpose: str
    profile: Profile
    device: Device
    location: Location | None
    consent_version: str
    name: str
    id_number: str
    phone: str

    def __repr__(self) -> str:  # never print personal data, not even in a traceback
        return f"Apply(document_id={self.document_id!r}, <redacted>)"


def still_open(app: Application, now: str) -> str | None:
    """Why this application keeps its applicant from applying again, or None."""
    if app.status in (Status.PENDING, Status.IN_REVIEW):
        return f"application {app.application_id} is still being decided; wait for its decision"
    if app.status is Status.APPROVED and app.accepted_at is not None:
        return (
            f"you already have a credit line (application {app.application_id}); "
            "its limit is reviewed periodically, so there is no need to apply again"
        )
    if (
        app.status is Status.APPROVED
        and app.offer is not None
        and parse_iso(app.offer.expires_at) > parse_iso(now)
    ):
        return (
            f"application {app.application_id} has an offer open until {app.offer.expires_at}; "
            "accept it, or apply again once it has expired"
        )
    return None


@dataclass
class OriginationService:
    applications: ApplicationRepository
    documents: DocumentRepository
    blobs: BlobStore
    workflows: Workflows
    lines: Callable[[], CreditLines]  # built on first use: only acceptance needs it
    origination_arn: str
    # The business date a line opens on (its reviews are monthly from it); None: the line
    # store's clock decides (wiring passes Container.clock.today).
    today: Callable[[], date] | None = None

    def create_document(self, user_id: str, content_type: str) -> dict[str, Any]:
        if content_type not in CONTENT_TYPES:
            raise Unprocessable(
                f"contentType must be one of {sorted(CONTENT_TYPES)}", field="contentType"
            )
        doc = Document(
            document_id=new_id("doc"),
            user_id=user_id,
            content_type=content_type,
            status=DocumentStatus.AWAITING_UPLOAD,
            created_at=iso(utcnow()),
        )
        self.documents.create(doc)
        slot = self.blobs.presigned_post(
            object_key(doc.document_id), content_type, MAX_UPLOAD_BYTES, UPLOAD_URL_SECONDS
        )
        return {
            "documentId": doc.document_id,
            "uploadUrl": slot.url,
            "uploadMethod": "POST",
            "uploadFields": slot.fields,
            "maxBytes": MAX_UPLOAD_BYTES,
            "expiresInSeconds": UPLOAD_URL_SECONDS,
        }

    def exists(self, application_id: str) -> bool:
        """Whether the application is written. A PENDING one has its decision started (again:
        the same execution, by name), since the attempt that wrote it may have lost its answer
        or died before starting it: a repeated request finishes what its first attempt began."""
        app = self.applications.get(application_id)
        if app is None:
            return False
        if app.status is Status.PENDING:
            self._start(application_id)
        return True

    def _start(self, application_id: str) -> None:
        # Execution name = application id; the payload carries ids only.
        self.workflows.start(
            self.origination_arn, application_id, {"applicationId": application_id}
        )

    def submit(self, user_id: str, cmd: Apply, application_id: str) -> Application:
        """Write the application (the id comes from the Idempotency-Key's claim, so a repeat
        creates nothing new) and start its decision."""
        doc = self.documents.get(cmd.document_id)
        if doc is None or doc.user_id != user_id:
            raise NotFound(f"document {cmd.document_id} not found", field="documentId")
        if doc.status is DocumentStatus.REFUSED:
            refused = REFUSALS.get(doc.refusal or "")
            because = refused.text if refused else "it was refused."
            raise Conflict(
                f"document {cmd.document_id} cannot be used: {because} "
                "(POST /v1/documents for a new document)",
                field="documentId",
            )
        # A photo still being read is fine (Verify Identity waits for it); no photo at all
        # would only fail the application half a minute later.
        if doc.status is DocumentStatus.AWAITING_UPLOAD and not self.blobs.exists(
            object_key(doc.document_id)
        ):
            raise Conflict(
                f"document {cmd.document_id} has no photo yet: "
                "upload it (POST to its uploadUrl) first",
                field="documentId",
            )
        now = iso(utcnow())
        app = Application(
            application_id=application_id,
            user_id=user_id,
            document_id=cmd.document_id,
            status=Status.PENDING,
            amount_fen=cmd.amount_fen,
            term_months=cmd.term_months,
            purpose=cmd.purpose,
            profile=cmd.profile,
            device=cmd.device,
            location=cmd.location,
            consent=Consent(text_version=cmd.consent_version, recorded_at=now),
            created_at=now,
            updated_at=now,
        )
        # What OCR read travels with the PII when it is there already: Verify Identity then
        # reads the application and the card in one request.
        card = doc.fields if doc.status is not DocumentStatus.AWAITING_UPLOAD else {}
        pii = ApplicantPii(application_id, cmd.name, cmd.id_number.upper(), cmd.phone, card)
        try:
            # Most applicants apply once: written as the user's first application, with no read
            # first; the create's own condition says when there was one before.
            self.applications.create(app, pii, after=None)
        except LatestMoved:
            # One application at a time: an open one is decided, accepted or left to expire
            # first.
            latest_id = self.applications.latest_for_user(user_id)
            latest = self.applications.get(latest_id) if latest_id else None
            if latest is not None and (why := still_open(latest, now)):
                raise Conflict(why) from None
            self.applications.create(app, pii, after=latest_id)
        try:
            self._start(application_id)
        except Exception as exc:
            self.applications.move(
                application_id, Status.FAILED, iso(utcnow()), reasons=(WORKFLOW_UNAVAILABLE,)
            )
            raise ServiceUnavailable(
                "the decision service is unavailable; retry with the same Idempotency-Key"
            ) from exc
        return app

    def get(self, user_id: str, application_id: str) -> Application:
        app = self.applications.get(application_id)
        # Another user's application is indistinguishable from a missing one.
        if app is None or app.user_id != user_id:
            raise NotFound(f"application {application_id} not found")
        return app

    def wait_for_change(
        self,
        user_id: str,
        application_id: str,
        wait_seconds: float,
        first_read: float = 0.15,
        step: float = 0.05,
        fine_until: float = 0.6,
        max_step: float = 0.5,
    ) -> Application:
        """Long-poll: return once the application leaves PENDING, or after `wait_seconds`.

        One request from the phone instead of a polling loop; the wait is capped by the caller so
        it stays inside API Gateway's 29 s integration timeout. A client asks right after it
        submitted, and no decision is faster than `first_read`, so that is the first read; then
        every `step` while decisions usually land (bench/bench_origination.py: ~0.2 s here, the
        workflow without the poll), then backing off (a review takes minutes). Each read is the
        application itself, one small item, so the read that sees the decision is the answer.
        """
        started = time.monotonic()
        deadline = started + wait_seconds
        pause = min(first_read, wait_seconds)
        while True:
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
            app = self.get(user_id, application_id)
            now = time.monotonic()
            if app.status is not Status.PENDING or now >= deadline:
                return app
            pause = step if now - started < fine_until else min(max(pause, step) * 1.5, max_step)

    def document_status(self, user_id: str, document_id: str) -> dict[str, Any]:
        doc = self.documents.get(document_id)
        if doc is None or doc.user_id != user_id:
            raise NotFound(f"document {document_id} not found")
        out: dict[str, Any] = {
            "documentId": doc.document_id,
            "status": doc.status.value,
            "createdAt": doc.created_at,
        }
        if reason := REFUSALS.get(doc.refusal or ""):
            out["refusal"] = reason.as_dict()
        return out

    def list(self, user_id: str) -> list[Application]:
        return self.applications.list_for_user(user_id)

    def accept(self, user_id: str, application_id: str) -> CreditLine:
        app = self.get(user_id, application_id)
        if app.status is not Status.APPROVED or app.offer is None:
            raise Conflict(
                f"application {application_id} has no offer to accept (status {app.status.value})"
            )
        if parse_iso(app.offer.expires_at) < utcnow():
            raise Conflict(
                f"the offer of application {application_id} expired at {app.offer.expires_at}"
            )
        # The line first: it refuses a user who already has one from another application, and
        # that refusal must leave this offer unaccepted. open_line is idempotent on the
        # application id, so a retried or concurrent accept of this offer opens one line.
        line = self.lines().open_line(
            user_id,
            app.offer.limit_fen,
            app.offer.apr,
            app.offer.grade,
            application_id,
            opened_on=self.today() if self.today is not None else None,
        )
        if app.accepted_at is None:
            try:
                self.applications.mark_accepted(application_id, iso(utcnow()))
            except Conflict:
                # A concurrent accept of the same offer marked it first: the same outcome.
                if self.get(user_id, application_id).accepted_at is None:
                    raise
        return line

    def credit_line(self, user_id: str) -> CreditLine:
        line = self.lines().get_line(user_id)
        if line is None:
            raise NotFound("no credit line yet: apply and accept an offer first")
        return line

    def credit_line_history(
        self, user_id: str, cursor: str | None, limit: int = DEFAULT_HISTORY_PAGE
    ) -> tuple[CreditLine, HistoryPage]:
        """The line and a page of its changes, newest first (InvalidRequest naming a bad
        cursor or limit)."""
        line = self.credit_line(user_id)
        return line, self.lines().history(user_id, limit, cursor)

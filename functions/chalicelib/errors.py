"""Exceptions that cross a boundary.

The class names of the workflow errors are the contract with the ASL files: a Lambda
function that raises one fails with that name as its error type, and `Retry`/`Catch`
match it by name. Renaming one is a breaking change to statemachines/*.asl.json
(tests/statemachines/test_static.py checks that every custom ErrorEquals names a class here).
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the product refuses; the API maps it to a 4xx problem body."""

    status = 400
    code = "bad-request"

    def __init__(self, detail: str, *, field: str | None = None, reason: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # a stable code a client can act on (e.g. LINE_FROZEN), beside the HTTP-level `code`
        self.reason = reason


class InvalidRequest(DomainError):
    status = 400
    code = "invalid-request"


class NotFound(DomainError):
    status = 404
    code = "not-found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload-too-large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported-media-type"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class ServiceUnavailable(DomainError):
    """A dependency is down; nothing was written. Safe to retry with the same Idempotency-Key."""

    status = 503
    code = "service-unavailable"


# --- Workflow errors: names matched by ErrorEquals in statemachines/*.asl.json ---------------


class WorkflowError(Exception):
    """Base of errors that a Step Functions state may retry or catch by class name."""


class TransientError(WorkflowError):
    """Worth retrying: the dependency may answer next time."""


class DocumentNotReady(TransientError):
    """OCR of the uploaded ID photo has not finished yet."""


class BureauUnavailable(TransientError):
    """The credit bureau did not answer (timeout or 5xx)."""


class ScoringUnavailable(TransientError):
    """The model artifact could not be loaded or scored."""


class PayoutOutcomeUnknown(TransientError):
    """The rail timed out: the money may or may not have moved. Resolve by status query."""


class CollectionOutcomeUnknown(TransientError):
    """The rail timed out on a debit: resolve by status query, never by debiting again."""


class StoreBusy(TransientError):
    """The table refused a write for a moment (throttled, or a concurrent transaction on the same
    item): nothing was written; trying again shortly succeeds."""


class PostingContention(TransientError):
    """A loan kept changing under a posting (other repayments or a close of business booked in
    between, faster than this step could re-read): nothing was written; the workflow retries."""


class NotificationsNotPublished(TransientError):
    """Notifications are in the inbox but the event bus refused them; a retry publishes them."""


class PayoutDeclined(WorkflowError):
    """The rail definitively refused the payout; compensate (release line, void contract)."""


class CollectionDeclined(WorkflowError):
    """The rail definitively refused the debit."""


class NothingToCollect(WorkflowError):
    """An auto-debit found nothing due when it ran (the borrower paid in between): no debit."""


WORKFLOW_ERRORS = {
    cls.__name__: cls
    for cls in (
        WorkflowError,
        TransientError,
        DocumentNotReady,
        BureauUnavailable,
        ScoringUnavailable,
        PayoutOutcomeUnknown,
        CollectionOutcomeUnknown,
        StoreBusy,
        PostingContention,
        NotificationsNotPublished,
        PayoutDeclined,
        CollectionDeclined,
        NothingToCollect,
    )
}

"""The OpenAPI 3 document, generated from the pydantic models (docs/openapi.json is a copy)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from ..documents.port import MAX_UPLOAD_BYTES
from ..lines.port import MAX_HISTORY_PAGE
from ..notifications.port import MAX_PAGE
from ..notifications.service import DEFAULT_PAGE
from ..origination.service import DEFAULT_HISTORY_PAGE
from . import models as m
from .http import IDEMPOTENCY_KEY_PATTERN, PAGE_LIMIT_PATTERN, WAIT_SECONDS_PATTERN

PROBLEM = {"$ref": "#/components/schemas/Problem"}

UPLOAD = (
    "The photo goes straight to storage: POST `uploadUrl` as multipart/form-data with every "
    "field of `uploadFields` as given, then the photo as a field named `file`. The signed policy "
    f"takes exactly this key and content type, and 1 to {MAX_UPLOAD_BYTES} bytes "
    f"({MAX_UPLOAD_BYTES // 2**20} MiB): storage answers 400 EntityTooLarge past that, 403 "
    "AccessDenied for another key, type or field. Once stored, the photo is read at once; one "
    "that is not a JPEG or PNG of the type asked for is REFUSED (GET /v1/documents/{documentId})."
)


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
    }


def _resp(status: int, model: type[BaseModel] | None, description: str) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if model is not None:
        out["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        }
    return {str(status): out}


GATEWAY_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Invalid request (the problem names the field)",
        401: "Missing or invalid bearer token",
        403: "Not allowed",
        404: "Not found (or not yours)",
        409: "Conflict with the current state",
        413: "Body too large",
        415: "The body is not application/json",
        422: "Semantically invalid",
        503: "A dependency is unavailable; retry",
    }
    out = {
        str(c): {
            "description": text[c],
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for c in codes
    }
    if 401 in codes:
        # The authorizer answers before our code runs, in API Gateway's own shape.
        out["401"]["content"] = {
            "application/json": {"schema": GATEWAY_MESSAGE, "example": {"message": "Unauthorized"}}
        }
    return out


# Abuse limits (infra/resources.yaml: the stage's throttling and each caller's rate, the same
# numbers locally). The stage's answer is a problem+json body; WAF's the same body, typed JSON.
TOO_MANY = {
    "description": "Too many requests: from this caller (by default over 120 a minute per "
    "bearer token) or to the whole API; retry after Retry-After seconds",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {
        "application/problem+json": {"schema": PROBLEM},
        "application/json": {"schema": PROBLEM},
    },
}


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    "description": "A repeated key returns the first response",
}


WAIT = {
    "name": "waitSeconds",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "pattern": WAIT_SECONDS_PATTERN, "examples": ["10", "2.5"]},
    "description": "Long-poll: answer as soon as the application leaves PENDING, "
    "or after this many seconds (0 to 20)",
}

SUBMIT_WAIT = {
    **WAIT,
    "description": "Wait for the decision in this request: answer 201 with it as soon as the "
    "application leaves PENDING, or 202 after this many seconds (0 to 20)",
}


def _op(
    summary: str,
    responses: dict[str, Any],
    body: type[BaseModel] | None = None,
    params: list[Any] | None = None,
    secure: bool = True,
    description: str | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, "429": TOO_MANY}}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = _body(body)
        op["responses"] = {**op["responses"], **_errors(415)}
    if params:
        op["parameters"] = params
    if not secure:
        op["security"] = []
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


MODELS: list[type[BaseModel]] = [
    m.DocumentRequest,
    m.DocumentResponse,
    m.DocumentStatus,
    m.ApplicationRequest,
    m.ApplicationAccepted,
    m.ApplicationOut,
    m.ApplicationList,
    m.ReviewDecision,
    m.ReviewList,
    m.StuckResolution,
    m.StuckResolved,
    m.Problem,
]

MODELS += [
    m.CreditLineOut,
    m.LoanRequest,
    m.LoanAccepted,
    m.LoanOut,
    m.LoanList,
    m.PayoffQuote,
    m.RepaymentRequest,
    m.RepaymentAccepted,
    m.RepaymentOut,
]

MODELS += [m.NotificationList, m.CreditLineDetail]

PAGE = [
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "nextCursor of the page before; omit for the newest page",
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": PAGE_LIMIT_PATTERN, "examples": ["20"]},
        "description": f"How many on a page, 1 to {MAX_PAGE}; default {DEFAULT_PAGE}",
    },
]

LINE_HISTORY_PAGE = [
    {**PAGE[0], "description": "nextCursor of the history's page before; omit for the newest"},
    {
        **PAGE[1],
        "description": f"How many changes on a page, 1 to {MAX_HISTORY_PAGE}; "
        f"default {DEFAULT_HISTORY_PAGE}",
    },
]


def notification_paths() -> dict[str, Any]:
    return {
        "/v1/notifications": {
            "get": _op(
                "My notifications (due soon, due today, overdue, collected, collection failed, "
                "limit or APR changed), newest first, a page at a time",
                {**_resp(200, m.NotificationList, "A page"), **_errors(400, 401)},
                params=PAGE,
            )
        }
    }


PAYOFF_DATE = {
    "name": "date",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "format": "date"},
    "description": "YYYY-MM-DD, today (China Standard Time) or later; default today",
}


def money_paths() -> dict[str, Any]:
    """The credit line, draws (loans) and repayments."""
    loan_id = _path_param("loanId")
    return {
        "/v1/applications/{applicationId}/accept": {
            "post": _op(
                "Accept the offer and open the credit line",
                {**_resp(201, m.CreditLineOut, "The credit line"), **_errors(401, 404, 409)},
                params=[_path_param("applicationId")],
            )
        },
        "/v1/credit-line": {
            "get": _op(
                "My revolving credit line: status (ACTIVE, FROZEN, CLOSED), limit, drawn, "
                "available, the APR for new draws, the next review date, and its history of "
                "changes with reasons, newest first, a page at a time",
                {**_resp(200, m.CreditLineDetail, "The line"), **_errors(400, 401, 404)},
                params=LINE_HISTORY_PAGE,
            )
        },
        "/v1/loans": {
            "post": _op(
                "Draw on the line: starts the disbursement workflow",
                {
                    **_resp(202, m.LoanAccepted, "Accepted; poll the loan until it leaves PENDING"),
                    **_errors(400, 401, 409, 413, 422, 503),
                },
                m.LoanRequest,
                [IDEMPOTENCY],
            ),
            "get": _op(
                "My loans, newest first", {**_resp(200, m.LoanList, "Loans"), **_errors(401)}
            ),
        },
        "/v1/loans/{loanId}": {
            "get": _op(
                "Contract terms (APR and daily rate), schedule, paid, outstanding, next due, "
                "repayments",
                {**_resp(200, m.LoanOut, "The loan"), **_errors(401, 404)},
                params=[loan_id],
            )
        },
        "/v1/loans/{loanId}/payoff-quote": {
            "get": _op(
                "What closes the loan on a day: principal + interest to that day + penalty",
                {**_resp(200, m.PayoffQuote, "The quote"), **_errors(400, 401, 404, 409)},
                params=[loan_id, PAYOFF_DATE],
            )
        },
        "/v1/loans/{loanId}/repayments": {
            "post": _op(
                "Repay early, partly or in full (interest only to today); "
                "starts the repayment workflow",
                {
                    **_resp(202, m.RepaymentAccepted, "Accepted; poll the repayment"),
                    **_errors(400, 401, 404, 409, 413, 422, 503),
                },
                m.RepaymentRequest,
                [loan_id, IDEMPOTENCY],
            )
        },
        "/v1/loans/{loanId}/repayments/{repaymentId}": {
            "get": _op(
                "A repayment's status and how it was allocated",
                {**_resp(200, m.RepaymentOut, "The repayment"), **_errors(401, 404)},
                params=[loan_id, _path_param("repaymentId")],
            )
        },
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    app_id = _path_param("applicationId")
    paths = {
        "/v1/documents": {
            "post": _op(
                "Get a pre-signed upload form for an ID-card photo",
                {**_resp(201, m.DocumentResponse, "Upload slot"), **_errors(400, 401)},
                m.DocumentRequest,
                description=UPLOAD,
            )
        },
        "/v1/applications": {
            "post": _op(
                "Apply for a credit line",
                {
                    **_resp(
                        201,
                        m.ApplicationOut,
                        "Decided within waitSeconds: the application with its decision",
                    ),
                    "202": {
                        "description": "Accepted, not decided yet: poll for the decision "
                        "(with waitSeconds, the application as GET shows it)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "anyOf": [
                                        {"$ref": "#/components/schemas/ApplicationAccepted"},
                                        {"$ref": "#/components/schemas/ApplicationOut"},
                                    ]
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 404, 409, 413, 422, 503),
                },
                m.ApplicationRequest,
                [IDEMPOTENCY, SUBMIT_WAIT],
            ),
            "get": _op(
                "List my applications",
                {**_resp(200, m.ApplicationList, "Newest first"), **_errors(401)},
            ),
        },
        "/v1/documents/{documentId}": {
            "get": _op(
                "Whether the uploaded photo has been read",
                {**_resp(200, m.DocumentStatus, "Status"), **_errors(401, 404)},
                params=[_path_param("documentId")],
            )
        },
        "/v1/applications/{applicationId}": {
            "get": _op(
                "Status, reasons and offer",
                {**_resp(200, m.ApplicationOut, "The application"), **_errors(400, 401, 404)},
                params=[app_id, WAIT],
            )
        },
        "/v1/applications/{applicationId}/accept": {
            "post": _op(
                "Accept the offer and open the credit line",
                {**_resp(201, None, "The credit line"), **_errors(401, 404, 409)},
                params=[app_id],
            )
        },
        "/v1/credit-line": {
            "get": _op(
                "My revolving credit line", {**_resp(200, None, "The line"), **_errors(401, 404)}
            )
        },
        "/v1/ops/reviews": {
            "get": _op(
                "Pending manual reviews (ops)",
                {**_resp(200, m.ReviewList, "Reviews, oldest first"), **_errors(401, 403)},
            )
        },
        "/v1/ops/reviews/{applicationId}": {
            "post": _op(
                "Approve or decline a borderline application (ops)",
                {**_resp(200, None, "Decided"), **_errors(400, 401, 403, 404, 409)},
                m.ReviewDecision,
                [app_id],
            )
        },
        "/v1/ops/stuck/resolve": {
            "post": _op(
                "Finish a draw or repayment the bank settled but the books do not show (ops)",
                {
                    **_resp(200, m.StuckResolved, "Booked, or nothing to finish"),
                    **_errors(400, 401, 403, 404, 409),
                },
                m.StuckResolution,
            )
        },
        "/v1/openapi.json": {
            "get": _op("This document", {"200": {"description": "OpenAPI 3"}}, secure=False)
        },
    }
    paths.update(money_paths())
    paths.update(notification_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Weili lending API",
            "version": "1.0.0",
            "description": (
                "Money is a decimal string in yuan; rates are decimal strings in percent."
            ),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))

"""Routes and workflow steps. Wiring only: each handler parses, calls one service, returns."""

from __future__ import annotations

import functools
import logging
from typing import Any

from chalice import AuthResponse, Chalice, Rate, Response

from chalicelib import observability, wiring
from chalicelib.api import http
from chalicelib.api.models import (
    ApplicationRequest,
    DocumentRequest,
    LoanRequest,
    RepaymentRequest,
    ReviewDecision,
)
from chalicelib.auth import InvalidToken, Principal
from chalicelib.errors import DomainError
from chalicelib.idempotency import StoredResponse, request_hash
from chalicelib.openapi import openapi_document
from chalicelib.origination.views import application_view
from chalicelib.steps_input import (
    LoanStepInput,
    RepaymentStepInput,
    ReviewRequest,
    StepInput,
)

app = Chalice(app_name="weili-lending")
app.api.binary_types = []
# JSON logs with correlation ids for every route, workflow step and scheduled job.
app.register_middleware(observability.chalice_middleware, "all")
log = logging.getLogger("weili")
log.setLevel(logging.INFO)


def c() -> wiring.Container:
    return wiring.container()


# --- authentication -------------------------------------------------------------------------


@app.authorizer()
def bearer_jwt(auth_request: Any) -> AuthResponse:
    try:
        principal = c().verifier.verify(auth_request.token)
    except InvalidToken:
        # API Gateway answers 401 when a token authorizer raises exactly this.
        raise Exception("Unauthorized") from None
    return AuthResponse(
        routes=["*"], principal_id=principal.user_id, context={"groups": ",".join(principal.groups)}
    )


def principal() -> Principal:
    ctx = app.current_request.context.get("authorizer") or {}
    groups = tuple(g for g in str(ctx.get("groups", "")).split(",") if g)
    return Principal(user_id=ctx["principalId"], groups=groups)


# --- one place where errors become HTTP ----------------------------------------------------


def _problem_response(status: int, body: dict[str, Any]) -> Response:
    return Response(body, status_code=status, headers={"Content-Type": "application/problem+json"})


def route(path: str, **kwargs: Any) -> Any:
    """`app.route` whose view's DomainErrors become 4xx problem bodies, and nothing leaks a trace."""

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def guarded(*args: Any, **kw: Any) -> Any:
            try:
                req = app.current_request
                http.require_json(req.method, req.headers, req.raw_body)
                return view(*args, **kw)
            except DomainError as exc:
                return _problem_response(exc.status, http.problem_for(exc))
            except Exception:
                log.exception("unhandled error on %s", path)
                return _problem_response(
                    500, http.problem(500, "internal-error", "something went wrong on our side")
                )

        return app.route(path, **{"content_types": ["*/*"], **kwargs})(guarded)

    return decorate


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(body, status_code=status, headers={"Content-Type": "application/json"})


def idempotent(route: str, handler: Any) -> Response:
    """Run `handler() -> (status, body)` at most once per (user, Idempotency-Key)."""
    req = app.current_request
    key = http.idempotency_key(req.headers)
    user = principal().user_id
    store = c().idempotency
    stored = store.begin(user, key, request_hash(route, req.raw_body or b""))
    if stored is not None:
        return json_response(stored.body, stored.status)
    try:
        status, body = handler()
    except BaseException:
        store.abandon(user, key)
        raise
    store.complete(user, key, StoredResponse(status, body))
    return json_response(body, status)


# --- mobile API v1 --------------------------------------------------------------------------


@route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    return json_response(openapi_document())


@route("/v1/documents", methods=["POST"], authorizer=bearer_jwt)
def create_document() -> Response:
    body = http.parse_body(DocumentRequest, app.current_request.raw_body)
    return json_response(
        c().origination.create_document(principal().user_id, body.contentType), 201
    )


@route("/v1/applications", methods=["POST"], authorizer=bearer_jwt)
def submit_application() -> Response:
    def run() -> tuple[int, dict[str, Any]]:
        body = http.parse_body(ApplicationRequest, app.current_request.raw_body)
        created = c().origination.submit(principal().user_id, body)
        return 202, {"applicationId": created.application_id, "status": created.status.value}

    return idempotent("POST /v1/applications", run)


@route("/v1/applications", methods=["GET"], authorizer=bearer_jwt)
def list_applications() -> Response:
    apps = c().origination.list(principal().user_id)
    return json_response({"applications": [application_view(a) for a in apps]})


@route("/v1/documents/{document_id}", methods=["GET"], authorizer=bearer_jwt)
def document_status(document_id: str) -> Response:
    return json_response(c().origination.document_status(principal().user_id, document_id))


@route("/v1/applications/{application_id}", methods=["GET"], authorizer=bearer_jwt)
def get_application(application_id: str) -> Response:
    wait = http.wait_seconds(app.current_request.query_params)
    service = c().origination
    found = (
        service.wait_for_change(principal().user_id, application_id, wait)
        if wait
        else service.get(principal().user_id, application_id)
    )
    return json_response(application_view(found))


@route("/v1/applications/{application_id}/accept", methods=["POST"], authorizer=bearer_jwt)
def accept_offer(application_id: str) -> Response:
    return json_response(c().origination.accept(principal().user_id, application_id), 201)


@route("/v1/credit-line", methods=["GET"], authorizer=bearer_jwt)
def credit_line() -> Response:
    return json_response(c().origination.credit_line(principal().user_id))


# --- borrowing on the line: draws (loans) and repayments --------------------------------------


@route("/v1/loans", methods=["POST"], authorizer=bearer_jwt)
def draw_loan() -> Response:
    def run() -> tuple[int, dict[str, Any]]:
        body = http.parse_body(LoanRequest, app.current_request.raw_body)
        draw = c().borrowing.draw(principal().user_id, body.amount, body.termMonths, body.method)
        return 202, {"loanId": draw.loan_id, "status": "PENDING"}

    return idempotent("POST /v1/loans", run)


@route("/v1/loans", methods=["GET"], authorizer=bearer_jwt)
def list_loans() -> Response:
    return json_response({"loans": c().borrowing.list(principal().user_id)})


@route("/v1/loans/{loan_id}", methods=["GET"], authorizer=bearer_jwt)
def get_loan(loan_id: str) -> Response:
    return json_response(c().borrowing.get(principal().user_id, loan_id))


@route("/v1/loans/{loan_id}/payoff-quote", methods=["GET"], authorizer=bearer_jwt)
def payoff_quote(loan_id: str) -> Response:
    on = (app.current_request.query_params or {}).get("date")
    return json_response(c().borrowing.payoff_quote(principal().user_id, loan_id, on))


@route("/v1/loans/{loan_id}/repayments", methods=["POST"], authorizer=bearer_jwt)
def repay_loan(loan_id: str) -> Response:
    def run() -> tuple[int, dict[str, Any]]:
        body = http.parse_body(RepaymentRequest, app.current_request.raw_body)
        rep = c().borrowing.repay(principal().user_id, loan_id, body.amount)
        return 202, {"repaymentId": rep.repayment_id, "status": "PENDING"}

    return idempotent(f"POST /v1/loans/{loan_id}/repayments", run)


@route("/v1/loans/{loan_id}/repayments/{repayment_id}", methods=["GET"], authorizer=bearer_jwt)
def get_repayment(loan_id: str, repayment_id: str) -> Response:
    return json_response(c().borrowing.get_repayment(principal().user_id, loan_id, repayment_id))


# --- ops ------------------------------------------------------------------------------------


@route("/v1/ops/reviews", methods=["GET"], authorizer=bearer_jwt)
def list_reviews() -> Response:
    return json_response({"reviews": c().reviews.pending(principal())})


@route("/v1/ops/reviews/{application_id}", methods=["POST"], authorizer=bearer_jwt)
def decide_review(application_id: str) -> Response:
    body = http.parse_body(ReviewDecision, app.current_request.raw_body)
    return json_response(c().reviews.decide(principal(), application_id, body.decision, body.note))


# --- workflow steps (statemachines/origination.asl.json) -------------------------------------


# OCR on upload is not here: it runs in a container image without chalice
# (chalicelib/ocr_entry.py, `ExtractDocument` in infra/resources.yaml).


@app.lambda_function(name="verify_identity")
def verify_identity(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.verify_identity(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="screen_fraud")
def screen_fraud(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.screen_fraud(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="pull_credit_report")
def pull_credit_report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.pull_credit_report(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="score_application")
def score_application(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.score_application(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="decide_application")
def decide_application(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.decide_application(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="request_review")
def request_review(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = ReviewRequest.model_validate(event)
    return c().origination_steps.request_review(req.applicationId, req.taskToken)


@app.lambda_function(name="review_timed_out")
def review_timed_out(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.review_timed_out(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="price_and_set_line")
def price_and_set_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.price_and_set_line(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="record_offer")
def record_offer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.record_offer(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="record_decline")
def record_decline(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.record_decline(StepInput.model_validate(event).applicationId)


@app.lambda_function(name="record_failure")
def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = StepInput.model_validate(event)
    return c().origination_steps.record_failure(req.applicationId, req.error_name())


# --- workflow steps (statemachines/disbursement.asl.json) -----------------------------------


@app.lambda_function(name="reserve_line")
def reserve_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.reserve_line(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="create_contract")
def create_contract(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.create_contract(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="pay_out")
def pay_out(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.pay_out(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="post_ledger")
def post_ledger(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.post_ledger(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="activate_loan")
def activate_loan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.activate_loan(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="void_contract")
def void_contract(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.void_contract(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="release_line")
def release_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().money_steps.release_line(LoanStepInput.model_validate(event).loanId)


@app.lambda_function(name="record_draw_failure")
def record_draw_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = LoanStepInput.model_validate(event)
    return c().money_steps.record_draw_failure(req.loanId, req.error_name())


# --- workflow steps (statemachines/repayment.asl.json) --------------------------------------


@app.lambda_function(name="quote_repayment")
def quote_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = RepaymentStepInput.model_validate(event)
    return c().money_steps.quote_repayment(req.loanId, req.repaymentId)


@app.lambda_function(name="collect_repayment")
def collect_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = RepaymentStepInput.model_validate(event)
    return c().money_steps.collect_repayment(req.loanId, req.repaymentId)


@app.lambda_function(name="post_repayment")
def post_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = RepaymentStepInput.model_validate(event)
    return c().money_steps.post_repayment(req.loanId, req.repaymentId)


@app.lambda_function(name="restore_line")
def restore_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = RepaymentStepInput.model_validate(event)
    return c().money_steps.restore_line(req.loanId, req.repaymentId)


@app.lambda_function(name="record_repayment_failure")
def record_repayment_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    req = RepaymentStepInput.model_validate(event)
    return c().money_steps.record_repayment_failure(req.loanId, req.repaymentId, req.error_name())


# --- model monitoring -------------------------------------------------------------------------


@app.schedule(Rate(1, unit=Rate.DAYS), name="model_drift")
def model_drift(event: Any) -> dict[str, Any]:
    from chalicelib.clock import utcnow
    from chalicelib.origination.monitoring import record_drift

    return record_drift(c().scorer, c().scored_inputs, utcnow().date())

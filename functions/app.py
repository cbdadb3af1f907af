"""Routes and workflow steps. Wiring only: each handler parses, calls one service, returns."""

from __future__ import annotations

import logging
from typing import Any

from chalice.app import AuthResponse, Chalice, Rate, Response
from pydantic import BaseModel

from chalicelib import wiring
from chalicelib.api import http, middleware
from chalicelib.api.http import json_response
from chalicelib.api.models import (
    ApplicationRequest,
    DocumentRequest,
    LoanRequest,
    RepaymentRequest,
    ReviewDecision,
    StuckResolution,
)
from chalicelib.api.openapi import openapi_document
from chalicelib.auth import InvalidToken, Principal
from chalicelib.borrowing.handoffs import DrawState, RepaymentState
from chalicelib.borrowing.views import credit_line_detail_view, credit_line_view
from chalicelib.closing.handoffs import Batch, Day, Failure, LineBatch, Results
from chalicelib.ids import new_id
from chalicelib.lines.port import MAX_HISTORY_PAGE
from chalicelib.notifications.port import MAX_PAGE
from chalicelib.notifications.service import DEFAULT_PAGE
from chalicelib.notifications.views import inbox_view
from chalicelib.origination.handoffs import OriginationState
from chalicelib.origination.reviews import Analyst
from chalicelib.origination.service import DEFAULT_HISTORY_PAGE
from chalicelib.origination.views import application_view, submitted_view
from chalicelib.scoring.monitoring import record_drift

app = Chalice(app_name="weili-lending")
app.api.binary_types = []
# JSON logs with correlation ids for every route, workflow step and scheduled job.
app.register_middleware(middleware.correlated_logs, "all")
log = logging.getLogger("weili")
log.setLevel(logging.INFO)
route = http.router(app)


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
    ctx = http.current(app).context.get("authorizer") or {}
    groups = tuple(g for g in str(ctx.get("groups", "")).split(",") if g)
    return Principal(user_id=ctx["principalId"], groups=groups)


def analyst() -> Analyst:
    who = principal()
    return Analyst(who.user_id, who.is_ops)


def idempotent(
    route_name: str,
    request: BaseModel,
    prefix: str,
    create: Any,
    exists: Any,
    respond: Any,
) -> Response:
    return http.idempotent(
        c().idempotency,
        principal().user_id,
        http.current(app).headers,
        route_name,
        request,
        lambda: new_id(prefix),
        create,
        exists,
        respond,
    )


# --- mobile API v1 --------------------------------------------------------------------------


@route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    return json_response(openapi_document())


@route("/v1/documents", methods=["POST"], authorizer=bearer_jwt)
def create_document() -> Response:
    body = http.parse_body(DocumentRequest, http.current(app).raw_body)
    return json_response(
        c().origination.create_document(principal().user_id, body.contentType), 201
    )


@route("/v1/applications", methods=["POST"], authorizer=bearer_jwt)
def submit_application() -> Response:
    request = http.current(app)
    body = http.parse_body(ApplicationRequest, request.raw_body)
    wait = http.wait_seconds(request.query_params)
    cmd, user, service = body.command(), principal().user_id, c().origination
    return idempotent(
        "POST /v1/applications",
        body,
        "app",
        lambda app_id: service.submit(user, cmd, app_id),
        service.exists,
        lambda app_id: (
            submitted_view(service.wait_for_change(user, app_id, wait))
            if wait
            else (202, {"applicationId": app_id, "status": "PENDING"})
        ),
    )


@route("/v1/applications", methods=["GET"], authorizer=bearer_jwt)
def list_applications() -> Response:
    apps = c().origination.list(principal().user_id)
    return json_response({"applications": [application_view(a) for a in apps]})


@route("/v1/documents/{document_id}", methods=["GET"], authorizer=bearer_jwt)
def document_status(document_id: str) -> Response:
    return json_response(c().origination.document_status(principal().user_id, document_id))


@route("/v1/applications/{application_id}", methods=["GET"], authorizer=bearer_jwt)
def get_application(application_id: str) -> Response:
    wait = http.wait_seconds(http.current(app).query_params)
    service, user = c().origination, principal().user_id
    found = (
        service.wait_for_change(user, application_id, wait)
        if wait
        else service.get(user, application_id)
    )
    return json_response(application_view(found))


@route("/v1/applications/{application_id}/accept", methods=["POST"], authorizer=bearer_jwt)
def accept_offer(application_id: str) -> Response:
    line = c().origination.accept(principal().user_id, application_id)
    return json_response(credit_line_view(line), 201)


@route("/v1/credit-line", methods=["GET"], authorizer=bearer_jwt)
def credit_line() -> Response:
    cursor, limit = http.page_params(
        http.current(app).query_params, DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE
    )
    line, history = c().origination.credit_line_history(principal().user_id, cursor, limit)
    return json_response(credit_line_detail_view(line, history))


# --- borrowing on the line: draws (loans) and repayments --------------------------------------


@route("/v1/loans", methods=["POST"], authorizer=bearer_jwt)
def draw_loan() -> Response:
    body = http.parse_body(LoanRequest, http.current(app).raw_body)
    cmd, user = body.command(), principal().user_id
    return idempotent(
        "POST /v1/loans",
        body,
        "loan",
        lambda loan_id: c().borrowing.draw(user, cmd, loan_id),
        lambda loan_id: c().borrowing.exists(user, loan_id),
        lambda loan_id: (202, {"loanId": loan_id, "status": "PENDING"}),
    )


@route("/v1/loans", methods=["GET"], authorizer=bearer_jwt)
def list_loans() -> Response:
    return json_response({"loans": c().borrowing.list(principal().user_id)})


@route("/v1/loans/{loan_id}", methods=["GET"], authorizer=bearer_jwt)
def get_loan(loan_id: str) -> Response:
    return json_response(c().borrowing.get(principal().user_id, loan_id))


@route("/v1/loans/{loan_id}/payoff-quote", methods=["GET"], authorizer=bearer_jwt)
def payoff_quote(loan_id: str) -> Response:
    query = http.current(app).query_params
    on = query.get("date") if query else None
    return json_response(c().borrowing.payoff_quote(principal().user_id, loan_id, on))


@route("/v1/loans/{loan_id}/repayments", methods=["POST"], authorizer=bearer_jwt)
def repay_loan(loan_id: str) -> Response:
    body = http.parse_body(RepaymentRequest, http.current(app).raw_body)
    amount_fen, user = body.amount_fen(), principal().user_id
    return idempotent(
        f"POST /v1/loans/{loan_id}/repayments",
        body,
        "rep",
        lambda rep_id: c().borrowing.repay(user, loan_id, amount_fen, rep_id),
        lambda rep_id: c().borrowing.repayment_exists(loan_id, rep_id),
        lambda rep_id: (202, {"repaymentId": rep_id, "status": "PENDING"}),
    )


@route("/v1/loans/{loan_id}/repayments/{repayment_id}", methods=["GET"], authorizer=bearer_jwt)
def get_repayment(loan_id: str, repayment_id: str) -> Response:
    return json_response(c().borrowing.get_repayment(principal().user_id, loan_id, repayment_id))


# --- the borrower's notifications --------------------------------------------------------


@route("/v1/notifications", methods=["GET"], authorizer=bearer_jwt)
def list_notifications() -> Response:
    cursor, limit = http.page_params(http.current(app).query_params, DEFAULT_PAGE, MAX_PAGE)
    return json_response(inbox_view(c().notifications.inbox(principal().user_id, cursor, limit)))


# What the event bus refused and no retry came back for (stored, so in the inbox already).
@app.schedule(Rate(1, unit=Rate.HOURS), name="publish_missed_notifications")
def publish_missed_notifications(event: Any) -> dict[str, Any]:
    d = c().notifications.publish_pending()
    return {"published": d.published, "unpublished": len(d.unpublished)}


# --- ops ------------------------------------------------------------------------------------


@route("/v1/ops/reviews", methods=["GET"], authorizer=bearer_jwt)
def list_reviews() -> Response:
    return json_response({"reviews": c().reviews.pending(analyst())})


@route("/v1/ops/reviews/{application_id}", methods=["POST"], authorizer=bearer_jwt)
def decide_review(application_id: str) -> Response:
    body = http.parse_body(ReviewDecision, http.current(app).raw_body)
    return json_response(c().reviews.decide(analyst(), application_id, body.decision, body.note))


@route("/v1/ops/stuck/resolve", methods=["POST"], authorizer=bearer_jwt)
def resolve_stuck() -> Response:
    http.require_ops(analyst().is_ops)
    body = http.parse_body(StuckResolution, http.current(app).raw_body)
    stuck = c().stuck
    if body.repaymentId is None:
        return json_response(stuck.resolve_draw(body.loanId))
    return json_response(stuck.resolve_repayment(body.loanId, body.repaymentId))


# OCR on upload is not here: OCR's libraries (onnxruntime, OpenCV, ~370 MB) are beyond a zip
# Lambda's 250 MB, so its handler is chalicelib/ocr_entry.py, in a container image without
# chalice (infra/ocr-image/, `ExtractDocument` in infra/resources.yaml).


# --- workflow steps (statemachines/origination.asl.json) -------------------------------------


def _origination(event: dict[str, Any]) -> OriginationState:
    return OriginationState.model_validate(event)


@app.lambda_function(name="verify_identity")
def verify_identity(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.verify_identity(_origination(event)).state()


@app.lambda_function(name="screen_fraud")
def screen_fraud(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.screen_fraud(_origination(event)).state()


@app.lambda_function(name="pull_credit_report")
def pull_credit_report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.pull_credit_report(_origination(event)).state()


@app.lambda_function(name="score_application")
def score_application(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.score_application(_origination(event)).state()


@app.lambda_function(name="decide_application")
def decide_application(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.decide_application(_origination(event)).state()


@app.lambda_function(name="request_review")
def request_review(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.request_review(_origination(event)).state()


@app.lambda_function(name="review_timed_out")
def review_timed_out(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.review_timed_out(_origination(event)).state()


@app.lambda_function(name="price_and_set_line")
def price_and_set_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.price_and_set_line(_origination(event)).state()


@app.lambda_function(name="record_offer")
def record_offer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.record_offer(_origination(event)).state()


@app.lambda_function(name="record_decline")
def record_decline(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.record_decline(_origination(event)).state()


@app.lambda_function(name="record_failure")
def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().origination_steps.record_failure(_origination(event)).state()


# --- workflow steps (statemachines/disbursement.asl.json) -----------------------------------


def _draw(event: dict[str, Any]) -> DrawState:
    return DrawState.model_validate(event)


@app.lambda_function(name="reserve_line")
def reserve_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.reserve_line(_draw(event)).state()


@app.lambda_function(name="create_contract")
def create_contract(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.create_contract(_draw(event)).state()


@app.lambda_function(name="pay_out")
def pay_out(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.pay_out(_draw(event)).state()


@app.lambda_function(name="post_ledger")
def post_ledger(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.post_ledger(_draw(event)).state()


@app.lambda_function(name="void_contract")
def void_contract(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.void_contract(_draw(event)).state()


@app.lambda_function(name="release_line")
def release_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.release_line(_draw(event)).state()


@app.lambda_function(name="record_draw_failure")
def record_draw_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().disbursement.record_failure(_draw(event)).state()


# --- workflow steps (statemachines/repayment.asl.json) --------------------------------------


def _repayment(event: dict[str, Any]) -> RepaymentState:
    return RepaymentState.model_validate(event)


@app.lambda_function(name="quote_repayment")
def quote_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.quote_repayment(_repayment(event)).state()


@app.lambda_function(name="collect_repayment")
def collect_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.collect_repayment(_repayment(event)).state()


@app.lambda_function(name="post_repayment")
def post_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.post_repayment(_repayment(event)).state()


@app.lambda_function(name="restore_line")
def restore_line(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.restore_line(_repayment(event)).state()


@app.lambda_function(name="record_repayment_failure")
def record_repayment_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.record_failure(_repayment(event)).state()


@app.lambda_function(name="notify_repayment")
def notify_repayment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().repayment.notify_borrower(_repayment(event)).state()


# --- the close of business (statemachines/close-of-business.asl.json) -----------------------


@app.lambda_function(name="start_close_of_business")
def start_close_of_business(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # EventBridge Scheduler's target (infra/resources.yaml): {"scheduledTime": ...}
    return c().start_close_of_business(event)


@app.lambda_function(name="write_work_list")
def write_work_list(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().write_work_list(Day.model_validate(event)).state()


@app.lambda_function(name="close_loans")
def close_loans(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().close_loans(Batch.model_validate(event)).state()


@app.lambda_function(name="close_lines")
def close_lines(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().close_lines(LineBatch.model_validate(event)).state()


@app.lambda_function(name="write_day_summary")
def write_day_summary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().write_day_summary(Results.model_validate(event))


@app.lambda_function(name="start_reports")
def start_reports(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().start_reports(Day.model_validate(event))


@app.lambda_function(name="record_close_of_business_failure")
def record_close_of_business_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return c().record_cob_failure(Failure.model_validate(event))


@app.lambda_function(name="check_close_of_business")
def check_close_of_business(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The 06:00 schedule's target (infra/resources.yaml): {"scheduledTime": ...}
    return c().check_close_of_business(event)


# --- model monitoring -------------------------------------------------------------------------


@app.schedule(Rate(1, unit=Rate.DAYS), name="model_drift")
def model_drift(event: Any) -> dict[str, Any]:
    return record_drift(c().scorer, c().scored_inputs, c().clock.today())

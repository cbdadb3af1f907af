"""A tour of every Lambda function in a local cloud that records their AWS calls.

Each path a function's code can take to AWS is walked at least once: an approval, a decline,
an application sent before OCR had read its photo, one whose fraud screen flags it (a second
account of one person), one whose debts leave no line, a review approved by an analyst and one
left to time out, draws that land and draws the bank refuses (compensated), repayments
collected and refused (each telling the borrower), the borrower's inbox, a draw and a repayment
an operator finishes (`POST /v1/ops/stuck/resolve`), the hourly sweep of notifications the bus
refused, the drift job, a failure recorded. The rail declines half its
transfers, so both outcomes of a draw and of a repayment are reached by trying again, a
bounded number of times. Each workflow step's first response is lost once
(`--lose-first-responses`), so every step also runs as a Step Functions retry runs it: a
second time with the same input, taking the branch that finds its write already done.

A function added to app.py is refused by `lending package` until infra/permissions.yaml has its
entry, and by tests/infra/test_least_privilege.py until this tour runs it. The close of
business runs here once app.py has its functions (`_close_of_business`).
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from chalicelib.money.notifications import COLLECTION_SUCCEEDED, Notification
from chalicelib.notifications.dynamo import DynamoNotificationStore
from demo.personas import STEADY, Applicant, find
from localcloud.client import RemoteCloud
from localcloud.cloud import load_chalice_app
from localcloud.provision import chalice_function_ids
from tests.workflow.helpers import apply, codes, upload
from tests.workflow.test_money_workflow import draw, post, wait
from tests.workflow.test_origination_workflow import TODAY, applicant

REVIEW_TIMEOUT_SECONDS = 6
TRIES = 12  # P(one outcome never shows in 12 tries at 50%) = 2 x 0.5**12, under 0.05%


def invoke(cloud: RemoteCloud, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """Lambda Invoke through the local endpoint, as `aws lambda invoke` would."""
    out = cloud.boto3("lambda").invoke(
        FunctionName=f"weili-local-{function}", Payload=json.dumps(event).encode()
    )
    payload = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, payload
    return payload


# The tour's applicants: the logs must not show any of them (test_least_privilege.py).
def applicants() -> dict[str, Applicant]:
    good = applicant("tour-good", 11000, "tour-good", kind="good")
    # The same person under a second account: FRAUD_IDENTITY_SHARED sends it to an analyst.
    shared = applicant("tour-shared", 11000, "tour-shared", kind="good", device="dev-tour-shr")
    return {
        "good": good,
        "mismatch": applicant("tour-mismatch", 12000, "tour-mismatch", declared_name="欧阳娜娜"),
        "border": applicant("tour-border", 13000, "tour-border", kind="borderline"),
        "shared": shared,
        "unaffordable": _unaffordable(),
    }


def _unaffordable() -> Applicant:
    poor = {**STEADY, "monthlyIncome": "1500.00"}
    _, person = find("unaffordable", start_seed=15000, today=TODAY, profile=poor)
    a = Applicant("tour-poor", person, person.name, poor, "北京", "dev-tour-poor", "203.0.113.77")
    a.user_id = "tour-poor"
    return a


def run_tour(record_to: Path, log_to: Path) -> dict[str, Any]:
    """Walk every function; return the recorded calls. The functions' INFO logs go to `log_to`.

    After the first approval (which the other legs need: its line, and its person for the
    second account), the legs run side by side, so their waits (OCR, the review timeout, each
    step's retry) overlap; each leg's own steps stay in order.
    """
    cloud = RemoteCloud.spawn(
        review_timeout=REVIEW_TIMEOUT_SECONDS,
        record_calls=record_to,
        log_to=log_to,
        lose_first_responses=True,
        # The business date as AWS reads it (the wall clock), not from the local cloud's
        # table clock: that read is the local cloud's, and would be granted on AWS for nothing.
        wall_clock=True,
        extra_env={"RAIL_SANDBOX_DECLINE_RATE": "0.5", "POWERTOOLS_LOG_LEVEL": "INFO"},
    )
    try:
        people = applicants()
        _approved(cloud, people["good"])
        legs = [
            lambda: _declined(cloud, people["mismatch"]),
            lambda: _unaffordable_declined(cloud, people["unaffordable"]),
            lambda: _reviewed(cloud, people["border"]),
            lambda: _review_timed_out(cloud, people["shared"]),
            lambda: _money(cloud, people["good"].user_id),
            lambda: _close_of_business(cloud),
            lambda: _model_drift(cloud),
            lambda: _missed_notifications(cloud),
        ]
        with ThreadPoolExecutor(max_workers=len(legs)) as pool:
            for done in [pool.submit(leg) for leg in legs]:
                done.result()
    finally:
        cloud.stop()
    return dict(json.loads(record_to.read_text()))


def _approved(cloud: RemoteCloud, good: Applicant) -> None:
    assert cloud.call("GET", "/v1/openapi.json", "anyone").status_code == 200
    # A document slot with no photo: the API asks S3 (404) and refuses the application, and
    # the refused request gives its Idempotency-Key back.
    empty = cloud.call("POST", "/v1/documents", good.user_id, {"contentType": "image/jpeg"})
    r = cloud.call(
        "POST",
        "/v1/applications",
        good.user_id,
        good.application(empty.json()["documentId"]),
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 409, r.text
    good_app = apply(cloud, good, upload(cloud, good))
    assert cloud.wait_for_decision(good.user_id, good_app)["status"] == "APPROVED"
    assert cloud.call("GET", "/v1/applications", good.user_id).status_code == 200
    r = cloud.call("POST", f"/v1/applications/{good_app}/accept", good.user_id)
    assert r.status_code == 201, r.text
    assert cloud.call("GET", "/v1/credit-line", good.user_id).status_code == 200


def _declined(cloud: RemoteCloud, mismatch: Applicant) -> None:
    declined = apply(cloud, mismatch, upload(cloud, mismatch))
    assert cloud.wait_for_decision(mismatch.user_id, declined)["status"] == "DECLINED"
    # Record Failure, as the workflow's Catch invokes it (here on a decided application:
    # the same reads and the same refused write as on a pending one).
    invoke(cloud, "record_failure", {"applicationId": declined, "error": {"Error": "Tour"}})


def _unaffordable_declined(cloud: RemoteCloud, poor: Applicant) -> None:
    """Sent at once after the upload: Verify Identity reads the card from the document, which
    OCR (about a second) has written by then or not yet (the step is retried until it has).
    Its debts leave no line: Price and Set Line records why, and the application is declined."""
    app_id = apply(cloud, poor, upload(cloud, poor, wait_for_ocr=False))
    final = cloud.wait_for_status(poor.user_id, app_id, {"DECLINED"}, timeout=60)
    assert "LINE_UNAFFORDABLE" in codes(final), final


def _reviewed(cloud: RemoteCloud, border: Applicant) -> None:
    reviewed = apply(cloud, border, upload(cloud, border))
    assert cloud.wait_for_decision(border.user_id, reviewed)["status"] == "IN_REVIEW"
    pending = cloud.call("GET", "/v1/ops/reviews", "tour-analyst", ops=True).json()["reviews"]
    assert reviewed in [r["applicationId"] for r in pending]
    r = cloud.call(
        "POST", f"/v1/ops/reviews/{reviewed}", "tour-analyst", {"decision": "approve"}, ops=True
    )
    assert r.status_code == 200, r.text


def _review_timed_out(cloud: RemoteCloud, shared: Applicant) -> None:
    """Screen Fraud records why it flags a second account of one person; nobody reviews it."""
    app_id = apply(cloud, shared, upload(cloud, shared))
    final = cloud.wait_for_status(shared.user_id, app_id, {"DECLINED"}, timeout=60)
    assert "REVIEW_TIMEOUT" in codes(final), final


def _scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def _model_drift(cloud: RemoteCloud) -> None:
    invoke(cloud, "model_drift", _scheduled_event())


def _missed_notifications(cloud: RemoteCloud) -> None:
    """The hourly sweep, with something to send: a notification in the inbox that the bus
    refused, as the repayment workflow leaves one (stored by the store's own code)."""
    table = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(cloud.info["physical"]["LendingTable"])
    missed = Notification(COLLECTION_SUCCEEDED, "tour-missed", TODAY, "rep-tour-missed")
    DynamoNotificationStore(table).add(missed, "2026-01-01T00:00:00Z")
    swept = invoke(cloud, "publish_missed_notifications", _scheduled_event())
    assert swept["published"] >= 1, swept


def _money(cloud: RemoteCloud, user: str) -> None:
    """Draws until one lands and one is refused (compensated); repayments likewise."""
    outcomes: dict[str, str] = {}
    for _ in range(TRIES):
        r = draw(cloud, user, "100.00")
        assert r.status_code == 202, r.text
        loan = wait(cloud, user, f"/v1/loans/{r.json()['loanId']}")
        outcomes.setdefault(loan["status"], loan["loanId"])
        if {"ACTIVE", "FAILED"} <= set(outcomes):
            break
    assert {"ACTIVE", "FAILED"} <= set(outcomes), outcomes
    loan_id = outcomes["ACTIVE"]
    assert cloud.call("GET", "/v1/loans", user).status_code == 200
    assert cloud.call("GET", f"/v1/loans/{loan_id}/payoff-quote", user).status_code == 200
    repaid: dict[str, str] = {}
    for _ in range(TRIES):
        r = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": "1.00"})
        assert r.status_code == 202, r.text
        rep = wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{r.json()['repaymentId']}")
        repaid.setdefault(rep["status"], rep["repaymentId"])
        if {"SUCCEEDED", "FAILED"} <= set(repaid):
            break
    assert {"SUCCEEDED", "FAILED"} <= set(repaid), repaid
    assert cloud.call("GET", "/v1/notifications", user).json()["notifications"]
    _stuck_resolved(cloud, user, loan_id, repaid["SUCCEEDED"])


def _stuck_resolved(cloud: RemoteCloud, user: str, loan_id: str, repayment_id: str) -> None:
    """What an operator finishes: a draw and a repayment whose money moved, marked STUCK here
    (as a booking that failed for good leaves them), resolved by the ops route; the same
    route on a request that is not stuck changes nothing."""
    table = cloud.info["physical"]["LendingTable"]
    for sk, ref in (("DRAW", {}), (f"REPAY#{repayment_id}", {"repaymentId": repayment_id})):
        body = {"loanId": loan_id, **ref}
        r = cloud.call("POST", "/v1/ops/stuck/resolve", "tour-ops", body, ops=True)
        assert r.status_code == 200 and r.json()["resolved"] is False, r.text
        cloud.boto3("dynamodb").update_item(
            TableName=table,
            Key={"PK": {"S": f"LOAN#{loan_id}"}, "SK": {"S": sk}},
            UpdateExpression="SET #s = :stuck",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":stuck": {"S": "STUCK"}},
        )
        r = cloud.call("POST", "/v1/ops/stuck/resolve", "tour-ops", body, ops=True)
        assert r.status_code == 200 and r.json()["resolved"] is True, r.text


# The close-of-business machine's functions (statemachines/close-of-business.asl.json); app.py
# does not have them yet (issue 11).
CLOSE_OF_BUSINESS = {
    "WriteWorkList",
    "CloseLoans",
    "WriteDaySummary",
    "StartReports",
    "RecordCloseOfBusinessFailure",
}


def _close_of_business(cloud: RemoteCloud) -> None:
    """One business day closed over the tour's loans, once app.py has the machine's functions:
    until then there is nothing of ours to run. Record Failure is invoked as the machine's Catch
    invokes it, on a day that closed (its refused write is the same as on a failed one)."""
    written = CLOSE_OF_BUSINESS & chalice_function_ids(load_chalice_app())
    if not written:
        return
    assert written == CLOSE_OF_BUSINESS, f"only some COB functions exist: {sorted(written)}"
    day = "2030-01-02"
    sfn = cloud.boto3("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=cloud.info["physical"]["CloseOfBusinessStateMachine"],
        name=day,
        input=json.dumps({"businessDate": day}),
    )["executionArn"]
    deadline = time.monotonic() + 120
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
        assert time.monotonic() < deadline, "close of business did not finish"
        time.sleep(0.2)
    assert status == "SUCCEEDED", sfn.describe_execution(executionArn=arn)
    invoke(
        cloud,
        "record_close_of_business_failure",
        {"businessDate": day, "error": {"Error": "Tour", "Cause": "the tour"}},
    )

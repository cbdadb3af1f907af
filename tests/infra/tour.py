"""A tour of every Lambda function in a local cloud that records their AWS calls.

Each path a function's code can take to AWS is walked at least once: an approval, a decline,
a review approved by an analyst and one left to time out, draws that land and draws the bank
refuses (compensated), repayments collected and refused, the drift job, a failure recorded.
The rail declines half its transfers, so both outcomes of a draw and of a repayment are
reached by trying again, a bounded number of times.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from localcloud.client import RemoteCloud
from tests.workflow.helpers import apply, upload
from tests.workflow.test_money_workflow import draw, post, wait
from tests.workflow.test_origination_workflow import applicant

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


def run_tour(record_to: Path, log_to: Path) -> dict[str, Any]:
    """Walk every function; return the recorded calls. The functions' INFO logs go to `log_to`."""
    cloud = RemoteCloud.spawn(
        review_timeout=REVIEW_TIMEOUT_SECONDS,
        record_calls=record_to,
        log_to=log_to,
        extra_env={"RAIL_SANDBOX_DECLINE_RATE": "0.5", "POWERTOOLS_LOG_LEVEL": "INFO"},
    )
    try:
        _origination(cloud)
        _money(cloud)
        invoke(
            cloud,
            "model_drift",
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": "2026-01-01T00:00:00Z",
                "region": "us-east-1",
                "resources": [],
                "detail": {},
            },
        )
    finally:
        cloud.stop()
    return json.loads(record_to.read_text())


def _origination(cloud: RemoteCloud) -> None:
    assert cloud.call("GET", "/v1/openapi.json", "anyone").status_code == 200
    good = applicant("tour-good", 11000, "tour-good", kind="good")
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

    mismatch = applicant("tour-mismatch", 12000, "tour-mismatch", declared_name="欧阳娜娜")
    declined = apply(cloud, mismatch, upload(cloud, mismatch))
    assert cloud.wait_for_decision(mismatch.user_id, declined)["status"] == "DECLINED"
    # Record Failure, as the workflow's Catch invokes it (here on a decided application:
    # the same reads and the same refused write as on a pending one).
    invoke(cloud, "record_failure", {"applicationId": declined, "error": {"Error": "Tour"}})

    border = applicant("tour-border", 13000, "tour-border", kind="borderline")
    reviewed = apply(cloud, border, upload(cloud, border))
    assert cloud.wait_for_decision(border.user_id, reviewed)["status"] == "IN_REVIEW"
    pending = cloud.call("GET", "/v1/ops/reviews", "tour-analyst", ops=True).json()["reviews"]
    assert reviewed in [r["applicationId"] for r in pending]
    r = cloud.call(
        "POST", f"/v1/ops/reviews/{reviewed}", "tour-analyst", {"decision": "approve"}, ops=True
    )
    assert r.status_code == 200, r.text

    waits = applicant("tour-border-2", 14000, "tour-border-2", kind="borderline")
    timed_out = apply(cloud, waits, upload(cloud, waits))
    final = cloud.wait_for_status(waits.user_id, timed_out, {"DECLINED"}, timeout=40)
    assert final["status"] == "DECLINED", final

    r = cloud.call("POST", f"/v1/applications/{good_app}/accept", good.user_id)
    assert r.status_code == 201, r.text
    assert cloud.call("GET", "/v1/credit-line", good.user_id).status_code == 200


def _money(cloud: RemoteCloud) -> None:
    user = "tour-good"
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

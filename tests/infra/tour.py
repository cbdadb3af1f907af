"""A tour of every Lambda function in a local cloud that records their AWS calls.

Each path a function's code can take to AWS is walked at least once: an approval, a decline,
an application sent before OCR had read its photo, one whose fraud screen flags it (a second
account of one person), one whose debts leave no line, a review approved by an analyst and one
left to time out, draws that land and draws the bank refuses (compensated), repayments
collected and refused (each telling the borrower), a payoff, the borrower's inbox, a draw and a
repayment an operator finishes (`POST /v1/ops/stuck/resolve`), the hourly sweep of notifications
the bus refused, the drift job, a failure recorded; then, on the business clock, nights of the
close of business as the schedule starts them (`_close_of_business`: a debit the empty card
refuses, the loan overdue and the line frozen, the cure and the thaw, a review that cuts the
limit, a month's bureau file caught up, a write-off). The rail declines half its
transfers, so both outcomes of a draw and of a repayment are reached by trying again, a
bounded number of times. Each workflow step's first response is lost once
(`--lose-first-responses`), so every step also runs as a Step Functions retry runs it: a
second time with the same input, taking the branch that finds its write already done.

A function added to app.py is refused by `lending package` until infra/permissions.yaml has its
entry, and by tests/infra/test_least_privilege.py until this tour runs it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from chalicelib.amounts import fen_to_yuan, yuan_to_fen
from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.money.notifications import COLLECTION_SUCCEEDED, Notification
from chalicelib.money.schedule import add_months
from chalicelib.notifications.dynamo import DynamoNotificationStore
from demo.personas import STEADY, Applicant, find
from lending_cli.bank import Bank
from localcloud.client import RemoteCloud
from tests.workflow.helpers import apply, codes, upload
from tests.workflow.test_money_workflow import draw, post, table, wait
from tests.workflow.test_origination_workflow import TODAY, applicant

REVIEW_TIMEOUT_SECONDS = 6
TRIES = 12  # P(one outcome never shows in 12 tries at 50%) = 2 x 0.5**12, under 0.05%
DRAW_TRIES = 16  # P(fewer than two of 16 land, or none fails) = 18 x 0.5**16, under 0.03%


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
            lambda: _model_drift(cloud),
            lambda: _missed_notifications(cloud),
        ]
        with ThreadPoolExecutor(max_workers=len(legs)) as pool:
            for done in [pool.submit(leg) for leg in legs]:
                done.result()
        # The nights move the business date: after every other leg.
        _close_of_business(cloud, people["good"].user_id)
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
    missed = Notification(COLLECTION_SUCCEEDED, "tour-missed", TODAY, "rep-tour-missed")
    DynamoNotificationStore(table(cloud)).add(missed, "2026-01-01T00:00:00Z")
    swept = invoke(cloud, "publish_missed_notifications", _scheduled_event())
    assert swept["published"] >= 1, swept


def _money(cloud: RemoteCloud, user: str) -> None:
    """Draws until two land and one is refused (compensated); repayments likewise; one of the
    two loans paid off (its last repayment takes it off the close of business's list)."""
    active: list[str] = []
    failed = 0
    for _ in range(DRAW_TRIES):
        r = draw(cloud, user, "100.00")
        assert r.status_code == 202, r.text
        loan = wait(cloud, user, f"/v1/loans/{r.json()['loanId']}")
        if loan["status"] == "ACTIVE":
            active.append(loan["loanId"])
        failed += loan["status"] == "FAILED"
        if len(active) >= 2 and failed:
            break
    assert len(active) >= 2 and failed, (active, failed)
    loan_id = active[0]
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
    # Notify Borrower runs after the repayment's status is recorded: the inbox fills a moment
    # later.
    deadline = time.monotonic() + 30
    while not cloud.call("GET", "/v1/notifications", user).json()["notifications"]:
        assert time.monotonic() < deadline, "no notification reached the inbox"
        time.sleep(0.2)
    _stuck_resolved(cloud, user, loan_id, repaid["SUCCEEDED"])
    payoff = cloud.call("GET", f"/v1/loans/{active[1]}/payoff-quote", user).json()["payoff"]
    _repay(cloud, user, active[1], yuan_to_fen(payoff))
    assert wait(cloud, user, f"/v1/loans/{active[1]}")["status"] == "CLOSED"


def _repay(cloud: RemoteCloud, user: str, loan_id: str, fen: int) -> None:
    """Pay `fen` in and repay it, again while the sandbox bank declines."""
    Bank.over(table(cloud)).deposit(user, fen)
    for _ in range(TRIES):
        r = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": fen_to_yuan(fen)})
        assert r.status_code == 202, r.text
        rep = wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{r.json()['repaymentId']}")
        if rep["status"] == "SUCCEEDED":
            return
    raise AssertionError(f"no repayment of {fen} fen on {loan_id} got through")


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


def _close_of_business(cloud: RemoteCloud, user: str) -> None:
    """Nights of the close of business, each started as the schedule starts it (Start Close Of
    Business with the schedule's time) on the business clock, over the tour's loans: the night
    before the first due date (its debit finds the card empty), the due date's (overdue, the
    line frozen), a cure paid in (the last repayment reopens the line) and the next night's,
    the night before the next review (late once: the limit cut, the borrower told), the first
    of the month after it (the month's bureau file caught up, none there yet), and one past 180
    days overdue (written off). Record Failure is invoked as the machine's Catch invokes it,
    on a day that closed (its refused write is the same as on a failed one); the 06:00
    deadline's check on a day closed and on one never run."""
    bank = Bank.over(table(cloud))
    loans = cloud.call("GET", "/v1/loans", user).json()["loans"]
    # _money leaves one loan open, or more when the bank took more draws than it needed
    open_ids = [x["loanId"] for x in loans if x["status"] == "ACTIVE"]
    assert open_ids, loans
    due = dt.date.fromisoformat(
        cloud.call("GET", f"/v1/loans/{open_ids[0]}", user).json()["contract"]["firstDueDate"]
    )
    _empty_card(bank, user)
    _close_night(cloud, due - dt.timedelta(days=1))
    _close_night(cloud, due)
    for loan_id in open_ids:  # all drawn on one day: all due, all overdue
        view = cloud.call("GET", f"/v1/loans/{loan_id}", user).json()
        assert view["status"] == "OVERDUE", view
        # What is due, and a yuan more: interest ran on since the due date, and the rest goes
        # to principal (the loan stays open for the nights below).
        penalty = yuan_to_fen(view["outstanding"]["penalty"])
        _repay(cloud, user, loan_id, penalty + yuan_to_fen(view["schedule"][0]["total"]) + 100)
    line = cloud.call("GET", "/v1/credit-line", user).json()
    assert line["status"] == "ACTIVE", line  # reopened by the repayment that cured the last
    _close_night(cloud, due + dt.timedelta(days=1))
    review = dt.date.fromisoformat(
        cloud.call("GET", "/v1/credit-line", user).json()["nextReviewDate"]
    )
    assert review > due + dt.timedelta(days=1), review
    _close_night(cloud, review - dt.timedelta(days=1))
    kinds = {
        n["kind"]
        for n in cloud.call("GET", "/v1/notifications?limit=100", user).json()["notifications"]
    }
    assert "LIMIT_CHANGED" in kinds, kinds
    first = add_months(review, 1).replace(day=1)
    month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    _close_night(cloud, first)  # its month's end was never closed: the file is caught up
    cloud.boto3("s3").head_object(
        Bucket=cloud.info["physical"]["DocumentsBucket"], Key=f"reports/bureau/{month}.csv"
    )
    _empty_card(bank, user)
    last = first + dt.timedelta(days=200)
    _close_night(cloud, last)
    for loan_id in open_ids:
        assert cloud.call("GET", f"/v1/loans/{loan_id}", user).json()["status"] == "WRITTEN_OFF"
    invoke(
        cloud,
        "record_close_of_business_failure",
        {"businessDate": first.isoformat(), "error": {"Error": "Tour", "Cause": "the tour"}},
    )
    # The 06:00 deadline's check, as its schedule calls it: the morning after the last night
    # (closed), and the morning after a night that never ran (late: the alarm's line).
    for night, late in ((last, False), (last + dt.timedelta(days=1), True)):
        six = dt.datetime.combine(night, dt.time(22, 0), tzinfo=dt.UTC)  # 06:00 +08:00
        checked = invoke(cloud, "check_close_of_business", {"scheduledTime": six.isoformat()})
        assert checked["late"] is late, checked


def _empty_card(bank: Bank, user: str) -> None:
    if (balance := bank.balance(user)) > 0:
        bank.withdraw(user, balance)


def _close_night(cloud: RemoteCloud, day: dt.date) -> None:
    """Close `day` as on AWS: the business date moves on first, the schedule fires at 00:30 in
    Asia/Shanghai the next day, the execution named by the day runs; then the morning's debits."""
    DynamoBusinessClock(table(cloud)).set(day + dt.timedelta(days=1))
    fired = dt.datetime.combine(day, dt.time(16, 30), tzinfo=dt.UTC)  # 00:30 +08:00, next day
    started = invoke(cloud, "start_close_of_business", {"scheduledTime": fired.isoformat()})
    assert started["businessDate"] == day.isoformat(), started
    sfn = cloud.boto3("stepfunctions")
    deadline = time.monotonic() + 180
    while (ran := sfn.describe_execution(executionArn=started["executionArn"]))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, f"the close of {day} did not finish"
        time.sleep(0.2)
    assert ran["status"] == "SUCCEEDED", ran
    repayments = cloud.info["physical"]["RepaymentStateMachine"]
    while sfn.list_executions(stateMachineArn=repayments, statusFilter="RUNNING")["executions"]:
        assert time.monotonic() < deadline, f"the debits of {day + dt.timedelta(days=1)} ran on"
        time.sleep(0.2)

"""statemachines/disbursement.asl.json and repayment.asl.json, executing for real in a local
cloud: money lands once, repayments restore the line, a refused payout is compensated, and
concurrent draws never lend more than the line."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
import requests

from chalicelib.books.dynamo import check_ledger
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.rail.dynamo import DynamoRailBook
from localcloud.client import RemoteCloud

pytestmark = pytest.mark.slow


def table(cloud: RemoteCloud) -> Any:
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return ddb.Table(cloud.info["physical"]["LendingTable"])


def open_line(cloud: RemoteCloud, user: str, limit_fen: int, apr: str = "0.1080") -> None:
    # Origination and acceptance are covered by tests/api and the origination workflow tests;
    # here the money workflows start from an open line.
    DynamoCreditLines(table(cloud)).open_line(user, limit_fen, Decimal(apr), "B", f"app-{user}")


def post(cloud: RemoteCloud, path: str, user: str, body: dict[str, Any]) -> Any:
    # A phone retries a dropped connection with the same Idempotency-Key, so a request that
    # did reach the server is not repeated (the local API's listen backlog is small).
    # A 409 means the first attempt is still being served: ask again for its answer.
    key = uuid.uuid4().hex
    for attempt in range(8):
        try:
            r = cloud.call("POST", path, user, body, headers={"Idempotency-Key": key})
            if r.status_code != 409 or "in progress" not in r.text:
                return r
        except requests.ConnectionError:
            pass
        time.sleep(0.2 * (attempt + 1))
    return cloud.call("POST", path, user, body, headers={"Idempotency-Key": key})


def draw(cloud: RemoteCloud, user: str, amount: str) -> Any:
    return post(
        cloud, "/v1/loans", user, {"amount": amount, "termMonths": 6, "method": "equal-installment"}
    )


def wait(cloud: RemoteCloud, user: str, path: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = cloud.call("GET", path, user).json()
        if body.get("status") != "PENDING" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def states_entered(cloud: RemoteCloud, machine: str, name: str) -> list[str]:
    """The states the execution went through, once it has ended (the request's status is
    recorded a step or two before the end: Notify Borrower follows Restore Line)."""
    sfn = cloud.boto3("stepfunctions")
    arn = cloud.info["physical"][machine].replace(":stateMachine:", ":execution:") + ":" + name
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{name} still running"
        time.sleep(0.05)
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def line(cloud: RemoteCloud, user: str) -> dict[str, Any]:
    return cloud.call("GET", "/v1/credit-line", user).json()


def test_a_draw_lands_once_and_an_early_repayment_restores_the_line(cloud: RemoteCloud) -> None:
    user = "wf-money-1"
    open_line(cloud, user, 1_000_000)
    # WHEN ¥3,000 is drawn
    r = draw(cloud, user, "3000.00")
    assert r.status_code == 202, r.text
    loan_id = r.json()["loanId"]
    loan = wait(cloud, user, f"/v1/loans/{loan_id}")
    # THEN it is ACTIVE, the bank paid it once, the line is drawn
    assert loan["status"] == "ACTIVE", loan
    assert states_entered(cloud, "DisbursementStateMachine", loan_id) == [
        "Start Draw",
        "Reserve Line",
        "Create Contract",
        "Pay Out",
        "Post Ledger",
        "Loan Active",
    ]
    paid = DynamoRailBook(table(cloud)).get(f"payout:{loan_id}")
    assert paid is not None and (paid.status, paid.amount_fen) == ("settled", 300_000)
    assert line(cloud, user)["available"] == "7000.00"
    # WHEN ¥1,000 is repaid early, the same day
    quote = cloud.call("GET", f"/v1/loans/{loan_id}/payoff-quote", user).json()
    rep = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": "1000.00"})
    assert rep.status_code == 202, rep.text
    rep_id = rep.json()["repaymentId"]
    done = wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rep_id}")
    # THEN interest runs only to that day (the draw day: none), all of it is principal,
    # and the line gets it back
    assert done["status"] == "SUCCEEDED", done
    assert quote["interest"] == "0.00" and done["date"] == quote["date"]
    assert done["allocation"] == {"principal": "1000.00", "interest": "0.00", "penalty": "0.00"}
    assert states_entered(cloud, "RepaymentStateMachine", rep_id) == [
        "Quote Repayment",
        "Collect Repayment",
        "Post Repayment",
        "Restore Line",
        "Notify Borrower",
    ]  # five transitions: each is paid for on every auto-debit
    assert line(cloud, user)["available"] == "8000.00"
    # An overpayment is refused up front and starts nothing
    over = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": "2000.01"})
    assert over.status_code == 422 and over.json()["field"] == "amount"
    # Paying off the rest closes the loan and gives the whole line back
    rest = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": "2000.00"})
    assert (
        wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rest.json()['repaymentId']}")["status"]
        == "SUCCEEDED"
    )
    assert cloud.call("GET", f"/v1/loans/{loan_id}", user).json()["status"] == "CLOSED"
    assert line(cloud, user)["available"] == "10000.00"
    assert check_ledger(table(cloud)).ok


def test_fifty_concurrent_draws_never_exceed_the_line(cloud: RemoteCloud) -> None:
    user, limit_fen, each = "wf-money-race", 1_000_000, "500.00"  # room for 20 of 50
    open_line(cloud, user, limit_fen)
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: draw(cloud, user, each), range(50)))
    started = [a.json()["loanId"] for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert all(a.status_code == 422 and a.json()["field"] == "amount" for a in refused), [
        (a.status_code, a.text) for a in refused
    ]
    final = [wait(cloud, user, f"/v1/loans/{lid}", timeout=60) for lid in started]
    active = [f for f in final if f["status"] == "ACTIVE"]
    assert all(f["status"] in {"ACTIVE", "FAILED"} for f in final), {f["status"] for f in final}
    lent = sum(Decimal(f["amount"]) for f in active) * 100
    assert lent <= limit_fen
    assert len(active) == 20, [(f["status"], f["failure"]) for f in final]  # the line fills exactly
    assert all(
        f["failure"]["code"] == "DRAW_EXCEEDS_LINE" for f in final if f["status"] == "FAILED"
    )
    assert line(cloud, user)["available"] == "0.00"
    # The bank's book covers any loan, seen by the test or not: it paid exactly what is ACTIVE.
    bank = sum(
        r.amount_fen
        for r in DynamoRailBook(table(cloud)).all()
        if r.kind == "payout" and r.status == "settled" and r.account_ref == f"card-{user}"
    )
    assert bank == lent
    assert check_ledger(table(cloud)).ok


def test_parallel_payoffs_are_collected_once(cloud: RemoteCloud) -> None:
    # GIVEN an active loan and its payoff for today
    user = "wf-money-payoff-race"
    open_line(cloud, user, 2_000_000)
    loan_id = draw(cloud, user, "12345.67").json()["loanId"]
    assert wait(cloud, user, f"/v1/loans/{loan_id}")["status"] == "ACTIVE"
    payoff = cloud.call("GET", f"/v1/loans/{loan_id}/payoff-quote", user).json()["payoff"]
    # WHEN eight payoffs arrive at once, each with its own Idempotency-Key (before the fix, four
    # let two or three through now and then; eight do most runs)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda _: post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": payoff}),
                range(8),
            )
        )
    # THEN one is admitted; the others are refused up front, naming the amount (or, for one the
    # machine's scheduler held back until the admitted payoff had closed the loan, its status)
    refusals = [a for a in answers if a.status_code != 202]
    assert len(refusals) == 7, [a.text for a in answers]
    for a in refusals:
        closed = a.status_code == 409 and a.json()["detail"].endswith("is CLOSED")
        assert (a.status_code == 422 and a.json()["field"] == "amount") or closed, a.text
    rep_id = next(a.json()["repaymentId"] for a in answers if a.status_code == 202)
    assert wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rep_id}")["status"] == "SUCCEEDED"
    # the bank collected the payoff once, the loan closed, nothing sits in suspense
    collected = [
        r
        for r in DynamoRailBook(table(cloud)).all()
        if r.kind == "collect" and r.account_ref == f"card-{user}"
    ]
    assert [(r.status, r.amount_fen) for r in collected] == [
        ("settled", int(Decimal(payoff) * 100))
    ]
    loan = DynamoLoans(table(cloud)).get(loan_id)
    assert loan.status == "CLOSED" and loan.reservations == ()
    report = check_ledger(table(cloud))
    assert report.ok and report.balances.get(f"overpayment_suspense:{user}", 0) == 0
    assert line(cloud, user)["available"] == "20000.00"


@pytest.fixture(scope="module")
def declining_cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(extra_env={"RAIL_SANDBOX_DECLINE_RATE": "1"})
    yield c
    c.stop()


def test_a_refused_payout_voids_the_contract_and_releases_the_line(
    declining_cloud: RemoteCloud,
) -> None:
    cloud, user = declining_cloud, "wf-money-declined"
    open_line(cloud, user, 500_000)
    loan_id = draw(cloud, user, "2000.00").json()["loanId"]
    loan = wait(cloud, user, f"/v1/loans/{loan_id}")
    assert loan["status"] == "FAILED" and loan["failure"]["code"] == "PAYOUT_DECLINED", loan
    assert states_entered(cloud, "DisbursementStateMachine", loan_id) == [
        "Start Draw",
        "Reserve Line",
        "Create Contract",
        "Pay Out",
        "Void Contract",
        "Release Line",
        "Record Failure",
        "Draw Failed",
    ]
    assert DynamoLoans(table(cloud)).get(loan_id).status == "VOID"
    assert line(cloud, user)["available"] == "5000.00"
    assert DynamoRailBook(table(cloud)).get(f"payout:{loan_id}").status == "declined"
    assert check_ledger(table(cloud)).ok


@pytest.fixture(scope="module")
def flaky_bank_cloud() -> Iterator[RemoteCloud]:
    # 40% of transfers time out (half before the bank got them, half after it moved the
    # money), 10% answer 503: the rail's worst honest behaviour.
    c = RemoteCloud.spawn(
        extra_env={
            "RAIL_SANDBOX_TIMEOUT_RATE": "0.4",
            "RAIL_SANDBOX_ERROR_RATE": "0.1",
            "RAIL_SANDBOX_SEED": "7",
        }
    )
    yield c
    c.stop()


def test_a_flaky_bank_moves_money_exactly_once(flaky_bank_cloud: RemoteCloud) -> None:
    cloud, user = flaky_bank_cloud, "wf-money-flaky"
    open_line(cloud, user, 1_000_000)
    with ThreadPoolExecutor(max_workers=8) as pool:
        loan_ids = [
            r.json()["loanId"] for r in pool.map(lambda _: draw(cloud, user, "1000.00"), range(8))
        ]
    loans = [wait(cloud, user, f"/v1/loans/{lid}") for lid in loan_ids]
    assert all(x["status"] in {"ACTIVE", "FAILED"} for x in loans), [x["status"] for x in loans]
    active = [x["loanId"] for x in loans if x["status"] == "ACTIVE"]
    assert active, "with bounded retries most draws land"
    retried = [
        lid
        for lid in loan_ids
        if states_entered(cloud, "DisbursementStateMachine", lid).count("Pay Out") == 1
        and _failed_attempts(cloud, lid) > 0
    ]
    assert retried, "some payout needed a retry (else the faults did not fire)"

    # Repay every active loan in full, concurrently, through the same flaky bank
    def repay(lid: str) -> dict[str, Any]:
        payoff = cloud.call("GET", f"/v1/loans/{lid}/payoff-quote", user).json()["payoff"]
        r = post(cloud, f"/v1/loans/{lid}/repayments", user, {"amount": payoff})
        assert r.status_code == 202, (payoff, r.text)
        rid = r.json()["repaymentId"]
        return wait(cloud, user, f"/v1/loans/{lid}/repayments/{rid}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        repaid = list(pool.map(repay, active))
    assert all(r["status"] in {"SUCCEEDED", "FAILED"} for r in repaid), repaid
    # THEN the bank's book and ours agree to the fen: each loan paid out once, each collection
    # booked once, and the line holds exactly what is still lent
    bank = DynamoRailBook(table(cloud)).all()
    paid_out = {
        r.key.removeprefix("payout:"): r.amount_fen
        for r in bank
        if r.kind == "payout" and r.status == "settled"
    }
    assert set(paid_out) == set(active) and all(v == 100_000 for v in paid_out.values())
    collected = sum(r.amount_fen for r in bank if r.kind == "collect" and r.status == "settled")
    booked = sum(Decimal(r["amount"]) * 100 for r in repaid if r["status"] == "SUCCEEDED")
    assert collected == booked
    still_lent = sum(
        100_000 for lid, r in zip(active, repaid, strict=True) if r["status"] != "SUCCEEDED"
    )
    assert Decimal(line(cloud, user)["drawn"]) * 100 == still_lent
    assert check_ledger(table(cloud)).ok


def _failed_attempts(cloud: RemoteCloud, loan_id: str) -> int:
    sfn = cloud.boto3("stepfunctions")
    arn = (
        cloud.info["physical"]["DisbursementStateMachine"].replace(":stateMachine:", ":execution:")
        + ":"
        + loan_id
    )
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return sum(
        1
        for e in events
        if e["type"] == "LambdaFunctionFailed"
        and e["lambdaFunctionFailedEventDetails"]["error"] == "PayoutOutcomeUnknown"
    )

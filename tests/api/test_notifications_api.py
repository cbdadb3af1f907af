"""GET /v1/notifications over in-memory stores, and the repayment workflow telling the borrower
(the real ASL on moto's engine in this process): newest first, paged, 4xx for bad paging,
each notification stored once and put on the bus once."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.api.models import NotificationList
from chalicelib.money.notifications import (
    DUE_IN_3_DAYS,
    DUE_TODAY,
    OVERDUE_DAY_1,
    Notification,
    line_change_notifications,
    repayment_notifications,
)
from chalicelib.rail.sandbox import Faults
from tests.api.conftest import auth

DAY = date(2026, 4, 2)
LOAN = "loan_" + "2" * 26


def inbox(client: Client, c: wiring.Container, query: str = "", user: str = "user-1") -> Any:
    r = client.http.get(f"/v1/notifications{query}", headers=auth(c, user))
    if r.status_code == 200:
        NotificationList.model_validate(r.json_body)  # the shape the document promises
    return r


def test_an_empty_inbox(client: Client, container: wiring.Container) -> None:
    r = inbox(client, container)
    assert r.status_code == 200 and r.json_body == {"notifications": [], "nextCursor": None}


def test_the_inbox_shows_each_kind_in_yuan_and_percent_newest_first(
    client: Client, container: wiring.Container
) -> None:
    before = date(2026, 3, 30)
    due = {"dueDate": "2026-04-02", "amountFen": 106_716}
    late = {"daysPastDue": 1, "dueFen": 106_716, "penaltyFen": 27}
    container.notifications.notify(
        [
            Notification(DUE_IN_3_DAYS, "user-1", before, LOAN, due),
            Notification(DUE_TODAY, "user-1", DAY, LOAN, due),
            *repayment_notifications("user-1", LOAN, "rep_1", DAY, 106_716, 0, date(2026, 4, 3)),
            Notification(OVERDUE_DAY_1, "user-1", date(2026, 4, 3), LOAN, late),
            *line_change_notifications(
                "user-1", "review-user-1-20260404", date(2026, 4, 4),
                500_000, 800_000, Decimal("0.18"), Decimal("0.1440"), ("ON_TIME",),
            ),
            Notification(DUE_TODAY, "user-2", DAY, "loan_other", {**due, "amountFen": 1}),
        ]
    )  # fmt: skip
    got = inbox(client, container).json_body["notifications"]
    assert [(n["kind"], n["date"]) for n in got] == [
        ("LIMIT_CHANGED", "2026-04-04"),
        ("APR_CHANGED", "2026-04-04"),
        ("OVERDUE_DAY_1", "2026-04-03"),
        ("COLLECTION_FAILED", "2026-04-02"),
        ("DUE_TODAY", "2026-04-02"),
        ("DUE_IN_3_DAYS", "2026-03-30"),
    ]
    limit, apr, overdue, failed, today, soon = got
    assert soon["amount"] == "1067.16" and soon["dueDate"] == "2026-04-02"
    assert soon["loanId"] == LOAN and soon["title"] == "Installment Due Soon"
    assert soon["text"] == "¥1,067.16 is due on 2026-04-02."
    assert today["notificationId"] == f"DUE_TODAY:{LOAN}:2026-04-02"
    assert (failed["repaymentId"], failed["loanId"]) == ("rep_1", LOAN)
    assert (failed["collected"], failed["short"], failed["nextAttempt"]) == (
        "0.00",
        "1067.16",
        "2026-04-03",
    )
    assert (overdue["daysPastDue"], overdue["due"], overdue["penalty"]) == (1, "1067.16", "0.27")
    assert (limit["creditLimitBefore"], limit["creditLimit"], limit["reasons"]) == (
        "5000.00",
        "8000.00",
        ["ON_TIME"],
    )
    assert (apr["aprBefore"], apr["apr"]) == ("18.00", "14.40")
    assert "user-2" not in json.dumps(got)


def test_pages_follow_the_cursor_to_the_end(client: Client, container: wiring.Container) -> None:
    container.notifications.notify(
        n for i in range(5) for n in repayment_notifications("user-1", LOAN, f"rep_{i}", DAY, 1, 1)
    )
    seen, query = [], "?limit=2"
    for _ in range(5):
        body = inbox(client, container, query).json_body
        seen += [n["repaymentId"] for n in body["notifications"]]
        if body["nextCursor"] is None:
            break
        query = f"?limit=2&cursor={body['nextCursor']}"
    assert seen == ["rep_4", "rep_3", "rep_2", "rep_1", "rep_0"]
    # another user's cursor is only a position: it shows nothing of theirs
    mine = inbox(client, container, "?limit=1").json_body["nextCursor"]
    assert (
        inbox(client, container, f"?cursor={mine}", user="user-2").json_body["notifications"] == []
    )


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "%202", "1e1", "٣", ""])
def test_a_bad_limit_is_400_naming_it(
    client: Client, container: wiring.Container, limit: str
) -> None:
    r = inbox(client, container, f"?limit={limit}")
    assert r.status_code == 400 and r.json_body["field"] == "limit", r.json_body
    assert r.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("cursor", ["nope!", "bm90IGEgY3Vyc29y", "x" * 700, ""])
def test_a_bad_cursor_is_400_naming_it(
    client: Client, container: wiring.Container, cursor: str
) -> None:
    r = inbox(client, container, f"?cursor={cursor}")
    assert r.status_code == 400 and r.json_body["field"] == "cursor", r.json_body


def test_the_inbox_needs_a_token(client: Client, container: wiring.Container) -> None:
    assert client.http.get("/v1/notifications").status_code == 401


# --- the repayment workflow tells the borrower -------------------------------------------------


def _states(c: wiring.Container, name: str) -> list[str]:
    e = c.engine  # type: ignore[attr-defined]
    (x,) = [x for x in e.executions() if x["name"] == name]
    return [
        h["stateEnteredEventDetails"]["name"]
        for h in e.history(x["executionArn"])
        if "stateEnteredEventDetails" in h
    ]


def _repay(client: Client, c: wiring.Container, loan_id: str, amount: str, key: str) -> str:
    r = client.http.post(
        f"/v1/loans/{loan_id}/repayments",
        headers=auth(c, **{"Idempotency-Key": key}),
        body=json.dumps({"amount": amount}),
    )
    assert r.status_code == 202, r.json_body
    return str(r.json_body["repaymentId"])


def _active_loan(client: Client, c: wiring.Container) -> str:
    c.credit_lines.open_line("user-1", 2_000_000, Decimal("0.1080"), "B", "app-user-1")
    r = client.http.post(
        "/v1/loans",
        headers=auth(c, **{"Idempotency-Key": "draw-notify-01"}),
        body=json.dumps({"amount": "6000.00", "termMonths": 6, "method": "equal-installment"}),
    )
    assert r.status_code == 202, r.json_body
    c.engine.settle()  # type: ignore[attr-defined]
    return str(r.json_body["loanId"])


def test_a_repayment_collected_is_in_the_inbox_and_on_the_bus_once(
    client: Client, container_on_the_engine: wiring.Container
) -> None:
    c = container_on_the_engine
    loan_id = _active_loan(client, c)
    rep_id = _repay(client, c, loan_id, "1000.00", "repay-notify-1")
    c.engine.settle()  # type: ignore[attr-defined]
    assert _states(c, rep_id)[-2:] == ["Restore Line", "Notify Borrower"]
    (n,) = inbox(client, c).json_body["notifications"]
    assert (n["kind"], n["repaymentId"], n["loanId"], n["collected"]) == (
        "COLLECTED",
        rep_id,
        loan_id,
        "1000.00",
    )
    (event,) = c.event_publisher.entries  # type: ignore[attr-defined]
    assert (
        event["DetailType"] == "Collection Succeeded" and event["Source"] == "weili.notifications"
    )
    assert json.loads(event["Detail"])["key"] == n["notificationId"]


def test_a_repayment_hands_on_only_ids_whatever_its_starter_sent(
    client: Client, container_on_the_engine: wiring.Container
) -> None:
    """The repayment workflow has no Pass state to strip its input (a transition paid on every
    auto-debit): Quote Repayment sees the ids only and hands on the ids and its quote."""
    c = container_on_the_engine
    loan_id = _active_loan(client, c)
    start = c.borrowing.workflows.start

    def start_with_a_name(arn: str, name: str, payload: dict[str, Any]) -> str:
        return start(arn, name, {**payload, "fullName": "Zhang San"})

    c.borrowing.workflows.start = start_with_a_name  # type: ignore[method-assign]
    rep_id = _repay(client, c, loan_id, "1000.00", "repay-notify-ids")
    c.engine.settle()  # type: ignore[attr-defined]
    e = c.engine  # type: ignore[attr-defined]
    (x,) = [x for x in e.executions() if x["name"] == rep_id]
    history = e.history(x["executionArn"])
    # the execution's input, and so its first state's, is what was sent (as with a Pass first);
    # from the Lambda's input on, nothing carries it
    carrying = [h["type"] for h in history if "Zhang San" in json.dumps(h, default=str)]
    assert carrying == ["ExecutionStarted", "TaskStateEntered"]
    (quoted,) = [
        json.loads(h["stateExitedEventDetails"]["output"])
        for h in history
        if h.get("stateExitedEventDetails", {}).get("name") == "Quote Repayment"
    ]
    assert set(quoted) == {"loanId", "repaymentId", "quote"}
    assert (quoted["loanId"], quoted["repaymentId"]) == (loan_id, rep_id)
    assert _states(c, rep_id) == [
        "Quote Repayment",
        "Collect Repayment",
        "Post Repayment",
        "Restore Line",
        "Notify Borrower",
    ]


def test_a_declined_collection_tells_the_borrower_and_the_repayment_stays_failed(
    client: Client, container_on_the_engine: wiring.Container
) -> None:
    c = container_on_the_engine
    loan_id = _active_loan(client, c)
    c.rail.faults = Faults(decline=1.0)  # type: ignore[attr-defined]
    rep_id = _repay(client, c, loan_id, "500.00", "repay-notify-2")
    c.engine.settle()  # type: ignore[attr-defined]
    assert _states(c, rep_id)[-3:] == [
        "Record Failure",
        "Notify Borrower of Failure",
        "Repayment Failed",
    ]
    (n,) = inbox(client, c).json_body["notifications"]
    assert (n["kind"], n["collected"], n["short"]) == ("COLLECTION_FAILED", "0.00", "500.00")
    assert n["text"] == "We could not collect ¥500.00."


@pytest.mark.slow  # the ASL's two retries wait 1 s and 2 s
def test_a_bus_that_stays_down_never_fails_the_repayment_and_the_sweep_sends_it_later(
    client: Client, container_on_the_engine: wiring.Container
) -> None:
    c = container_on_the_engine
    loan_id = _active_loan(client, c)
    bus = c.event_publisher
    bus.refuse = 100  # type: ignore[attr-defined]
    rep_id = _repay(client, c, loan_id, "1000.00", "repay-notify-3")
    c.engine.settle(timeout=60)  # type: ignore[attr-defined]
    r = client.http.get(f"/v1/loans/{loan_id}/repayments/{rep_id}", headers=auth(c))
    assert r.json_body["status"] == "SUCCEEDED"
    assert _states(c, rep_id)[-2:] == ["Notify Borrower", "Repaid"]
    assert len(inbox(client, c).json_body["notifications"]) == 1  # in the inbox already
    assert bus.entries == []  # type: ignore[attr-defined]
    bus.refuse = 0  # type: ignore[attr-defined]
    hourly = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    swept = client.lambda_.invoke("publish_missed_notifications", hourly)
    assert swept.payload == {"published": 1, "unpublished": 0}
    swept = client.lambda_.invoke("publish_missed_notifications", hourly)
    assert swept.payload == {"published": 0, "unpublished": 0}
    assert len(bus.entries) == 1  # type: ignore[attr-defined]

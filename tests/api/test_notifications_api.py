"""GET /v1/notifications over in-memory stores: newest first, paged, 4xx for bad paging."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from tests.api.conftest import Clock, auth, fakes

DAY = date(2026, 4, 2)
LOAN = "loan_" + "2" * 26


@pytest.fixture
def container(clock: Clock) -> Iterator[wiring.Container]:
    c = fakes(clock)
    wiring.use(c)
    yield c
    wiring.use(None)


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
    container.notifications.notify(
        [
            Notification(DUE_IN_3_DAYS, "user-1", before, LOAN, {"dueDate": "2026-04-02", "amountFen": 106_716}),
            Notification(DUE_TODAY, "user-1", DAY, LOAN, {"dueDate": "2026-04-02", "amountFen": 106_716}),
            *repayment_notifications("user-1", LOAN, "rep_1", DAY, 106_716, 0, date(2026, 4, 3)),
            Notification(OVERDUE_DAY_1, "user-1", date(2026, 4, 3), LOAN, {"daysPastDue": 1, "dueFen": 106_716, "penaltyFen": 27}),
            *line_change_notifications("user-1", "review-user-1-20260404", date(2026, 4, 4), 500_000, 800_000, Decimal("0.18"), Decimal("0.1440"), ("ON_TIME",)),
            Notification(DUE_TODAY, "user-2", DAY, "loan_other", {"dueDate": "2026-04-02", "amountFen": 1}),
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

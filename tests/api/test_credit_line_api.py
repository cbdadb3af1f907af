"""GET /v1/credit-line over in-memory stores: the status, the APR for new draws (APR and daily
rate), the next review date and the line's history with reasons, newest first and paged; a
line the close of business froze refuses draws (409 LINE_FROZEN, naming why)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.api.models import CreditLineDetail
from chalicelib.applications.port import Offer, Status
from chalicelib.lines.review import LineReview, review_id
from chalicelib.loans.port import LoanRecord
from chalicelib.money.delinquency import due_fen
from chalicelib.money.schedule import ACTUAL_360, build_schedule
from chalicelib.money.servicing import book_payment, position
from chalicelib.reasons import Reason
from tests.api.conftest import Clock, auth
from tests.applications.test_contract import make_app

OPENED = date(2026, 1, 31)
AT = "2026-03-01T16:00:00.000Z"


def line_of(client: Client, c: wiring.Container, query: str = "", user: str = "user-1") -> Any:
    r = client.http.get(f"/v1/credit-line{query}", headers=auth(c, user))
    if r.status_code == 200:
        CreditLineDetail.model_validate(r.json_body)  # the shape the document promises
    return r


def open_line(c: wiring.Container, limit_fen: int = 2_000_000, apr: str = "0.1440") -> None:
    c.credit_lines.open_line("user-1", limit_fen, Decimal(apr), "C", "app-user-1", OPENED)


def review(c: wiring.Container, on: date, limit_fen: int, apr: str, grade: str) -> LineReview:
    line = c.credit_lines.get_line("user-1")
    r = LineReview(
        review_id("user-1", on),
        "user-1",
        on,
        line.limit_fen,
        limit_fen,
        line.apr,
        Decimal(apr),
        line.grade,
        grade,
        (
            Reason("LIMIT_UP_ON_TIME", "All 6 installments were paid on time."),
            Reason("APR_DOWN_REGRADE", "Your rate for new draws is lowered (grade B)."),
        ),
    )
    assert c.credit_lines.apply_review("user-1", r, AT)
    return r


def test_no_line_is_404(client: Client, container: wiring.Container) -> None:
    r = line_of(client, container)
    assert r.status_code == 404 and "accept an offer" in r.json_body["detail"]


def test_an_accepted_offer_opens_the_line_on_the_business_date_with_its_first_review(
    client: Client, container: wiring.Container
) -> None:
    app, pii = make_app(user="user-1")
    container.applications.create(app, pii)
    offer = Offer("B", "0.1080", "0.0003", 500_000, "2099-01-01T00:00:00.000Z")
    container.applications.move(app.application_id, Status.APPROVED, AT, offer=offer)
    container.origination.today = lambda: date(2026, 3, 31)
    r = client.http.post(
        f"/v1/applications/{app.application_id}/accept", headers=auth(container, "user-1")
    )
    assert r.status_code == 201, r.body
    assert r.json_body["nextReviewDate"] == "2026-04-30" and r.json_body["status"] == "ACTIVE"
    body = line_of(client, container).json_body
    assert [h["kind"] for h in body["history"]] == ["OPENED"]
    assert body["history"][0]["date"] == "2026-03-31"


def test_the_line_shows_status_terms_next_review_and_history(
    client: Client, container: wiring.Container
) -> None:
    open_line(container)
    body = line_of(client, container).json_body
    assert body["status"] == "ACTIVE" and body["statusReason"] is None
    assert (body["creditLimit"], body["available"], body["drawn"]) == (
        "20000.00",
        "20000.00",
        "0.00",
    )
    assert (body["apr"], body["dailyRate"]) == ("14.40", "0.0400")
    assert body["nextReviewDate"] == "2026-02-28" and body["lastReviewedOn"] is None
    assert body["nextCursor"] is None
    (opened,) = body["history"]
    assert opened["kind"] == "OPENED" and opened["reasons"][0]["code"] == "LINE_OPENED"

    review(container, date(2026, 2, 28), 2_300_000, "0.1080", "B")
    body = line_of(client, container).json_body
    assert (body["creditLimit"], body["apr"], body["dailyRate"], body["grade"]) == (
        "23000.00",
        "10.80",
        "0.0300",
        "B",
    )
    assert body["nextReviewDate"] == "2026-03-31" and body["lastReviewedOn"] == "2026-02-28"
    latest = body["history"][0]
    assert latest == {
        "changeId": "review-user-1-20260228",
        "kind": "REVIEW",
        "at": AT,
        "date": "2026-02-28",
        "statusBefore": "ACTIVE",
        "status": "ACTIVE",
        "creditLimitBefore": "20000.00",
        "creditLimit": "23000.00",
        "aprBefore": "14.40",
        "apr": "10.80",
        "dailyRate": "0.0300",
        "gradeBefore": "C",
        "grade": "B",
        "reasons": [
            {"code": "LIMIT_UP_ON_TIME", "text": "All 6 installments were paid on time."},
            {"code": "APR_DOWN_REGRADE", "text": "Your rate for new draws is lowered (grade B)."},
        ],
        "nextReviewDate": "2026-03-31",
    }


def test_the_history_is_paged_newest_first(client: Client, container: wiring.Container) -> None:
    open_line(container)
    lines = container.credit_lines
    lines.set_status("user-1", "FROZEN", "Loan L1 is 1 days past due.", AT, "line-FROZEN-1")
    lines.set_status("user-1", "ACTIVE", "Nothing is overdue.", AT, "line-ACTIVE-2")
    first = line_of(client, container, "?limit=2").json_body
    assert [(h["kind"], h["status"]) for h in first["history"]] == [
        ("STATUS", "ACTIVE"),
        ("STATUS", "FROZEN"),
    ]
    assert first["history"][1]["reasons"] == [
        {"code": "LINE_FROZEN", "text": "Loan L1 is 1 days past due."}
    ]
    rest = line_of(client, container, f"?limit=2&cursor={first['nextCursor']}").json_body
    assert [h["kind"] for h in rest["history"]] == ["OPENED"] and rest["nextCursor"] is None


@pytest.mark.parametrize(
    "query,field", [("?limit=0", "limit"), ("?limit=x", "limit"), ("?cursor=%25%25", "cursor")]
)
def test_bad_paging_is_400_naming_the_parameter(
    client: Client, container: wiring.Container, query: str, field: str
) -> None:
    open_line(container)
    r = line_of(client, container, query)
    assert r.status_code == 400 and r.json_body["field"] == field, r.body


def _overdue_loan(c: wiring.Container, clock: Clock) -> str:
    """A loan drawn on the line whose first installment was missed."""
    s = build_schedule(300_000, Decimal("0.1440"), 6, clock.today, day_count=ACTUAL_360)
    c.credit_lines.reserve("user-1", "L1", 300_000)
    c.loans.create(LoanRecord.from_schedule("L1", "user-1", s, "card-user-1", AT))
    c.loans.disburse("L1", AT)
    return s.due_dates[0].isoformat()


def draw(client: Client, c: wiring.Container, key: str) -> Any:
    body = json.dumps({"amount": "100.00", "termMonths": 3, "method": "equal-principal"})
    return client.http.post(
        "/v1/loans", headers=auth(c, "user-1", **{"Idempotency-Key": key}), body=body
    )


def test_a_line_frozen_by_the_close_refuses_draws_naming_why_until_a_close_thaws_it(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    open_line(container)
    due = date.fromisoformat(_overdue_loan(container, clock))
    day = date.fromordinal(due.toordinal() + 1)
    out = container.line_servicing.close_line("user-1", day, AT)
    assert out.frozen
    body = line_of(client, container).json_body
    assert body["status"] == "FROZEN" and "Loan L1 is 1 days past due" in body["statusReason"]
    clock.today = day
    r = draw(client, container, "draw-frozen-0001")
    assert r.status_code == 409 and r.json_body["code"] == "LINE_FROZEN", r.body
    assert "Loan L1" in r.json_body["detail"]
    # Arrears booked other than by the repayment workflow (whose Restore Line reopens the line
    # at once) leave it frozen until a close sees them: the stored status decides, and says
    # when it reopens.
    loan = container.loans.get("L1")
    _, pay = book_payment(loan.servicing(), "cure", day, due_fen(position(loan.servicing(), day)))
    container.loans.post_repayment("L1", pay, loan.version, AT)
    r = draw(client, container, "draw-frozen-0002")
    assert r.status_code == 409 and "that night's close of business" in r.json_body["detail"]
    assert container.line_servicing.close_line("user-1", day, AT).thawed
    assert line_of(client, container).json_body["status"] == "ACTIVE"
    assert draw(client, container, "draw-thawed-0001").status_code == 202

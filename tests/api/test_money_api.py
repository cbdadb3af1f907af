"""Draws and repayments through the API (chalice's test client) over in-memory stores, with the
disbursement and repayment ASL running on moto's engine in this process (the `engine` fixture);
tests/workflow runs the same against the whole local cloud."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.amounts import yuan_to_fen
from chalicelib.applications.port import Offer, Status
from chalicelib.books.check import check_ledger_items
from chalicelib.borrowing.bank import account_ref
from chalicelib.borrowing.service import Borrow
from chalicelib.ids import new_id
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.sandbox import Faults, SandboxRail
from tests.api.conftest import DRAW_DAY, Clock, auth
from tests.applications.test_contract import make_app


@pytest.fixture
def container(container_on_the_engine: wiring.Container) -> wiring.Container:
    return container_on_the_engine


def run_workflows(c: wiring.Container) -> list[dict[str, Any]]:
    """Wait until every execution the requests started has ended; return them."""
    return c.engine.settle()  # type: ignore[attr-defined,no-any-return]


def started(c: wiring.Container) -> list[tuple[str, str, dict[str, Any]]]:
    """(state machine, execution name, input) of every execution started, oldest first."""
    e = c.engine  # type: ignore[attr-defined]
    out = []
    for x in sorted(e.executions(), key=lambda x: x["startDate"]):
        described = e.sfn.describe_execution(executionArn=x["executionArn"])
        out.append((x["stateMachineArn"], x["name"], json.loads(described["input"])))
    return out


def open_line(
    c: wiring.Container, user: str = "user-1", limit_fen: int = 2_000_000, apr: str = "0.1080"
) -> None:
    c.credit_lines.open_line(user, limit_fen, Decimal(apr), "B", f"app-{user}", DRAW_DAY)


def post(
    client: Client, c: wiring.Container, path: str, body: Any, key: str, user: str = "user-1"
) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post(path, headers=auth(c, user, **{"Idempotency-Key": key}), body=raw)


def get(client: Client, c: wiring.Container, path: str, user: str = "user-1") -> Any:
    return client.http.get(path, headers=auth(c, user))


def draw(
    client: Client,
    c: wiring.Container,
    amount: str = "6000.00",
    key: str = "draw-0000001",
    **kw: Any,
) -> str:
    r = post(
        client,
        c,
        "/v1/loans",
        {"amount": amount, "termMonths": 6, "method": "equal-installment", **kw},
        key,
    )
    assert r.status_code == 202, r.body
    return str(r.json_body["loanId"])


def deposit(c: wiring.Container, amount: str, user: str = "user-1") -> None:
    """The borrower pays money into their card at the sandbox bank (`lending bank deposit`):
    the card holds the payouts and what is deposited, so interest is paid from a deposit."""
    c.rail.deposit(f"deposit:{new_id('dep')}", account_ref(user), yuan_to_fen(amount))


def books_clean(c: wiring.Container) -> bool:
    return check_ledger_items([*c.credit_lines.items(), *c.loans.items()]).ok


def test_a_draw_lands_and_shows_its_contract_and_schedule(
    client: Client, container: wiring.Container
) -> None:
    # GIVEN an open line of ¥20,000 at 10.80%
    open_line(container)
    # WHEN the borrower draws ¥6,000 over 6 months
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "6000.00", "termMonths": 6, "method": "equal-installment"},
        "draw-0000001",
    )
    assert r.status_code == 202 and r.json_body["status"] == "PENDING"
    loan_id = r.json_body["loanId"]
    ((arn, name, payload),) = started(container)
    assert arn == container.settings.disbursement_state_machine_arn
    assert name == loan_id and payload == {"loanId": loan_id}
    run_workflows(container)
    # THEN the loan is ACTIVE with disclosed rates, a 6-row schedule, and the line is drawn
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert loan["status"] == "ACTIVE"
    assert loan["contract"]["apr"] == "10.80" and loan["contract"]["dailyRate"] == "0.0300"
    # penalty: 1.5 x 10.80% = 16.20% would make 27% with interest; capped at 24% - 10.80%
    assert (loan["contract"]["penaltyApr"], loan["contract"]["penaltyDailyRate"]) == (
        "13.20",
        "0.0367",
    )
    assert len(loan["schedule"]) == 6 and loan["schedule"][0]["dueDate"] == "2026-04-02"
    assert sum(Decimal(i["principal"]) for i in loan["schedule"]) == Decimal("6000.00")
    assert (
        loan["outstanding"]["principal"] == "6000.00" and loan["outstanding"]["interest"] == "0.00"
    )
    assert loan["nextDue"]["date"] == "2026-04-02"
    line = get(client, container, "/v1/credit-line").json_body
    assert line["available"] == "14000.00" and line["drawn"] == "6000.00" and line["apr"] == "10.80"
    assert [x["loanId"] for x in get(client, container, "/v1/loans").json_body["loans"]] == [
        loan_id
    ]
    assert container.rail.moved() == {"payout": 600_000, "collect": 0}
    assert books_clean(container)


def test_a_repeated_key_draws_once(client: Client, container: wiring.Container) -> None:
    open_line(container)
    first = draw(client, container)
    assert draw(client, container) == first
    assert len(started(container)) == 1


def test_an_early_partial_repayment_pays_interest_to_that_day_and_restores_the_line(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    # GIVEN 15 days later (¥6,000 x 10.80% / 360 x 15 = ¥27.00 of interest)
    clock.today = date(2026, 3, 17)
    quote = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body
    assert quote == {
        "loanId": loan_id,
        "date": "2026-03-17",
        "payoff": "6027.00",
        "principal": "6000.00",
        "interest": "27.00",
        "penalty": "0.00",
    }
    # WHEN ¥1,027 is repaid
    r = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "1027.00"}, "repay-000001"
    )
    assert r.status_code == 202, r.body
    rep_id = r.json_body["repaymentId"]
    assert r.json_body["status"] == "PENDING"
    run_workflows(container)
    # THEN ¥27 pays interest, ¥1,000 principal, and the line gets ¥1,000 back
    done = get(client, container, f"/v1/loans/{loan_id}/repayments/{rep_id}").json_body
    assert done["status"] == "SUCCEEDED" and done["date"] == "2026-03-17"
    assert done["allocation"] == {"principal": "1000.00", "interest": "27.00", "penalty": "0.00"}
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert loan["paid"] == {"principal": "1000.00", "interest": "27.00", "penalty": "0.00"}
    assert loan["outstanding"]["principal"] == "5000.00"
    assert [x["repaymentId"] for x in loan["repayments"]] == [rep_id]
    assert get(client, container, "/v1/credit-line").json_body["available"] == "15000.00"
    assert books_clean(container)


def test_a_full_early_repayment_closes_the_loan(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    clock.today = date(2026, 3, 12)
    payoff = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body["payoff"]
    assert payoff == "6018.00"
    deposit(container, "18.00")  # the card holds the ¥6,000 paid out; the interest is paid in
    assert (
        post(
            client, container, f"/v1/loans/{loan_id}/repayments", {"amount": payoff}, "repay-000002"
        ).status_code
        == 202
    )
    run_workflows(container)
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert (
        loan["status"] == "CLOSED"
        and loan["outstanding"]["payoff"] == "0.00"
        and loan["nextDue"] is None
    )
    assert get(client, container, "/v1/credit-line").json_body["available"] == "20000.00"
    assert books_clean(container)


def test_overpayment_is_refused_up_front(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    r = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "6000.01"}, "repay-000003"
    )
    assert r.status_code == 422 and r.json_body["field"] == "amount"
    # A repayment under way counts: two that together exceed the payoff are not both accepted.
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": "4000.00"},
            "repay-000004",
        ).status_code
        == 202
    )
    r = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "2000.01"}, "repay-000005"
    )
    assert r.status_code == 422 and r.json_body["field"] == "amount"
    repayments = [x for x in started(container) if "repaymentId" in x[2]]
    assert len(repayments) == 1  # only the first started


def test_a_draw_above_the_available_line_is_refused_up_front(
    client: Client, container: wiring.Container
) -> None:
    open_line(container)
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "20000.01", "termMonths": 6, "method": "equal-principal"},
        "draw-0000002",
    )
    assert r.status_code == 422 and r.json_body["field"] == "amount"
    assert not started(container)


def test_no_line_no_draw(client: Client, container: wiring.Container) -> None:
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "100.00", "termMonths": 3, "method": "equal-principal"},
        "draw-0000003",
    )
    assert r.status_code == 409
    assert get(client, container, "/v1/credit-line").status_code == 404


def test_a_race_past_the_up_front_check_is_stopped_by_the_reservation(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # Two draws of ¥15,000 both pass the check (each reads the line before either is reserved);
    # the workflow lends one.
    open_line(container)
    monkeypatch.setattr(
        container.credit_lines, "get_line", _SyncFirstCall(container.credit_lines.get_line, 2)
    )

    def borrow(_: int) -> str:
        cmd = Borrow(1_500_000, 6, "equal-installment")
        return container.borrowing.draw("user-1", cmd, new_id("loan")).loan_id

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(borrow, range(2))
    monkeypatch.undo()
    run_workflows(container)
    statuses = sorted(get(client, container, f"/v1/loans/{x}").json_body["status"] for x in (a, b))
    assert statuses == ["ACTIVE", "FAILED"]
    failed = next(
        get(client, container, f"/v1/loans/{x}").json_body
        for x in (a, b)
        if get(client, container, f"/v1/loans/{x}").json_body["status"] == "FAILED"
    )
    assert failed["failure"]["code"] == "DRAW_EXCEEDS_LINE"
    assert get(client, container, "/v1/credit-line").json_body["available"] == "5000.00"
    assert books_clean(container)


def test_a_declined_payout_voids_the_contract_and_releases_the_line(
    client: Client, container: wiring.Container
) -> None:
    c = container
    c.rail = SandboxRail(InMemoryRailBook(), Faults(decline=1.0))  # before any step is built
    open_line(c)
    loan_id = draw(client, c)
    run_workflows(c)
    loan = get(client, c, f"/v1/loans/{loan_id}").json_body
    assert loan["status"] == "FAILED" and loan["failure"]["code"] == "PAYOUT_DECLINED"
    assert c.loans.get(loan_id).status == "VOID"
    assert get(client, c, "/v1/credit-line").json_body["available"] == "20000.00"
    assert c.rail.moved() == {"payout": 0, "collect": 0}
    assert books_clean(c)


def test_another_users_loan_is_not_found(client: Client, container: wiring.Container) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    assert get(client, container, f"/v1/loans/{loan_id}", user="user-2").status_code == 404
    assert (
        get(client, container, f"/v1/loans/{loan_id}/payoff-quote", user="user-2").status_code
        == 404
    )
    r = post(
        client,
        container,
        f"/v1/loans/{loan_id}/repayments",
        {"amount": "1.00"},
        "repay-000006",
        user="user-2",
    )
    assert r.status_code == 404
    assert get(client, container, "/v1/loans", user="user-2").json_body == {"loans": []}
    assert get(client, container, "/v1/loans/loan_nope").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "49.99", "termMonths": 6, "method": "equal-installment"}, "amount"),
        ({"amount": "100.001", "termMonths": 6, "method": "equal-installment"}, "amount"),
        ({"amount": "-5", "termMonths": 6, "method": "equal-installment"}, "amount"),
        ({"amount": 100, "termMonths": 6, "method": "equal-installment"}, "amount"),
        ({"amount": "100.00", "termMonths": 0, "method": "equal-installment"}, "termMonths"),
        ({"amount": "100.00", "termMonths": 37, "method": "equal-installment"}, "termMonths"),
        ({"amount": "100.00", "termMonths": 6, "method": "balloon"}, "method"),
        ({"amount": "100.00", "termMonths": 6}, "method"),
        (
            {"amount": "100.00", "termMonths": 6, "method": "equal-installment", "apr": "0.01"},
            "apr",
        ),
        ("{nope", "body"),
    ],
)
def test_bad_draw_requests_name_the_field(
    client: Client, container: wiring.Container, body: Any, field: str
) -> None:
    open_line(container)
    r = post(client, container, "/v1/loans", body, "draw-bad-0001")
    assert r.status_code == 400, r.body
    assert r.json_body["field"] == field


def test_idempotency_key_is_required(client: Client, container: wiring.Container) -> None:
    open_line(container)
    r = client.http.post(
        "/v1/loans",
        headers=auth(container),
        body=json.dumps({"amount": "100.00", "termMonths": 6, "method": "equal-installment"}),
    )
    assert r.status_code == 400 and r.json_body["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?date=2026-13-01", 400),
        ("?date=yesterday", 400),
        ("?date=2026-03-01", 400),
        ("?date=20260402", 400),
        ("?date=2026-W14-4", 400),
        ("?date=2026-04-02", 200),
    ],
)
def test_payoff_quote_dates(
    client: Client, container: wiring.Container, query: str, status: int
) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    r = get(client, container, f"/v1/loans/{loan_id}/payoff-quote{query}")
    assert r.status_code == status, r.body
    if status == 400:
        assert r.json_body["field"] == "date"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "1.00", "extra": 1}, "extra"),
        ({}, "amount"),
    ],
)
def test_bad_repayments_name_the_field(
    client: Client, container: wiring.Container, body: Any, field: str
) -> None:
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    r = post(client, container, f"/v1/loans/{loan_id}/repayments", body, "repay-bad-001")
    assert r.status_code == 400 and r.json_body["field"] == field


def test_a_pending_loan_cannot_be_repaid(client: Client, container: wiring.Container) -> None:
    open_line(container)
    loan_id = draw(client, container)
    r = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "1.00"}, "repay-000007"
    )
    assert r.status_code == 409


def test_accepting_an_offer_shows_the_line_in_yuan_and_percent(
    client: Client, container: wiring.Container
) -> None:
    open_line(container, apr="0.1825")
    line = get(client, container, "/v1/credit-line").json_body
    history = line.pop("history")
    assert line == {
        "creditLimit": "20000.00",
        "available": "20000.00",
        "drawn": "0.00",
        "apr": "18.25",
        "dailyRate": "0.0507",
        "grade": "B",
        "status": "ACTIVE",
        "statusReason": None,
        "nextReviewDate": "2026-04-02",
        "lastReviewedOn": None,
        "applicationId": "app-user-1",
        "nextCursor": None,
    }
    assert [h["kind"] for h in history] == ["OPENED"]


def test_accepting_an_approved_offer_opens_the_line_once_and_it_can_be_drawn(
    client: Client, container: wiring.Container
) -> None:
    # GIVEN an application the workflow approved with a ¥20,000 line at 10.80%
    app_id = _approved(client, container)
    # WHEN it is accepted (twice: a retried tap) on the business day 2026-03-02
    container.origination.today = lambda: DRAW_DAY
    first = client.http.post(f"/v1/applications/{app_id}/accept", headers=auth(container))
    again = client.http.post(f"/v1/applications/{app_id}/accept", headers=auth(container))
    # THEN one line opens, shown in yuan and percent, and a draw lands on it
    assert first.status_code == 201 and again.json_body == first.json_body
    assert first.json_body == {
        "creditLimit": "20000.00",
        "available": "20000.00",
        "drawn": "0.00",
        "apr": "10.80",
        "dailyRate": "0.0300",
        "grade": "B",
        "status": "ACTIVE",
        "statusReason": None,
        "nextReviewDate": "2026-04-02",
        "lastReviewedOn": None,
        "applicationId": app_id,
    }
    loan_id = draw(client, container)
    run_workflows(container)
    assert get(client, container, f"/v1/loans/{loan_id}").json_body["status"] == "ACTIVE"
    assert books_clean(container)


def _approved(client: Client, container: wiring.Container, limit_fen: int = 2_000_000) -> str:
    """An application the workflow approved, written straight to the store."""
    app, pii = make_app("user-1", "2026-03-01T00:00:00.000Z")
    container.applications.create(app, pii, after=container.applications.latest_for_user("user-1"))
    app_id = app.application_id
    container.applications.move(
        app_id,
        Status.APPROVED,
        "2026-03-01T00:00:00.000Z",
        offer=Offer("B", "0.1080", "0.0003", limit_fen, "2099-01-01T00:00:00.000Z"),
    )
    return app_id


def test_an_accept_refused_for_a_second_line_leaves_that_offer_unaccepted(
    client: Client, container: wiring.Container
) -> None:
    # GIVEN a user whose line came from one offer, and a second approved offer (written straight
    # to the store: submissions are one at a time now, but data from before that rule remains)
    first = _approved(client, container)
    assert (
        client.http.post(f"/v1/applications/{first}/accept", headers=auth(container)).status_code
        == 201
    )
    app, pii = make_app("user-1", "2026-03-01T00:00:01.000Z")
    container.applications.create(app, pii, after=first)
    second = app.application_id
    container.applications.move(
        second,
        Status.APPROVED,
        "2026-03-01T00:00:02.000Z",
        offer=Offer("B", "0.1080", "0.0003", 5_400_000, "2099-01-01T00:00:00.000Z"),
    )
    # WHEN the second is accepted
    r = client.http.post(f"/v1/applications/{second}/accept", headers=auth(container))
    # THEN it is refused, and still shows as not accepted; the line is the first one
    assert r.status_code == 409 and first in r.json_body["detail"]
    listed = {
        a["applicationId"]: a
        for a in get(client, container, "/v1/applications").json_body["applications"]
    }
    assert listed[second]["accepted"] is False and listed[first]["accepted"] is True
    assert get(client, container, "/v1/credit-line").json_body["creditLimit"] == "20000.00"


def test_an_accept_that_loses_the_race_to_a_concurrent_accept_of_the_same_offer_still_succeeds(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_id = _approved(client, container)
    mark = container.applications.mark_accepted

    def marked_first_by_the_other_request(application_id: str, now: str) -> None:
        mark(application_id, now)  # the concurrent accept
        mark(application_id, now)  # ours: refused, as the offer is no longer open

    monkeypatch.setattr(container.applications, "mark_accepted", marked_first_by_the_other_request)
    r = client.http.post(f"/v1/applications/{app_id}/accept", headers=auth(container))
    assert r.status_code == 201 and r.json_body["applicationId"] == app_id


class _SyncFirstCall:
    """Wraps a port method so that each of `parties` threads waits at its first call until all
    have made it: every admission reads the loan before any of them writes (the tester's race)."""

    def __init__(self, fn: Any, parties: int) -> None:
        import threading

        self.fn, self.barrier, self.local = (
            fn,
            threading.Barrier(parties, timeout=2),
            threading.local(),
        )

    def __call__(self, *a: Any, **kw: Any) -> Any:
        import threading

        out = self.fn(*a, **kw)
        if not getattr(self.local, "synced", False):
            self.local.synced = True
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return out


def test_parallel_payoffs_are_admitted_once_and_collected_once(
    container: wiring.Container, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.errors import DomainError

    # GIVEN an active loan whose payoff today is P
    open_line(container)
    c = container
    loan_id = c.borrowing.draw(
        "user-1", Borrow(600_000, 6, "equal-installment"), new_id("loan")
    ).loan_id
    run_workflows(c)
    clock.today = date(2026, 3, 17)
    payoff = c.borrowing.payoff_quote("user-1", loan_id, None)["payoff"]
    deposit(c, "10000.00")  # the card could pay it off more than once
    # WHEN four payoffs of P arrive at once (each reads the loan before any writes)
    monkeypatch.setattr(c.loans, "get", _SyncFirstCall(c.loans.get, 4))
    monkeypatch.setattr(
        c.money_requests, "repayments", _SyncFirstCall(c.money_requests.repayments, 4)
    )

    def repay(_: int) -> int:
        try:
            c.borrowing.repay("user-1", loan_id, yuan_to_fen(payoff), new_id("rep"))
            return 202
        except DomainError as exc:
            return exc.status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(repay, range(4)))
    monkeypatch.undo()
    run_workflows(c)
    # THEN one is admitted and collected; the others are refused up front and take nothing
    assert statuses == [202, 422, 422, 422]
    assert c.rail.moved()["collect"] == int(Decimal(payoff) * 100)
    assert c.loans.get(loan_id).status == "CLOSED"
    report = check_ledger_items([*c.credit_lines.items(), *c.loans.items()])
    assert report.ok and report.balances.get("overpayment_suspense:user-1", 0) == 0
    assert [r.status for r in c.money_requests.repayments(loan_id)] == ["SUCCEEDED"]


def test_a_failed_repayment_gives_its_reservation_back(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    # GIVEN a payoff under way whose collection the bank refuses (slowly: the workflow runs
    # beside this test, and the second request below must find the first still in flight)
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    payoff = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body["payoff"]
    # (the fault is set before the POST: the engine runs the execution at once, on its own
    # thread; the bank's second of latency keeps the payoff in flight for the check below)
    container.rail.faults = Faults(decline=1.0, latency_s=(1.0, 1.0))
    first = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": payoff}, "repay-fail-01"
    )
    assert first.status_code == 202
    # while it is in flight, nothing more can be admitted
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": "0.01"},
            "repay-fail-02",
        ).status_code
        == 422
    )
    run_workflows(container)
    rep = get(
        client, container, f"/v1/loans/{loan_id}/repayments/{first.json_body['repaymentId']}"
    ).json_body
    assert rep["status"] == "FAILED" and rep["failure"]["code"] == "COLLECTION_DECLINED"
    assert container.loans.get(loan_id).reserved_fen == 0
    # THEN the whole payoff can be paid again, and it closes the loan
    container.rail.faults = Faults()
    again = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": payoff}, "repay-fail-03"
    )
    assert again.status_code == 202, again.json_body
    run_workflows(container)
    assert get(client, container, f"/v1/loans/{loan_id}").json_body["status"] == "CLOSED"
    assert container.loans.get(loan_id).reserved_fen == 0
    assert books_clean(container)


def test_after_a_prepayment_the_loan_shows_the_re_amortised_schedule(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    # GIVEN the tester's loan: ¥1,000.01 over 7 months, equal principal, at 10.80%
    clock.today = date(2026, 11, 29)
    open_line(container)
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "1000.01", "termMonths": 7, "method": "equal-principal"},
        "draw-plan-001",
    )
    loan_id = r.json_body["loanId"]
    run_workflows(container)
    before = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert before["schedule"][0] == {
        "n": 1,
        "dueDate": "2026-12-29",
        "status": "UPCOMING",
        "principal": "142.86",
        "interest": "9.00",
        "total": "151.86",
        "paidPrincipal": "0.00",
        "paidInterest": "0.00",
        "balance": "857.15",
    }
    # WHEN ¥500 is repaid early
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": "500.00"},
            "repay-plan-01",
        ).status_code
        == 202
    )
    run_workflows(container)
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    quote = get(client, container, f"/v1/loans/{loan_id}/payoff-quote?date=2026-12-29").json_body
    # THEN the schedule is the plan from now on: it agrees with nextDue and with the quote
    row = loan["schedule"][0]
    assert (
        (row["dueDate"], row["principal"])
        == (loan["nextDue"]["date"], loan["nextDue"]["principal"])
        == ("2026-12-29", "71.43")
    )
    assert row["interest"] == quote["interest"] == "4.50"
    assert row["balance"] == "428.58" and loan["schedule"][-1]["balance"] == "0.00"
    assert (
        sum(Decimal(x["principal"]) for x in loan["schedule"])
        == Decimal(loan["outstanding"]["principal"])
        == Decimal("500.01")
    )
    assert len(loan["schedule"]) == 7 and {x["status"] for x in loan["schedule"]} == {"UPCOMING"}
    # and the contract as signed is still there, under its own name
    assert loan["contractSchedule"][0] == {
        "n": 1,
        "dueDate": "2026-12-29",
        "principal": "142.86",
        "interest": "9.00",
        "total": "151.86",
        "balance": "857.15",
    }
    # WHEN the first installment is paid on its day THEN its row says PAID, with what was paid
    clock.today = date(2026, 12, 29)
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": row["total"]},
            "repay-plan-02",
        ).status_code
        == 202
    )
    run_workflows(container)
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    paid = loan["schedule"][0]
    assert (paid["status"], paid["paidPrincipal"], paid["paidInterest"]) == (
        "PAID",
        "71.43",
        "4.50",
    )
    assert loan["schedule"][1]["principal"] == loan["nextDue"]["principal"]
    assert books_clean(container)


def test_after_a_prepayment_installments_are_level_and_after_payoff_rows_show_what_paid_them(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    # GIVEN the tester's loan: ¥3,000 over 6 months at 10.80%, equal installment (all 515.97)
    clock.today = date(2026, 11, 29)
    open_line(container)
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "3000.00", "termMonths": 6, "method": "equal-installment"},
        "draw-level-01",
    )
    loan_id = r.json_body["loanId"]
    run_workflows(container)
    before = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert (
        {x["total"] for x in before["contractSchedule"]}
        == {x["total"] for x in before["schedule"]}
        == {"515.97"}
    )
    # WHEN ¥1,000 is repaid on the draw day (all principal)
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": "1000.00"},
            "repay-level-1",
        ).status_code
        == 202
    )
    run_workflows(container)
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert loan["repayments"][0]["allocation"]["principal"] == "1000.00"
    # THEN the installments left are level again (the last absorbs the rounding, as in the contract)
    totals = [Decimal(x["total"]) for x in loan["schedule"]]
    assert len(set(totals[:-1])) == 1 and abs(totals[-1] - totals[0]) <= Decimal("0.06"), totals
    assert sum(Decimal(x["principal"]) for x in loan["schedule"]) == Decimal("2000.00")
    # and nextDue is row 1 of the plan, interest and total included, and the quote for its day
    # agrees
    row = loan["schedule"][0]
    quote = get(
        client, container, f"/v1/loans/{loan_id}/payoff-quote?date={row['dueDate']}"
    ).json_body
    assert loan["nextDue"] == {
        "date": row["dueDate"],
        "principal": row["principal"],
        "interest": row["interest"],
        "total": row["total"],
    }
    assert quote["interest"] == row["interest"]
    assert books_clean(container)
    # WHEN the loan is paid off three weeks later
    clock.today = date(2026, 12, 20)
    payoff = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body["payoff"]
    deposit(container, payoff)
    assert (
        post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": payoff},
            "repay-level-2",
        ).status_code
        == 202
    )
    run_workflows(container)
    # THEN (that day and months later) every row says it is settled, with what settled it
    for today in (date(2026, 12, 20), date(2027, 4, 1)):
        clock.today = today
        closed = get(client, container, f"/v1/loans/{loan_id}").json_body
        assert closed["status"] == "CLOSED" and closed["nextDue"] is None
        rows = closed["schedule"]
        assert {x["status"] for x in rows} <= {"PAID", "PREPAID"}
        assert all(
            x["paidPrincipal"] == x["principal"] and x["paidInterest"] == x["interest"]
            for x in rows
        )
        assert all(Decimal(x["paidPrincipal"]) > 0 for x in rows)
        assert (
            sum(Decimal(x["paidPrincipal"]) for x in rows)
            == Decimal(closed["paid"]["principal"])
            == Decimal("3000.00")
        )
        assert sum(Decimal(x["paidInterest"]) for x in rows) == Decimal(closed["paid"]["interest"])
    assert books_clean(container)


def test_a_missed_installment_makes_the_loan_overdue_and_freezes_the_line_until_cured(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    # GIVEN a loan drawn on 2026-03-02 whose first installment falls due on 2026-04-02
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    # WHEN the due date passes unpaid
    clock.today = date(2026, 4, 12)
    loan = get(client, container, f"/v1/loans/{loan_id}").json_body
    # THEN the loan is OVERDUE, 10 days past due (M1), and accrues penalty interest
    assert (loan["status"], loan["daysPastDue"], loan["bucket"]) == ("OVERDUE", 10, "M1")
    assert Decimal(loan["outstanding"]["penalty"]) > 0
    # AND the line refuses a draw, naming why
    r = post(
        client,
        container,
        "/v1/loans",
        {"amount": "100.00", "termMonths": 3, "method": "equal-principal"},
        "draw-frozen-01",
    )
    assert r.status_code == 409 and r.json_body["code"] == "LINE_FROZEN", r.body
    assert loan_id in r.json_body["detail"] and "10 days past due" in r.json_body["detail"]
    # WHEN what is due is repaid (an overdue loan still takes money)
    due = Decimal(loan["outstanding"]["interest"]) + Decimal(loan["outstanding"]["penalty"])
    due += Decimal(loan["schedule"][0]["principal"]) - Decimal(loan["schedule"][0]["paidPrincipal"])
    paid = post(
        client,
        container,
        f"/v1/loans/{loan_id}/repayments",
        {"amount": f"{due:.2f}"},
        "cure-0000001",
    )
    assert paid.status_code == 202, paid.body
    run_workflows(container)
    # THEN the loan is current again and the line thaws
    cured = get(client, container, f"/v1/loans/{loan_id}").json_body
    assert (cured["status"], cured["daysPastDue"], cured["bucket"]) == ("ACTIVE", 0, "CURRENT")
    assert draw(client, container, "100.00", key="draw-thawed-01")
    run_workflows(container)
    assert books_clean(container)


def test_a_stuck_repayment_is_finished_by_the_ops_route_once(
    client: Client, container: wiring.Container, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.auth import issue_local_token

    # GIVEN a repayment the bank collected but whose booking failed for good (STUCK)
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    clock.today = date(2026, 3, 17)

    def down(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the table is down")

    monkeypatch.setattr(container.loans, "post_repayment", down)
    r = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "1027.00"}, "stuck-01"
    )
    rep_id = r.json_body["repaymentId"]
    run_workflows(container)
    monkeypatch.undo()
    assert container.money_requests.get_repayment(loan_id, rep_id).status == "STUCK"
    assert container.rail.moved()["collect"] == 102_700
    assert (
        get(client, container, f"/v1/loans/{loan_id}/repayments/{rep_id}").json_body["status"]
        == "PENDING"
    )  # the borrower's money is on its way to the loan, not lost
    # WHEN an analyst without the ops group tries, and then an operator does, twice
    body = {"loanId": loan_id, "repaymentId": rep_id}
    denied = post(client, container, "/v1/ops/stuck/resolve", body, "unused-key-1")
    assert denied.status_code == 403
    ops = {
        "Authorization": "Bearer "
        + issue_local_token(container.settings, "ops-1", groups=("ops",)),
        "Content-Type": "application/json",
    }
    first = client.http.post("/v1/ops/stuck/resolve", headers=ops, body=json.dumps(body))
    again = client.http.post("/v1/ops/stuck/resolve", headers=ops, body=json.dumps(body))
    # THEN the money is booked once, the line restored, the repayment SUCCEEDED, books clean
    assert first.json_body == {"repaymentId": rep_id, "status": "SUCCEEDED", "resolved": True}
    assert again.json_body["resolved"] is False
    done = get(client, container, f"/v1/loans/{loan_id}/repayments/{rep_id}").json_body
    assert done["status"] == "SUCCEEDED"
    assert done["allocation"] == {"principal": "1000.00", "interest": "27.00", "penalty": "0.00"}
    assert get(client, container, "/v1/credit-line").json_body["available"] == "15000.00"
    assert books_clean(container)


def test_a_repayment_from_an_empty_card_fails_and_a_deposit_makes_the_next_one_work(
    client: Client, container: wiring.Container, clock: Clock
) -> None:
    # GIVEN a loan whose payout the borrower has spent: the card is empty
    open_line(container)
    loan_id = draw(client, container)
    run_workflows(container)
    card = account_ref("user-1")
    container.rail.withdraw("withdraw:spent", card, container.rail.balance(card))
    clock.today = date(2026, 3, 12)
    # WHEN they repay ¥100
    first = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "100.00"}, "repay-empty-1"
    )
    run_workflows(container)
    # THEN the bank declines it for insufficient funds, nothing is taken, the amount is free again
    rep = get(
        client, container, f"/v1/loans/{loan_id}/repayments/{first.json_body['repaymentId']}"
    ).json_body
    assert rep["status"] == "FAILED" and rep["failure"]["code"] == "COLLECTION_DECLINED"
    assert container.rail.status(f"collect:{rep['repaymentId']}").reason == "INSUFFICIENT_FUNDS"
    assert container.loans.get(loan_id).reserved_fen == 0
    # WHEN they deposit ¥100 and repay again THEN it is collected and booked
    deposit(container, "100.00")
    again = post(
        client, container, f"/v1/loans/{loan_id}/repayments", {"amount": "100.00"}, "repay-empty-2"
    )
    run_workflows(container)
    rep = get(
        client, container, f"/v1/loans/{loan_id}/repayments/{again.json_body['repaymentId']}"
    ).json_body
    assert rep["status"] == "SUCCEEDED" and container.rail.balance(card) == 0
    assert container.rail.moved()["collect"] == 10_000 and books_clean(container)

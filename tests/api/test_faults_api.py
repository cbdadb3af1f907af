"""What the chaos run (tests/workflow/test_chaos.py) found, each pinned down alone: the API and
the money workflows under a table that is busy or loses an answer, and Lambda failing as its
service and runtimes do. Over in-memory stores, with the real ASL on moto's engine."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib import wiring
from chalicelib.errors import StoreBusy
from localcloud import engine as local_engine
from tests.api.test_money_api import books_clean, deposit, get, open_line, post, started


@pytest.fixture
def container(container_on_the_engine: wiring.Container) -> wiring.Container:
    return container_on_the_engine


def settle(c: wiring.Container) -> list[dict[str, Any]]:
    return c.engine.settle(timeout=60)  # type: ignore[attr-defined,no-any-return]


class AnswerLostOnce:
    """A store method whose `on_call`-th call (the first by default) writes and then loses its
    answer (DynamoDB's 500, which the table client raises as StoreBusy)."""

    def __init__(self, method: Any, on_call: int = 1) -> None:
        self.method = method
        self.on_call = on_call
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        out = self.method(*args)
        if self.calls == self.on_call:
            raise StoreBusy("DynamoDB PutItem: InternalServerError")
        return out


DRAW = {"amount": "3000.00", "termMonths": 6, "method": "equal-installment"}


def test_a_busy_table_is_a_503_with_retry_after(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a table that throttles the draw's reads
    open_line(container)

    def throttled(user_id: str) -> Any:
        raise StoreBusy("DynamoDB Query: ProvisionedThroughputExceededException")

    monkeypatch.setattr(container.loans, "for_user", throttled)
    # WHEN a draw comes in
    r = post(client, container, "/v1/loans", DRAW, "busy-draw-01")
    # THEN the phone is told to ask again shortly (not a 500), and nothing was drawn
    assert r.status_code == 503, r.body
    assert r.headers["Retry-After"] == "1"
    assert r.json_body["type"].endswith("/service-unavailable")
    assert "Idempotency-Key" in r.json_body["detail"]
    monkeypatch.undo()
    assert post(client, container, "/v1/loans", DRAW, "busy-draw-01").status_code == 202
    assert len(started(container)) == 1


def test_a_draw_whose_answer_was_lost_is_resumed_by_the_retry(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a draw request whose write lands but whose answer is lost
    open_line(container)
    lost = AnswerLostOnce(container.money_requests.add_draw)
    monkeypatch.setattr(container.money_requests, "add_draw", lost)
    first = post(client, container, "/v1/loans", DRAW, "lost-draw-01")
    assert first.status_code == 503
    # WHEN the phone asks again with the same key
    again = post(client, container, "/v1/loans", DRAW, "lost-draw-01")
    # THEN it is the same draw, started once, and it lands; no second request was made
    assert again.status_code == 202, again.body
    loan_id = again.json_body["loanId"]
    assert [d.loan_id for d in container.money_requests.draws_for_user("user-1")] == [loan_id]
    settle(container)
    assert [name for _, name, _ in started(container)] == [loan_id]
    assert get(client, container, f"/v1/loans/{loan_id}").json_body["status"] == "ACTIVE"
    assert books_clean(container)


def test_a_repayment_whose_answer_was_lost_keeps_its_hold_and_is_resumed(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an active loan, and a repayment request whose write lands but whose answer is lost
    open_line(container)
    loan_id = post(client, container, "/v1/loans", DRAW, "draw-for-lost-rep").json_body["loanId"]
    settle(container)
    deposit(container, "100.00")
    payoff = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body["payoff"]
    lost = AnswerLostOnce(container.money_requests.add_repayment)
    monkeypatch.setattr(container.money_requests, "add_repayment", lost)
    path = f"/v1/loans/{loan_id}/repayments"
    assert post(client, container, path, {"amount": payoff}, "lost-rep-01").status_code == 503
    # THEN its hold stays with it: nothing more can be admitted meanwhile
    assert container.loans.get(loan_id).reserved_fen > 0
    assert post(client, container, path, {"amount": "1.00"}, "lost-rep-02").status_code == 422
    # WHEN the phone asks again with the same key: the same repayment goes on and pays off
    again = post(client, container, path, {"amount": payoff}, "lost-rep-01")
    assert again.status_code == 202, again.body
    settle(container)
    reps = container.money_requests.repayments(loan_id)
    assert [(r.repayment_id, r.status) for r in reps] == [
        (again.json_body["repaymentId"], "SUCCEEDED")
    ]
    assert container.loans.get(loan_id).status == "CLOSED"
    assert container.loans.get(loan_id).reserved_fen == 0
    assert books_clean(container)


def test_a_take_over_whose_answer_was_lost_is_resumed_at_once(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a draw whose first attempt failed before writing (its claim left resumable), and a
    # table that loses the answer of the retry's take-over of that claim
    open_line(container)
    real_add_draw = container.money_requests.add_draw
    throttled = {"n": 0}

    def add_draw_throttled_once(draw: Any) -> None:
        throttled["n"] += 1
        if throttled["n"] == 1:
            raise StoreBusy("DynamoDB PutItem: ThrottlingException")
        real_add_draw(draw)

    monkeypatch.setattr(container.money_requests, "add_draw", add_draw_throttled_once)
    # call 1 dates the first attempt's claim back; call 2 is the retry's take-over
    lost = AnswerLostOnce(container.idempotency.take_over, on_call=2)
    monkeypatch.setattr(container.idempotency, "take_over", lost)
    assert post(client, container, "/v1/loans", DRAW, "lost-take-over").status_code == 503
    assert post(client, container, "/v1/loans", DRAW, "lost-take-over").status_code == 503
    # WHEN the phone asks a third time, at once
    third = post(client, container, "/v1/loans", DRAW, "lost-take-over")
    # THEN the draw goes on now (not "still in progress" until the claim looks abandoned)
    assert third.status_code == 202, third.body
    settle(container)
    assert [name for _, name, _ in started(container)] == [third.json_body["loanId"]]


def test_a_refusal_whose_key_could_not_be_freed_is_refused_again_at_once(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a draw above the line, refused, while the table fails the key's release
    open_line(container)
    too_much = {**DRAW, "amount": "25000.00"}  # the line is ¥20,000

    def release_fails(*args: Any) -> None:
        raise StoreBusy("DynamoDB DeleteItem: ThrottlingException")

    monkeypatch.setattr(container.idempotency, "release", release_fails)
    first = post(client, container, "/v1/loans", too_much, "refused-unreleased")
    assert first.status_code == 422, first.body
    monkeypatch.undo()
    # WHEN the phone sends it again with the key
    again = post(client, container, "/v1/loans", too_much, "refused-unreleased")
    # THEN it hears the same refusal now, and the key is free for a corrected request
    assert again.status_code == 422, again.body
    assert again.json_body["detail"] == first.json_body["detail"]
    fixed = post(client, container, "/v1/loans", DRAW, "refused-unreleased")
    assert fixed.status_code == 202, fixed.body


class FirstInvocationFails:
    """The Lambda service in front of our functions: the first invocation of each function in
    `names` fails, as `how` says; every later one runs."""

    def __init__(self, inner: Any, names: set[str], how: str) -> None:
        self.inner = inner
        self.names = names
        self.how = how
        self.failed: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def invoke(self, FunctionName: str, Payload: Any = None, **kw: Any) -> dict[str, Any]:
        name = FunctionName.rsplit(":", 1)[-1].removeprefix("weili-wf-")
        if name not in self.names or name in self.failed:
            return dict(self.inner.invoke(FunctionName=FunctionName, Payload=Payload, **kw))
        self.failed.append(name)
        if self.how == "service":  # the Invoke call itself fails: the function never ran
            error = {"Code": "ServiceException", "Message": "Lambda encountered an error"}
            raise ClientError({"Error": error}, "Invoke")
        # the function ran (its writes landed) and its runtime died before it answered
        self.inner.invoke(FunctionName=FunctionName, Payload=Payload, **kw)
        died = {"errorType": "Runtime.ExitError", "errorMessage": "signal: killed"}
        return {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": io.BytesIO(json.dumps(died).encode()),
        }


@pytest.mark.parametrize("how", ["service", "crash"])
def test_lambda_service_errors_and_crashes_are_retried_not_compensated(
    client: Client, container: wiring.Container, how: str
) -> None:
    # GIVEN the Lambda service failing the first call of the booking steps
    flaky = FirstInvocationFails(
        local_engine._router, {"post_ledger", "post_repayment", "restore_line"}, how
    )
    local_engine.install(flaky)  # type: ignore[arg-type]
    try:
        open_line(container)
        deposit(container, "100.00")
        # WHEN a loan is drawn and paid off
        loan_id = post(client, container, "/v1/loans", DRAW, f"draw-{how}").json_body["loanId"]
        settle(container)
        payoff = get(client, container, f"/v1/loans/{loan_id}/payoff-quote").json_body["payoff"]
        r = post(
            client,
            container,
            f"/v1/loans/{loan_id}/repayments",
            {"amount": payoff},
            f"repay-{how}-key",
        )
        assert r.status_code == 202
        ended = settle(container)
    finally:
        local_engine.install(flaky.inner)
    # THEN every step that failed once was tried again, and both workflows succeeded
    assert sorted(flaky.failed) == ["post_ledger", "post_repayment", "restore_line"]
    assert sorted(e["status"] for e in ended) == ["SUCCEEDED", "SUCCEEDED"]
    assert get(client, container, f"/v1/loans/{loan_id}").json_body["status"] == "CLOSED"
    assert books_clean(container)

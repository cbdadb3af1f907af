"""The close of business on the real ASL (moto's engine, in this process), its functions the
real steps over in-memory stores: a night posts, defers and orders; a re-run moves nothing
twice; a crash between batches is retried and the day closes each loan once; too many failures
leave the day NOT_CLOSED and the next night catches up; the rail's faults never collect twice."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.books.check import check_ledger_items
from chalicelib.borrowing.bank import account_ref, collect_key
from chalicelib.errors import StoreBusy
from chalicelib.loans.port import LoanRecord
from chalicelib.money.schedule import ACTUAL_360, build_schedule
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import COLLECT
from chalicelib.rail.sandbox import Faults, SandboxRail
from localcloud.workflows_only import WorkflowsOnly
from tests.api.test_money_api import draw, open_line, run_workflows

pytestmark = pytest.mark.slow

AT = "2026-03-02T00:00:00.000Z"


@pytest.fixture
def container(container_on_the_engine: wiring.Container) -> wiring.Container:
    return container_on_the_engine


def close(c: wiring.Container, day: date, name: str | None = None) -> dict[str, Any]:
    """Run the close-of-business execution for `day` (named by the date) to its end."""
    e: WorkflowsOnly = c.engine  # type: ignore[attr-defined]
    arn = e.sfn.start_execution(
        stateMachineArn=c.settings.close_of_business_state_machine_arn,
        name=name or day.isoformat(),
        input=json.dumps({"businessDate": day.isoformat()}),
    )["executionArn"]
    e.settle(timeout=120)
    return dict(e.sfn.describe_execution(executionArn=arn))


def summary(execution: dict[str, Any]) -> dict[str, Any]:
    assert execution["status"] == "SUCCEEDED", execution
    out: dict[str, Any] = json.loads(execution["output"])
    return out


def books(c: wiring.Container) -> bool:
    items = [*c.credit_lines.items(), *c.loans.items()]
    report = check_ledger_items(items)
    assert report.ok, report.as_dict()
    return True


def seed(c: wiring.Container, n: int, start: date) -> list[str]:
    """n disbursed loans of ¥1,000 over 3 months on `start`, 100 to a borrower's line (no
    payout made: their cards hold what the test deposits)."""
    ids = []
    for i in range(n):
        user = f"u{i // 100}"
        if i % 100 == 0:
            c.credit_lines.open_line(user, 20_000_000, Decimal("0.12"), "B", f"app-{user}")
        loan_id = f"loan_{i:026d}"
        s = build_schedule(100_000, Decimal("0.12"), 3, start, day_count=ACTUAL_360)
        c.credit_lines.reserve(user, loan_id, 100_000)
        c.loans.create(LoanRecord.from_schedule(loan_id, user, s, account_ref(user), AT))
        c.loans.disburse(loan_id, AT)
        ids.append(loan_id)
    return ids


def test_a_night_posts_orders_the_debit_and_a_rerun_moves_nothing_twice(
    client: Client, container: wiring.Container
) -> None:
    c = container
    open_line(c)
    loan_id = draw(client, c)  # ¥6,000 on 2026-03-02, first due 2026-04-02; the card holds it
    run_workflows(c)
    # GIVEN a quiet night: the loan is deferred, nothing written
    quiet = summary(close(c, date(2026, 3, 10)))
    assert (quiet["deferred"], quiet["processed"]) == (1, 0)
    assert c.cob_days.get(date(2026, 3, 10)).status == "CLOSED"
    # WHEN the eve of its due date closes (the month end since the draw is posted with it)
    eve = summary(close(c, date(2026, 4, 1)))
    assert (eve["processed"], eve["ordered"]) == (1, 1)
    assert c.loans.get(loan_id).last_closed == date(2026, 4, 1)
    # THEN the morning's debit runs on the one collection path and takes the installment
    run_workflows(c)
    debit = f"auto-{loan_id}-20260402-0"
    rep = c.money_requests.get_repayment(loan_id, debit)
    assert rep is not None and rep.status == "SUCCEEDED"
    moved = c.rail.moved()
    # WHEN the same night runs again (an operator's re-run, another execution name)
    again = summary(close(c, date(2026, 4, 1), name="2026-04-01-rerun"))
    run_workflows(c)
    # THEN nothing is closed, ordered or collected twice, and the books are as they were
    assert again["alreadyClosed"] == 1 and again["processed"] == 0
    assert c.rail.moved() == moved and books(c)
    # and the day's own name cannot be started twice
    sfn = c.engine.sfn  # type: ignore[attr-defined]
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=c.settings.close_of_business_state_machine_arn,
            name="2026-04-01",
            input=json.dumps({"businessDate": "2026-04-01"}),
        )
    # the due date's night reads what the debit took
    due = summary(close(c, date(2026, 4, 2)))
    assert (due["collected"], due["failed"], due["newlyOverdue"]) == (1, 0, 0)
    assert books(c)


def test_a_crash_between_batches_is_retried_and_each_loan_is_closed_once(
    container: wiring.Container,
) -> None:
    c = container
    ids = seed(c, 1_100, date(2026, 2, 5))  # three batches: 500, 500, 100
    month_end = date(2026, 2, 28)  # every loan posts
    book_close = c.loans.book_close
    calls = {"n": 0}

    def crash_once(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 700:  # part way through a batch, after others have closed
            raise StoreBusy("the table refused a write")
        return book_close(*args)

    c.loans.book_close = crash_once  # type: ignore[method-assign]
    out = summary(close(c, month_end))
    # the crashed batch was retried: its loans closed before the crash count as already closed
    assert out["processed"] + out["alreadyClosed"] == 1_100
    assert 0 < out["alreadyClosed"] < 500 and out["errors"] == 0 and out["failedBatches"] == 0
    for loan_id in ids:
        loan = c.loans.get(loan_id)
        assert loan.last_closed == month_end
        accruals = [e for e in c.loans.entries(loan_id) if e.kind == "accrual"]
        assert [e.key for e in accruals] == [f"accrue:{loan_id}:2026-02-28"]
    assert books(c)


def test_too_many_failures_leave_the_day_not_closed_and_the_next_night_catches_up(
    container: wiring.Container,
) -> None:
    c = container
    ids = seed(c, 600, date(2026, 2, 5))
    get_many = c.loans.get_many

    def broken(loan_ids: Any) -> Any:
        raise RuntimeError("the table is unreachable")

    c.loans.get_many = broken  # type: ignore[method-assign]
    failed = close(c, date(2026, 2, 28))
    assert failed["status"] == "FAILED" and failed["error"] == "CloseOfBusinessFailed"
    day = c.cob_days.get(date(2026, 2, 28))
    assert day is not None and day.status == "NOT_CLOSED"
    assert day.error == "States.ExceedToleratedFailureThreshold"
    c.loans.get_many = get_many  # type: ignore[method-assign]
    # the next night closes the day it missed too (one catch-up entry per loan)
    out = summary(close(c, date(2026, 3, 1)))
    assert out["processed"] == 600 and out["daysClosed"] == 600 * 25
    assert all(c.loans.get(i).last_closed == date(2026, 3, 1) for i in ids)
    assert books(c)


def test_faults_at_the_rail_never_collect_twice(container: wiring.Container) -> None:
    c = container
    c.rail = SandboxRail(
        InMemoryRailBook(),
        Faults(timeout_before=0.2, timeout_after=0.25, error_5xx=0.1, seed=11),
    )
    for k in ("repayment", "auto_debits", "close_loans", "stuck"):
        c.__dict__.pop(k, None)
    ids = seed(c, 40, date(2026, 2, 5))
    c.rail.deposit("deposit:all", account_ref("u0"), 40 * 100_000)
    out = summary(close(c, date(2026, 3, 4)))  # the eve of the first due date
    assert out["ordered"] == 40
    executions = run_workflows(c)
    debits = [x for x in executions if x["name"].startswith("auto-")]
    assert len(debits) == 40
    # every debit the bank settled is booked once, whatever the timeouts did
    assert books(c)
    taken = c.rail.moved().get(COLLECT, 0)
    booked = sum(p.amount_fen for i in ids for p in c.loans.get(i).payments)
    assert taken == booked > 0
    for x in debits:
        loan_id = x["name"].split("-")[1]
        rep = c.money_requests.get_repayment(loan_id, x["name"])
        assert rep is not None and rep.status in ("SUCCEEDED", "FAILED"), rep
        settled = c.rail.status(collect_key(x["name"]))
        paid = c.loans.get(loan_id).payment(x["name"])
        assert (rep.status == "SUCCEEDED") == (paid is not None)
        assert (settled is not None and settled.status == "settled") == (paid is not None)
    # the due date's night reads each debit from the payments
    nxt = summary(close(c, date(2026, 3, 5)))
    assert nxt["collected"] + nxt["failed"] == 40 and nxt["pending"] == 0

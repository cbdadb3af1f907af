"""`lending clock advance`'s close of a day (the workflow started by date, waited for, its
summary said) against a Step Functions client that answers as the engine does, and `lending
cob show` over a moto table."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.cobdays.dynamo import DynamoCobDays
from lending_cli import clock, cob
from lending_cli.main import main as lending

D = date(2026, 3, 2)
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:weili-local-close-of-business"
REPAYMENTS = "arn:aws:states:us-east-1:123456789012:stateMachine:weili-local-repayment"
SUMMARY = {
    "businessDate": "2026-03-02",
    "processed": 2,
    "deferred": 5,
    "accruedInterestFen": 1234,
    "ordered": 1,
    "orderedFen": 50_000,
    "newlyOverdue": 1,
}


class FakeSfn:
    """describe_execution answers RUNNING twice, then `ends`; list_executions sees `debits`
    repayments running, one fewer each time asked."""

    class exceptions:
        class ExecutionAlreadyExists(Exception):
            pass

    def __init__(self, ends: dict[str, Any], exists: bool = False, debits: int = 2) -> None:
        self.ends, self.exists, self.debits = ends, exists, debits
        self.started: list[dict[str, Any]] = []
        self.polls = 0

    def start_execution(self, **kw: Any) -> dict[str, str]:
        self.started.append(kw)
        if self.exists:
            raise self.exceptions.ExecutionAlreadyExists()
        return {"executionArn": "arn:execution:" + kw["name"]}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.polls += 1
        if self.polls < 3:
            return {"executionArn": executionArn, "status": "RUNNING"}
        return {"executionArn": executionArn, **self.ends}

    def list_executions(self, **kw: Any) -> dict[str, Any]:
        assert kw["stateMachineArn"] == REPAYMENTS and kw["statusFilter"] == "RUNNING"
        self.debits = max(0, self.debits - 1)
        return {"executions": [{"name": f"auto-{i}"} for i in range(self.debits)]}


@pytest.fixture
def table(dynamodb_table):
    DynamoBusinessClock(dynamodb_table).set(D)
    return dynamodb_table


def local(table, sfn: FakeSfn) -> clock.LocalCloud:
    physical = {"CloseOfBusinessStateMachine": MACHINE, "RepaymentStateMachine": REPAYMENTS}
    return clock.LocalCloud.over(table, physical=physical, client=lambda service: sfn)


def test_a_day_is_closed_by_the_execution_named_by_its_date(table) -> None:
    sfn = FakeSfn({"status": "SUCCEEDED", "output": json.dumps(SUMMARY)})
    said: list[str] = []
    clock.close_business_day(D, local(table, sfn), said.append)
    # the date moved first, the execution is the day's, and the summary was said
    assert DynamoBusinessClock(table).today() == date(2026, 3, 3)
    assert sfn.started == [
        {
            "stateMachineArn": MACHINE,
            "name": "2026-03-02",
            "input": json.dumps({"businessDate": "2026-03-02"}),
        }
    ]
    assert sfn.debits == 0  # the morning's debits were waited for
    text = "\n".join(said)
    assert "2026-03-02 closed: 7 loans (2 posted, 5 quiet" in text
    assert "accrued ¥12.34 interest" in text and "newly overdue 1" in text


def test_a_day_started_before_is_waited_for_not_started_again(table) -> None:
    sfn = FakeSfn({"status": "SUCCEEDED", "output": json.dumps(SUMMARY)}, exists=True)
    said: list[str] = []
    clock.close_business_day(D, local(table, sfn), said.append)
    assert said and sfn.polls >= 3


def test_a_day_that_did_not_close_raises_naming_the_error(table) -> None:
    sfn = FakeSfn(
        {"status": "FAILED", "error": "CloseOfBusinessFailed", "cause": "recorded"}, debits=0
    )
    with pytest.raises(clock.DayNotClosed, match="2026-03-02 ended FAILED") as err:
        clock.close_business_day(D, local(table, sfn), print)
    assert "lending cob show 2026-03-02" in str(err.value)
    assert DynamoBusinessClock(table).today() == date(2026, 3, 3)  # the day has passed anyway


def test_cob_show_says_what_the_day_did(table, capsys, monkeypatch) -> None:
    days = DynamoCobDays(table)
    days.record_closed(D, SUMMARY, ("loan_x",), "t")
    days.record_not_closed(date(2026, 3, 3), "States.ExceedToleratedFailureThreshold", "6%", "t")
    assert cob.show(days, D) == 0
    out = capsys.readouterr().out
    assert "2026-03-02 closed: 7 loans" in out and "not closed: loan_x" in out
    assert cob.show(days, D, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["processed"] == 2
    assert cob.show(days, date(2026, 3, 3)) == 1
    assert "NOT_CLOSED: States.ExceedToleratedFailureThreshold" in capsys.readouterr().out
    assert cob.show(days, date(2026, 3, 9)) == 2
    assert "no close of business has run for 2026-03-09" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "20260302"])
def test_cob_show_refuses_a_bad_date(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        lending(["cob", "show", bad])
    assert stop.value.code == 2 and "is not a date" in capsys.readouterr().err

"""`lending clock show | set YYYY-MM-DD | advance DAYS`: the local cloud's business date.

The local cloud's functions read "today" from one item in the table (BUSINESS_CLOCK=table, see
chalicelib/clock.py); these commands move it. The clock only moves forward. `set` moves the date
and closes nothing; `advance` closes each day it passes, one `close_business_day` per day (the
close-of-business workflow on the engine, named by the date), with a progress bar and each
day's summary. Exit codes: 0 done, 2 refused (a bad date, bad days, a date going backwards:
nothing changed), 1 a close of business failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.businessclock.port import EarlierDateRefused, SettableClock

REFUSED = 2
FAILED = 1


class DayNotClosed(Exception):
    """The close of business of a day did not succeed; the message names the day and why."""


def business_date(text: str) -> date:
    """argparse type: an ISO date, with the reason when it is not one."""
    try:
        if len(text) != 10:
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write it as YYYY-MM-DD ({exc})"
        ) from None


def days(text: str) -> int:
    """argparse type: a whole number of days, zero or more."""
    if not text.isdigit() or not text.isascii():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days: a whole number, 0 or more"
        )
    return int(text)


@dataclass
class LocalCloud:
    """What the clock commands reach in the running local cloud."""

    table: Any
    clock: SettableClock
    # The resources `lending up` provisioned (logical id -> name or ARN), for the close of
    # business hook to find its state machine ("CloseOfBusinessStateMachine").
    physical: dict[str, str] = field(default_factory=dict)
    # A boto3 client for a service of the local cloud (`client("stepfunctions")`).
    client: Callable[[str], Any] | None = None

    @classmethod
    def over(cls, table: Any, **kw: Any) -> LocalCloud:
        return cls(table, DynamoBusinessClock(table), **kw)


def close_business_day(day: date, cloud: LocalCloud, say: Callable[[str], None]) -> None:
    """Close business day `day` on the local cloud: the hook `lending clock advance` calls once
    for each day it passes, in order. As on AWS:

    1. the business date moves to `day + 1` first (the scheduler starts the close of `day` after
       midnight: while it runs, the API already serves the new day);
    2. the close-of-business execution named `day.isoformat()` starts on the engine; a name used
       before means the day was started before: that execution is the one waited for;
    3. once it ends, the morning's auto-debits it started run to their end too (on AWS the
       night and the morning are hours apart; here the next day must not close before them);
    4. `say` prints the day's summary; DayNotClosed if the execution did not succeed
       (`advance` stops there and exits 1; `lending cob show DAY` keeps the error).
    """
    if cloud.client is None or "CloseOfBusinessStateMachine" not in cloud.physical:
        raise DayNotClosed(f"{day.isoformat()}: no local cloud to run the close of business on")
    cloud.clock.set(day + timedelta(days=1))
    sfn = cloud.client("stepfunctions")
    machine = cloud.physical["CloseOfBusinessStateMachine"]
    name = day.isoformat()
    try:
        arn = sfn.start_execution(
            stateMachineArn=machine, name=name, input=json.dumps({"businessDate": name})
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        arn = f"{machine.replace(':stateMachine:', ':execution:')}:{name}"
    execution = _wait(sfn, arn, EXECUTION_TIMEOUT_S)
    if execution["status"] != "SUCCEEDED":
        why = execution.get("error") or execution["status"]
        cause = execution.get("cause") or ""
        raise DayNotClosed(
            f"the close of business of {name} ended {execution['status']} ({why}) {cause}".strip()
            + f"; see `lending cob show {name}`"
        )
    running = _wait_for_debits(sfn, cloud.physical.get("RepaymentStateMachine"))
    from .cob import describe

    say(describe(json.loads(execution["output"])))
    if running:
        say(f"  {running} auto-debits still running (they end on their own)")


EXECUTION_TIMEOUT_S = 3600.0
DEBITS_TIMEOUT_S = 300.0


def _wait(sfn: Any, arn: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        d: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING" or time.monotonic() > deadline:
            return d
        time.sleep(delay)
        delay = min(0.25, delay * 1.5)


def _wait_for_debits(sfn: Any, repayment_machine: str | None) -> int:
    """Wait until no repayment execution runs (the debits the night started); how many still
    run when the wait gives up."""
    if repayment_machine is None:
        return 0
    deadline = time.monotonic() + DEBITS_TIMEOUT_S
    while True:
        running = sfn.list_executions(
            stateMachineArn=repayment_machine, statusFilter="RUNNING", maxResults=100
        )["executions"]
        if not running or time.monotonic() > deadline:
            return len(running)
        time.sleep(0.05)


CloseDay = Callable[[date, LocalCloud, Callable[[str], None]], None]


def advance(
    cloud: LocalCloud,
    n: int,
    *,
    close: CloseDay | None = None,
    progress: bool = True,
) -> date:
    """Close `n` business days one after another with `close` (by default the module's
    `close_business_day`, looked up when called); return the business date reached."""
    close = close or close_business_day
    start = cloud.clock.today()
    if n == 0:
        return start
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("closing {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task(start.isoformat(), total=n)
        for i in range(n):
            day = start + timedelta(days=i)
            bar.update(task, description=day.isoformat())
            close(day, cloud, bar.console.print)
            bar.advance(task)
    return cloud.clock.today()


def main(cloud: LocalCloud, action: str, value: Any = None, *, progress: bool = True) -> int:
    try:
        if action == "show":
            print(cloud.clock.today().isoformat())
        elif action == "set":
            before = cloud.clock.today()
            now = cloud.clock.set(value)
            print(
                f"business date {now.isoformat()}"
                + (f" (was {before.isoformat()}; no day was closed)" if now != before else "")
            )
        elif action == "advance":
            before = cloud.clock.today()
            try:
                now = advance(cloud, value, progress=progress)
            except DayNotClosed as exc:
                print(f"lending clock advance: {exc}", file=sys.stderr)
                return FAILED
            print(f"business date {now.isoformat()} ({(now - before).days} days closed)")
        else:
            raise ValueError(f"unknown clock action {action!r}")
    except EarlierDateRefused as exc:
        print(f"lending clock {action}: {exc.detail}", file=sys.stderr)
        return REFUSED
    return 0

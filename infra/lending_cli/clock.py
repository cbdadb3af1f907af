"""`lending clock show | set YYYY-MM-DD | advance DAYS`: the local cloud's business date.

The local cloud's functions read "today" from one item in the table (BUSINESS_CLOCK=table, see
chalicelib/clock.py); these commands move it. The clock only moves forward. `set` moves the date
and closes nothing; `advance` closes each day it passes, one `close_business_day` per day, with
a progress bar. Exit codes: 0 done, 2 refused (a bad date, bad days, a date going backwards:
nothing changed), 1 a close of business failed.
"""

from __future__ import annotations

import argparse
import sys
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
    for each day it passes, in order.

    TODAY it only ends the day: the business date moves from `day` to `day + 1`, and it says so.

    THE CLOSE OF BUSINESS REPLACES THE BODY (issue 11, section 1), keeping the signature:

        1. move the clock to `day + 1` first, as on AWS, where the scheduler starts the close of
           `day` after midnight: while it runs, the API already serves the new day;
        2. start the close-of-business execution named `day.isoformat()` on the engine
           (`cloud.client("stepfunctions").start_execution(stateMachineArn=
           cloud.physical["CloseOfBusinessStateMachine"], name=day.isoformat(), ...)`); a
           name already used means the day was started before: wait for that execution;
        3. wait for it to end (describe_execution until it is not RUNNING);
        4. `say` its summary (money/cob_summary: processed, accrued, billed, collected, failed,
           newly overdue, cured, written off);
        5. raise DayNotClosed if it did not succeed: `advance` stops there and exits 1 with
           the message.

    `say` prints above the progress bar; the clock refuses to move back, so a re-run of a day
    already closed moves nothing.
    """
    nxt = day + timedelta(days=1)
    cloud.clock.set(nxt)
    say(f"{day.isoformat()} closed (no close of business is wired yet); now {nxt.isoformat()}")


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

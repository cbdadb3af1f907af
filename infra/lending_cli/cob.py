"""`lending cob show DATE [--json]`: what the close of business did with a business date.

The day's record (cobdays/, written by the close-of-business workflow's last step or its
Record Failure): CLOSED with its summary, or NOT_CLOSED with the error. Exit codes: 0 the day is
closed, 1 it ran and did not close, 2 refused (a bad date, or a day no close of business ran for).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

from chalicelib.amounts import fen_to_yuan
from chalicelib.cobdays.port import CLOSED, CobDays

NOT_CLOSED_EXIT = 1
REFUSED = 2


def _yuan(fen: Any) -> str:
    return "¥" + fen_to_yuan(int(fen or 0))


def describe(summary: dict[str, Any]) -> str:
    """A day's summary (money/cob_summary, as the execution outputs it) in a few lines."""
    s = {k: v for k, v in summary.items()}
    n = lambda key: int(s.get(key, 0) or 0)  # noqa: E731
    loans = n("processed") + n("deferred") + n("alreadyClosed") + n("errors")
    lines = [
        f"{s.get('businessDate', '?')} closed: {loans} loans "
        f"({n('processed')} posted, {n('deferred')} quiet, {n('alreadyClosed')} closed already"
        + (f", {n('errors')} not closed" if n("errors") else "")
        + ")",
        f"  accrued {_yuan(s.get('accruedInterestFen'))} interest, "
        f"{_yuan(s.get('accruedPenaltyFen'))} penalty; billed {n('billed')} "
        f"({_yuan(s.get('billedFen'))}); debits ordered for tomorrow {n('ordered')} "
        f"({_yuan(s.get('orderedFen'))})",
        f"  today's debits: collected {n('collected')}, partial {n('partial')}, "
        f"failed {n('failed')}, still running {n('pending')} "
        f"({_yuan(s.get('collectedFen'))} taken)",
        f"  newly overdue {n('newlyOverdue')}, cured {n('cured')}, closed {n('closed')}, "
        f"written off {n('writtenOff')} ({_yuan(s.get('writtenOffFen'))})",
    ]
    if "linesFrozen" in s:  # days closed before lines were served have no line counts
        lines.append(
            f"  lines: served {n('linesServed')}, frozen {n('linesFrozen')}, "
            f"thawed {n('linesThawed')}, reviewed {n('linesReviewed')} "
            f"(raised {n('limitsRaised')}, lowered {n('limitsLowered')})"
        )
    if n("failedBatches") or n("loansNotClosed"):
        lines.append(
            f"  {n('failedBatches')} batches failed; {n('loansNotClosed')} loans not closed "
            "(the next night catches them up; `lending cob show` lists them)"
        )
    return "\n".join(lines)


def show(days: CobDays, day: date, as_json: bool = False) -> int:
    record = days.get(day)
    if record is None:
        print(
            f"lending cob show: no close of business has run for {day.isoformat()} "
            "(`lending clock advance` closes the days it passes)",
            file=sys.stderr,
        )
        return REFUSED
    if as_json:
        print(json.dumps(record.as_json(), indent=2, ensure_ascii=False))
    elif record.status == CLOSED:
        print(describe(record.summary))
        if record.failed_loans:
            print("  not closed: " + ", ".join(record.failed_loans))
    else:
        print(f"{day.isoformat()} NOT_CLOSED: {record.error}")
        if record.cause:
            print(f"  {record.cause}")
    return 0 if record.status == CLOSED else NOT_CLOSED_EXIT

"""Write Work List: the day's open loans, and the lines it serves (frozen, or due for review),
each as one JSON list of ids in the bucket, for the Distributed Maps' ItemReaders (they batch
them: ItemBatcher, 500 a child).

A plain list, not batches made here, so the same file and ASL run on AWS and on the local
engine (which batches as AWS does: localcloud/distributed_map.py). Sorted, so a re-run of the
day cuts the same batches. Loans disbursed after the list is written are closed the next
night, with the days they missed (`close_through` catches up). Review dates are read a week
back (REVIEW_CATCH_UP) when the night before did not close every line (it failed, or a lines
batch did), so its reviews are done by this one; after a clean night only the next morning's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..cobdays.port import CLOSED, CobDays
from ..lines.port import CreditLines
from ..loans.port import Loans
from .handoffs import Day, WorkList
from .port import WorkFiles

WORK_LIST = "work-list.json"
RESULTS = "results"
LINES_LIST = "lines.json"
LINE_RESULTS = "line-results"
REVIEW_CATCH_UP = timedelta(days=7)


def day_prefix(prefix: str, day: date) -> str:
    """Where a business date's files live: `{prefix}{yyyy-mm-dd}/`."""
    return f"{prefix}{day.isoformat()}/"


@dataclass
class WriteWorkList:
    loans: Loans
    lines: CreditLines
    files: WorkFiles
    days: CobDays
    prefix: str  # CLOSE_OF_BUSINESS_PREFIX, e.g. "close-of-business/"

    def __call__(self, state: Day) -> WorkList:
        day = state.day()
        loan_ids = sorted(self.loans.open_loan_ids())
        morning = day + timedelta(days=1)  # lines are served as of the next morning
        user_ids = self.lines.lines_to_close(morning, since=self._reviews_since(day, morning))
        base = day_prefix(self.prefix, day)
        self.files.put_json(base + WORK_LIST, loan_ids)
        self.files.put_json(base + LINES_LIST, user_ids)
        return WorkList(
            bucket=self.files.bucket,
            key=base + WORK_LIST,
            resultsPrefix=base + RESULTS,
            loans=len(loan_ids),
            linesKey=base + LINES_LIST,
            linesResultsPrefix=base + LINE_RESULTS,
            lines=len(user_ids),
        )

    def _reviews_since(self, day: date, morning: date) -> date:
        before = self.days.get(day - timedelta(days=1))
        clean = (
            before is not None
            and before.status == CLOSED
            and not before.summary.get("linesNotClosed", 0)
        )
        return morning if clean else morning - REVIEW_CATCH_UP

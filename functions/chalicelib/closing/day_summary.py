"""Write Day Summary: the day's summary from the Maps' result files (loans, then lines),
recorded as the day CLOSED (cobdays/), and the execution's output.

ResultWriter leaves a manifest listing SUCCEEDED, FAILED and PENDING files; each holds one entry
per child (its batch as `Input`, its answer as `Output`, or its `Error` and `Cause`). The
succeeded children's counts add up (money/cob_summary: in any order, a retried child counted
once); the loans of a failed or never-run batch are not closed tonight (the next night catches
them up, `close_through`), and are listed with those a child could not close.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..cobdays.port import CobDays
from ..money.cob_summary import CobSummary
from .handoffs import LinesClosed, ResultFiles, Results
from .port import WorkFiles

LINE_COUNTS = (
    "linesServed",
    "linesFrozen",
    "linesThawed",
    "linesReviewed",
    "limitsRaised",
    "limitsLowered",
)
FOLLOWED = ("linesFrozen", "linesThawed")


@dataclass
class WriteDaySummary:
    files: WorkFiles
    days: CobDays
    now: Callable[[], str]

    def __call__(self, state: Results) -> dict[str, Any]:
        day = state.day()
        total = CobSummary()
        not_closed: list[str] = []
        failed_batches = 0
        followed = dict.fromkeys(FOLLOWED, 0)  # lines the loans' close froze or thawed
        for out, batch in self._children(state.results):
            if out is not None:
                total += CobSummary.from_dict(out)
                not_closed += out.get("failedLoans", [])
                for k in FOLLOWED:
                    followed[k] += int(out.get(k, 0))
            else:
                failed_batches += 1
                not_closed += batch
        lines = self._lines(state.lineResults) if state.lineResults is not None else {}
        for k in FOLLOWED:
            lines[k] = lines.get(k, 0) + followed[k]
        summary = {
            "businessDate": day.isoformat(),
            **total.as_dict(),
            "failedBatches": failed_batches,
            "loansNotClosed": len(not_closed),
            **lines,
        }
        self.days.record_closed(day, summary, tuple(not_closed), self.now())
        return summary

    def _lines(self, results: ResultFiles) -> dict[str, int]:
        """The lines' Map: counts added up; a line not closed (a failed batch, or one its child
        could not close) is counted, and is served again by the next night (still frozen, or
        its review date within the catch-up week)."""
        total = dict.fromkeys(LINE_COUNTS, 0)
        not_closed = 0
        for out, batch in self._children(results):
            if out is not None:
                closed = LinesClosed.model_validate(out)
                for k in LINE_COUNTS:
                    total[k] += getattr(closed, k)
                not_closed += len(closed.failedLines)
            else:
                not_closed += len(batch)
        return {**total, "linesNotClosed": not_closed}

    def _children(self, results: ResultFiles) -> Iterator[tuple[dict[str, Any] | None, list[str]]]:
        """Each child of a Map from its result files: (its answer, its batch); the answer is
        None for a child that FAILED or was left PENDING."""
        if results.Bucket != self.files.bucket:
            raise ValueError(f"the Map's results are in {results.Bucket}, not our bucket")
        listed = self.files.get_json(results.Key).get("ResultFiles", {})
        for status in ("SUCCEEDED", "FAILED", "PENDING"):
            for f in listed.get(status, []):
                for child in self.files.get_json(f["Key"]):
                    if status == "SUCCEEDED":
                        yield json.loads(child["Output"]), []
                    else:
                        yield None, json.loads(child["Input"]).get("Items", [])

"""Closed business days: what the close of business did with each day, for `lending cob show`
and for an operator. One record per business date (PK `COB#{yyyy-mm-dd}`, SK `DAY`).

- record_closed(day, summary, failed_loans, at) -> ClosedDay: the day CLOSED, with the summary
  the COB execution outputs (counts and fen, money/cob_summary) and the ids of the loans it
  could not close (at most MAX_FAILED_IDS kept). A re-run that closes the day replaces an
  earlier NOT_CLOSED.
- record_not_closed(day, error, cause, at) -> ClosedDay: the day NOT_CLOSED with the error
  (the Step Functions error name and its cause, cut to MAX_CAUSE characters). Never replaces a
  CLOSED day: the record then stays as it is and is returned.
- get(day) -> ClosedDay | None: None for a day never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

CLOSED, NOT_CLOSED = "CLOSED", "NOT_CLOSED"
MAX_FAILED_IDS = 100
MAX_CAUSE = 1_000


@dataclass(frozen=True)
class ClosedDay:
    day: date
    status: str
    updated_at: str
    summary: dict[str, Any] = field(default_factory=dict)
    failed_loans: tuple[str, ...] = ()
    error: str | None = None
    cause: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "businessDate": self.day.isoformat(),
            "status": self.status,
            "updatedAt": self.updated_at,
        }
        if self.status == CLOSED:
            out["summary"] = self.summary
            out["failedLoans"] = list(self.failed_loans)
        else:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


class CobDays(Protocol):
    def record_closed(
        self, day: date, summary: dict[str, Any], failed_loans: tuple[str, ...], at: str
    ) -> ClosedDay: ...

    def record_not_closed(self, day: date, error: str, cause: str, at: str) -> ClosedDay: ...

    def get(self, day: date) -> ClosedDay | None: ...

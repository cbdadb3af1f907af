"""What the drift check reads and writes: the inputs scored on given days, and its reports.

Scored inputs are not a store of their own: each application's recorded score (applications/,
step `score`) keeps the features the model saw, indexed by the day it was scored, so the
audit trail and the drift check read one record, written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol


class ScoredInputs(Protocol):
    def since(self, first_day: dt.date, last_day: dt.date) -> Iterator[dict[str, Any]]:
        """The feature mappings scored on each day from first_day to last_day, inclusive."""
        ...

    def save_report(self, day: dt.date, window_days: int, report: dict[str, Any]) -> None:
        """Keep the day's drift report (a repeat for the same day replaces it)."""
        ...

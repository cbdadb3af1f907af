"""Record Failure: every failure of the close-of-business workflow ends here, the day recorded
NOT_CLOSED with the error's name and cause (cobdays/). The loans a failed night did not close are
caught up by the next night; `lending cob show DATE` tells an operator what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..cobdays.port import CobDays
from .handoffs import Failure


@dataclass
class RecordFailure:
    days: CobDays
    now: Callable[[], str]

    def __call__(self, state: Failure) -> dict[str, Any]:
        recorded = self.days.record_not_closed(
            state.day(), state.error_name(), state.cause(), self.now()
        )
        return {"status": recorded.status, "error": recorded.error}

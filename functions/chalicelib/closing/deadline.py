"""The close of business's deadline: by 06:00 in Asia/Shanghai the day that ended at midnight
is closed. A second schedule (infra/resources.yaml) calls `check_close_of_business` then; it
reads the day's record (cobdays/) and, unless the day is CLOSED, writes one
`close_of_business_late` log line, which a metric filter counts into the alarm
(docs/deploy.md, "Alarms"). The nightly start runs at 00:30, so a close still running at 06:00
has taken five and a half hours, or never started, or failed: either way an operator looks.

The day is read from the schedule's own time, as the starter reads it (starter.py), so a
delivery retried late checks the right day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..cobdays.port import CLOSED, CobDays
from .starter import day_to_close

log = logging.getLogger(__name__)

NEVER_RUN = "NEVER_RUN"


@dataclass
class CheckCloseOfBusiness:
    days: CobDays
    today: Callable[[], date]

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        day = day_to_close(event.get("scheduledTime"), self.today)
        record = self.days.get(day)
        status = record.status if record is not None else NEVER_RUN
        late = status != CLOSED
        if late:
            # Ids and codes only; the keys are the metric filter's and the log's correlation.
            log.error(
                "the close of business of %s is not done by the deadline (%s)",
                day.isoformat(),
                status,
                extra={
                    "close_of_business_late": 1,
                    "business_date": day.isoformat(),
                    "correlation_id": day.isoformat(),
                },
            )
        return {"businessDate": day.isoformat(), "status": status, "late": late}

"""The nightly start: EventBridge Scheduler (cron in Asia/Shanghai, infra/resources.yaml) calls
`start_close_of_business` a little after midnight; it starts the close-of-business execution
named by the business date that just ended, so a second start of the same day (a retried
delivery, an operator) is refused by Step Functions itself and is no error here.

The day is read from the schedule's own time (`<aws.scheduler.scheduled-time>`), not from the
clock when the call arrives, so a delivery retried an hour late still closes the right day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..workflows.port import Workflows

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")


def day_to_close(scheduled_time: str | None, today: Callable[[], date]) -> date:
    """The business date that ended before `scheduled_time` (ISO 8601, UTC from the scheduler),
    or before today's business date when no time is given (a manual start)."""
    if not scheduled_time:
        return today() - timedelta(days=1)
    at = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"scheduledTime {scheduled_time!r} has no time zone")
    return at.astimezone(BUSINESS_ZONE).date() - timedelta(days=1)


@dataclass
class StartCloseOfBusiness:
    workflows: Workflows
    state_machine_arn: str
    today: Callable[[], date]

    def __call__(self, event: dict[str, Any]) -> dict[str, str]:
        day = day_to_close(event.get("scheduledTime"), self.today).isoformat()
        arn = self.workflows.start(self.state_machine_arn, day, {"businessDate": day})
        return {"businessDate": day, "executionArn": arn}

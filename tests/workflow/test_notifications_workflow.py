"""The borrower told, in a whole local cloud: a repayment's 'collected' reaches the inbox and,
through the notifications bus the template declares, the developer's event log."""

from __future__ import annotations

import time
from typing import Any

import pytest

from localcloud.client import RemoteCloud
from localcloud.event_log import read_events
from tests.workflow.test_money_workflow import draw, open_line, post, states_entered, wait

pytestmark = pytest.mark.slow


def _events_for(cloud: RemoteCloud, key: str, timeout: float = 10) -> list[dict[str, Any]]:
    logs = cloud.boto3("logs")
    deadline = time.monotonic() + timeout
    while True:
        found = [e for _, e in read_events(logs) if e["detail"].get("key") == key]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_repayment_is_in_the_inbox_and_on_the_bus_once(cloud: RemoteCloud) -> None:
    user = "wf-notify-1"
    open_line(cloud, user, 1_000_000)
    loan_id = draw(cloud, user, "2000.00").json()["loanId"]
    assert wait(cloud, user, f"/v1/loans/{loan_id}")["status"] == "ACTIVE"
    rep_id = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": "500.00"}).json()[
        "repaymentId"
    ]
    assert wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rep_id}")["status"] == "SUCCEEDED"
    assert states_entered(cloud, "RepaymentStateMachine", rep_id)[-2:] == [
        "Restore Line",
        "Notify Borrower",
    ]
    body = cloud.call("GET", "/v1/notifications?limit=5", user).json()
    (n,) = body["notifications"]
    assert (n["kind"], n["repaymentId"], n["collected"]) == ("COLLECTED", rep_id, "500.00")
    assert body["nextCursor"] is None
    (event,) = _events_for(cloud, n["notificationId"])
    assert event["source"] == "weili.notifications"
    assert event["detail-type"] == "Collection Succeeded"
    assert event["detail"] == {
        "key": n["notificationId"],
        "kind": "COLLECTED",
        "userId": user,
        "on": n["date"],
        "subject": rep_id,
        "loanId": loan_id,
        "collectedFen": 50_000,
    }
    assert cloud.info["physical"]["NotificationsBus"].endswith(
        ":event-bus/weili-local-notifications"
    )

"""`lending events tail` over moto: the local cloud's rule copies every event on the bus into
a log group, and tail prints them oldest first, one line each (or whole, as JSON)."""

from __future__ import annotations

import io
import json
from datetime import date

import boto3

from chalicelib.money.notifications import DUE_TODAY, Notification, repayment_notifications
from chalicelib.notifications.eventbridge import EventBridgePublisher
from lending_cli.events import tail
from localcloud.event_log import create_sink

BUS = "weili-local-notifications"
DAY = date(2026, 4, 2)


def test_tail_prints_each_event_on_the_bus(moto_aws: None) -> None:
    session = boto3.session.Session(region_name="us-east-1")
    session.client("events").create_event_bus(Name=BUS)
    create_sink(session, BUS)
    publisher = EventBridgePublisher(session.client("events"), BUS)
    due = Notification(DUE_TODAY, "u1", DAY, "loan_1", {"dueDate": "2026-04-02", "amountFen": 500})
    assert (
        publisher.publish_events(
            [due, *repayment_notifications("u1", "loan_1", "rep_1", DAY, 500, 500)]
        )
        == []
    )
    logs = session.client("logs")
    out = io.StringIO()
    assert tail(logs, follow=False, as_json=False, out=out) == 0
    # one line each (two put in the same millisecond may print in either order)
    due_line, paid_line = sorted(out.getvalue().splitlines(), key=lambda x: "Collection" in x)
    assert "Installment Due Today" in due_line and "DUE_TODAY:loan_1:2026-04-02" in due_line
    assert "amountFen=500" in due_line and "userId=u1" in due_line
    assert "Collection Succeeded" in paid_line and "collectedFen=500" in paid_line
    out = io.StringIO()
    tail(logs, follow=False, as_json=True, out=out)
    events = [json.loads(x) for x in out.getvalue().splitlines()]
    assert sorted(e["detail"]["kind"] for e in events) == ["COLLECTED", "DUE_TODAY"]

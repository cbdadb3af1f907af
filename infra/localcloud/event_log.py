"""Where a developer sees the event bus on a laptop: a rule of the local cloud's own (not in
the template: on AWS, subscribers bring their rules) sends every event on the notifications
bus to a CloudWatch Logs group in moto; `lending events tail` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .provision import ACCOUNT, REGION

LOG_GROUP = "/weili-local/events"
RULE = "weili-local-events-to-log"


def create_sink(session: Any, bus_name: str) -> str:
    """The log group and the rule that fills it; returns the group's name."""
    logs = session.client("logs")
    events = session.client("events")
    logs.create_log_group(logGroupName=LOG_GROUP)
    events.put_rule(
        Name=RULE,
        EventBusName=bus_name,
        EventPattern=json.dumps({"account": [ACCOUNT]}),  # everything on this bus
        State="ENABLED",
    )
    events.put_targets(
        Rule=RULE,
        EventBusName=bus_name,
        Targets=[{"Id": "log", "Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}"}],
    )
    return LOG_GROUP


def read_events(logs: Any, since_ms: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(timestamp in ms, the event as EventBridge delivered it), oldest first, from `since_ms`."""
    kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "startTime": since_ms}
    found: list[tuple[int, dict[str, Any]]] = []
    while True:
        page = logs.filter_log_events(**kwargs)
        found += [(int(e["timestamp"]), json.loads(e["message"])) for e in page["events"]]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    # One log stream per event in moto: order them here.
    yield from sorted(found, key=lambda te: te[0])


def one_line(event: dict[str, Any]) -> str:
    """`detail-type  key  field=value ...`: what a developer scans for."""
    d = dict(event.get("detail") or {})
    key = d.pop("key", "")
    for gone in ("kind", "on", "subject"):
        d.pop(gone, None)
    rest = " ".join(f"{k}={v}" for k, v in d.items())
    return f"{event.get('detail-type', '?'):<24} {key}  {rest}".rstrip()

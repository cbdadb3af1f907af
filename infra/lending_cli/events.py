"""`lending events tail [--follow] [--json]`: the events on the running local cloud's
notifications bus (what SMS and push would receive), oldest first."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from localcloud.event_log import one_line, read_events

from . import state


def _logs_client() -> Any:
    import boto3

    s = state.load()
    return boto3.client(
        "logs",
        endpoint_url=s["awsEndpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def tail(logs: Any, *, follow: bool, as_json: bool, poll_s: float = 1.0, out: Any = None) -> int:
    out = out or sys.stdout
    since = 0
    printed: set[str] = set()  # ids of events logged at `since`: read again, not printed again
    while True:
        for ts, event in read_events(logs, since):
            if event.get("id") in printed:
                continue
            when = time.strftime("%H:%M:%S", time.localtime(ts / 1000))
            out.write((json.dumps(event) if as_json else f"{when}  {one_line(event)}") + "\n")
            if ts > since:
                since, printed = ts, set()
            printed.add(str(event.get("id")))
        out.flush()
        if not follow:
            return 0
        time.sleep(poll_s)


def main(follow: bool, as_json: bool) -> int:
    try:
        return tail(_logs_client(), follow=follow, as_json=as_json)
    except KeyboardInterrupt:
        return 0

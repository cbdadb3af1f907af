"""Lambda handlers for tests/localcloud/test_lambda_pool.py, loaded by handler string in a
container process as Lambda loads a function's handler."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import boto3


class InsufficientFunds(Exception):
    pass


def where(event: Any, context: Any) -> dict[str, Any]:
    time.sleep(float(event.get("sleep", 0)))
    return {"pid": os.getpid(), "event": event, "function": context.function_name}


def refuse(event: Any, context: Any) -> None:
    raise InsufficientFunds(f"account {event['account']} holds less than asked")


def die(event: Any, context: Any) -> None:
    table = boto3.resource("dynamodb").Table(event["table"])
    table.put_item(Item={"PK": "written-before-dying", "SK": "X"})
    os._exit(3)  # the runtime exits mid-invocation, as a crashed Lambda runtime does


def write_and_read(event: Any, context: Any) -> dict[str, Any]:
    """Writes through the parent's moto, then reads back from threads sharing the socket."""
    table = boto3.resource("dynamodb").Table(event["table"])
    for i in range(event["items"]):
        table.put_item(Item={"PK": f"item-{i}", "SK": "X", "n": i})
    seen: list[int] = []
    lock = threading.Lock()

    def read(start: int) -> None:
        for i in range(start, event["items"], 4):
            got = table.get_item(Key={"PK": f"item-{i}", "SK": "X"})["Item"]
            with lock:
                seen.append(int(got["n"]))

    threads = [threading.Thread(target=read, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seen": sorted(seen), "pid": os.getpid()}

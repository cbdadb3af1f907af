"""Structured JSON logs (Powertools Logger) carrying correlation ids, never personal data.

Every line an invocation writes, through any `chalicelib.*` or `weili` logger, is one JSON
object with the function's name, the Lambda request id, the X-Ray trace id and the ids its
event names: the workflow execution's name (executions are named after the application,
loan or repayment they decide, and the close of business after the date it closes, so
`correlation_id` is that id or date), the document of an upload, the API Gateway request id.
Only these id fields are read from an event, and only values shaped like ids, so a name, an ID
number or a phone number cannot reach a log through them.

A money step that ends STUCK (money moved, booking failed: an operator must settle it) also
writes one `money_item_stuck` line, which a metric filter counts into the STUCK alarm
(docs/deploy.md#alarms).

No chalice here: the OCR image (chalicelib/ocr_entry.py) has none. Chalice's events are read
by chalicelib/api/middleware.py.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

# Event field -> log key. Step payloads carry these ids (statemachines/*.asl.json).
ID_FIELDS = {
    "applicationId": "application_id",
    "loanId": "loan_id",
    "repaymentId": "repayment_id",
    "documentId": "document_id",
    # The close of business: its execution is named by the business date it closes.
    "businessDate": "business_date",
}
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STUCK = "STUCK"
_cold = True
_cold_lock = threading.Lock()


@functools.cache
def logger() -> Any:
    """The Powertools Logger, configured once per container; our stdlib loggers write through it."""
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

    # Named "weili", app.py's logger, not after the chalice app ("weili-lending"), whose logger
    # chalice gives a plain-text handler of its own.
    log = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "weili"))
    logging.getLogger("chalicelib")  # exists now, so its children (made later, lazily) inherit
    copy_config_to_registered_loggers(source_logger=log, include={"chalicelib"})
    return log


def id_like(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_ID.match(value))


def correlation_keys(ids: Mapping[str, Any]) -> dict[str, str]:
    """The id-shaped values of the known id fields, and the execution name among them."""
    keys: dict[str, str] = {}
    for field, key in ID_FIELDS.items():
        for name in (field, key):
            value = ids.get(name)
            if id_like(value):
                keys[key] = value
    # A step's execution is named after the most specific subject it carries.
    for key in ("repayment_id", "loan_id", "application_id", "document_id", "business_date"):
        if key in keys:
            keys["correlation_id"] = keys[key]
            break
    return keys


def lambda_keys(context: Any) -> dict[str, str]:
    """The function's name and request id from Lambda's context, and whether it is cold."""
    global _cold
    with _cold_lock:
        keys = {"cold_start": str(_cold).lower()}
        _cold = False
    for attr, key in (
        ("function_name", "function_name"),
        ("aws_request_id", "function_request_id"),
    ):
        value = getattr(context, attr, None)
        if isinstance(value, str):
            keys[key] = value
    return keys


def run_logged(keys: dict[str, str], call: Callable[[], Any]) -> Any:
    """Run one invocation with `keys` on every log line it writes."""
    log = logger()
    log.thread_safe_append_keys(**keys)
    try:
        result = call()
    finally:
        log.thread_safe_clear_keys()
    if isinstance(result, dict) and result.get("status") == STUCK:
        log.error(
            "money item STUCK: the money moved but was not booked; an operator must settle it",
            extra={"money_item_stuck": 1, **keys},
        )
    return result


Handler = Callable[[dict[str, Any], Any], Any]


def logged(ids_of: Callable[[dict[str, Any]], Mapping[str, Any]]) -> Callable[[Handler], Handler]:
    """The same for a plain Lambda handler (the OCR image has no chalice)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(event: dict[str, Any], context: Any) -> Any:
            keys = {**lambda_keys(context), **correlation_keys(ids_of(event))}
            return run_logged(keys, lambda: handler(event, context))

        return wrapped

    return decorate

"""AWS clients for the adapters: one boto3 session per container, clients built on first use.

The one module besides the adapters that imports boto3 (import-linter checks it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from .errors import StoreBusy


class Clients:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name

    @cached_property
    def _session(self) -> Any:
        return boto3.session.Session()

    @cached_property
    def table(self) -> Any:
        """The lending table as a boto3 resource: its client speaks plain Python values. Answers
        that mean "not now" raise StoreBusy (see `raise_store_busy`)."""
        table = self._session.resource("dynamodb").Table(self._table_name)
        table.meta.client.meta.events.register("after-call.dynamodb", raise_store_busy)
        return table

    @cached_property
    def s3(self) -> Any:
        return self._session.client("s3", config=Config(signature_version="s3v4"))

    @cached_property
    def sfn(self) -> Any:
        return self._session.client("stepfunctions")

    @cached_property
    def ssm(self) -> Any:
        return self._session.client("ssm")

    @cached_property
    def events(self) -> Any:
        return self._session.client("events")


# What DynamoDB answers when it cannot take a request just now, once the SDK's own retries gave
# up: throttled, the item held by a transaction, or an error on its side (a 500 whose write may
# have landed). No adapter can do better than try again, and every workflow step and API request
# is idempotent, so they all become StoreBusy: the ASL retries it, the API answers 503.
STORE_BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def raise_store_busy(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `after-call` handler: StoreBusy instead of an error the caller cannot act on.
    A TransactionCanceledException stays as it is: its reasons say which item refused, and the
    adapters read them (`cancellation_codes`)."""
    if http_response.status_code < 300:
        return
    code = parsed.get("Error", {}).get("Code", "")
    if code in STORE_BUSY_CODES:
        raise StoreBusy(f"DynamoDB {model.name}: {code}")


# A transaction DynamoDB cancels for these reasons wrote nothing and would succeed if tried again
# (a concurrent transaction on the same item, throttling); anything else is a real refusal.
RETRYABLE_CANCELLATIONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def cancellation_codes(exc: Exception) -> list[str]:
    """The per-item reasons of a TransactionCanceledException ("None" where an item was fine)."""
    response = getattr(exc, "response", {}) or {}
    return [r.get("Code", "None") for r in response.get("CancellationReasons", [])]


def retryable(codes: list[str]) -> bool:
    return any(code in RETRYABLE_CANCELLATIONS for code in codes)

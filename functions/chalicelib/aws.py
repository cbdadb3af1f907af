"""AWS clients for the adapters: one boto3 session per container, clients built on first use.

The one module besides the adapters that imports boto3 (import-linter checks it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config


class Clients:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name

    @cached_property
    def _session(self) -> Any:
        return boto3.session.Session()

    @cached_property
    def table(self) -> Any:
        """The lending table as a boto3 resource: its client speaks plain Python values."""
        return self._session.resource("dynamodb").Table(self._table_name)

    @cached_property
    def s3(self) -> Any:
        return self._session.client("s3", config=Config(signature_version="s3v4"))

    @cached_property
    def sfn(self) -> Any:
        return self._session.client("stepfunctions")

    @cached_property
    def events(self) -> Any:
        return self._session.client("events")


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

"""Notifications onto an EventBridge bus: PutEvents, 10 entries a call, entries the bus
refused retried (bounded); the rest are handed back unpublished, for a later run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..money.notifications import Notification
from .events import MAX_ENTRIES, event_entry

log = logging.getLogger(__name__)

ATTEMPTS = 3  # per entry: the first put and two retries of what the bus refused
BACKOFF_SECONDS = 0.2  # doubled after each attempt; botocore retries whole-call throttling itself


class EventBridgePublisher:
    def __init__(
        self,
        client: Any,
        bus_name: str,
        *,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._bus = bus_name
        self._attempts = attempts
        self._sleep = sleep

    def publish_events(self, notifications: list[Notification]) -> list[Notification]:
        failed: list[Notification] = []
        for start in range(0, len(notifications), MAX_ENTRIES):
            failed += self._put(notifications[start : start + MAX_ENTRIES])
        return failed

    def _put(self, batch: list[Notification]) -> list[Notification]:
        pending = batch
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                answer = self._client.put_events(
                    Entries=[event_entry(n, self._bus) for n in pending]
                )
            except (ClientError, BotoCoreError) as exc:
                # The whole call failed (after botocore's own retries): the bus is missing,
                # access is denied, the network or the service is down. Nothing was taken.
                code = (
                    exc.response.get("Error", {}).get("Code")
                    if isinstance(exc, ClientError)
                    else type(exc).__name__
                )
                log.warning("PutEvents failed for %d notifications: %s", len(pending), code)
                return pending
            if not answer.get("FailedEntryCount"):
                return []
            # Entries answer in request order; a refused one carries an ErrorCode.
            refused = [
                n for n, e in zip(pending, answer["Entries"], strict=True) if "ErrorCode" in e
            ]
            codes = sorted({e["ErrorCode"] for e in answer["Entries"] if "ErrorCode" in e})
            log.warning(
                "EventBridge refused %d of %d entries: %s", len(refused), len(pending), codes
            )
            pending = refused
        return pending

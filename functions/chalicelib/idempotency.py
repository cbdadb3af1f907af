"""`Idempotency-Key`: a repeated request returns the first response, never a second effect.

Record: IDEM#{userId}#{key} / IDEM, with a hash of the request body and, once the request
completed, its response; expires after 24 h (TTL attribute `expiresAt`). The first
writer wins a conditional put; a concurrent duplicate gets 409 and may retry.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import Conflict, Unprocessable

TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def request_hash(route: str, body: bytes) -> str:
    return hashlib.sha256(route.encode() + b"\n" + body).hexdigest()


class IdempotencyStore(Protocol):
    def begin(self, user_id: str, key: str, req_hash: str) -> StoredResponse | None:
        """Claim the key. Returns the stored response if the request already completed."""

    def complete(self, user_id: str, key: str, response: StoredResponse) -> None: ...

    def abandon(self, user_id: str, key: str) -> None:
        """Release a claim whose request failed, so the client can retry with the same key."""


def _decide(existing: dict[str, Any], req_hash: str) -> StoredResponse:
    if existing.get("requestHash") != req_hash:
        raise Unprocessable(
            "Idempotency-Key was already used with a different request", field="Idempotency-Key"
        )
    if existing.get("state") != "COMPLETED":
        raise Conflict(
            "a request with this Idempotency-Key is still in progress; retry shortly",
            field="Idempotency-Key",
        )
    return StoredResponse(int(existing["status"]), json.loads(existing["body"]))


class DynamoIdempotencyStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def _key(user_id: str, key: str) -> dict[str, str]:
        return {"PK": f"IDEM#{user_id}#{key}", "SK": "IDEM"}

    def begin(self, user_id: str, key: str, req_hash: str) -> StoredResponse | None:
        for _ in range(3):
            claimed, existing = self._claim(user_id, key, req_hash)
            if claimed:
                return None
            if existing:
                return _decide(existing, req_hash)
            # The holder abandoned the key between our failed claim and our read: claim again.
        raise Conflict(
            "a request with this Idempotency-Key is still in progress; retry shortly",
            field="Idempotency-Key",
        )

    def _claim(self, user_id: str, key: str, req_hash: str) -> tuple[bool, dict[str, Any]]:
        client = self._table.meta.client
        try:
            self._table.put_item(
                Item={
                    **self._key(user_id, key),
                    "requestHash": req_hash,
                    "state": "IN_PROGRESS",
                    "expiresAt": int(time.time()) + TTL_SECONDS,
                },
                # An expired record that TTL has not swept yet counts as absent.
                ConditionExpression="attribute_not_exists(#pk) OR #exp < :now",
                ExpressionAttributeNames={"#pk": "PK", "#exp": "expiresAt"},
                ExpressionAttributeValues={":now": int(time.time())},
            )
            return True, {}
        except client.exceptions.ConditionalCheckFailedException:
            return False, self._table.get_item(
                Key=self._key(user_id, key), ConsistentRead=True
            ).get("Item") or {}

    def complete(self, user_id: str, key: str, response: StoredResponse) -> None:
        self._table.update_item(
            Key=self._key(user_id, key),
            UpdateExpression="SET #state = :done, #status = :status, #body = :body",
            ExpressionAttributeNames={"#state": "state", "#status": "status", "#body": "body"},
            ExpressionAttributeValues={
                ":done": "COMPLETED",
                ":status": response.status,
                ":body": json.dumps(response.body),
            },
        )

    def abandon(self, user_id: str, key: str) -> None:
        self._table.delete_item(
            Key=self._key(user_id, key),
            ConditionExpression="#state = :ip",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":ip": "IN_PROGRESS"},
        )


class InMemoryIdempotencyStore:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def begin(self, user_id: str, key: str, req_hash: str) -> StoredResponse | None:
        with self._lock:
            existing = self._items.get((user_id, key))
            if existing is None:
                self._items[(user_id, key)] = {"requestHash": req_hash, "state": "IN_PROGRESS"}
                return None
        return _decide(existing, req_hash)

    def complete(self, user_id: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            self._items[(user_id, key)].update(
                state="COMPLETED", status=response.status, body=json.dumps(response.body)
            )

    def abandon(self, user_id: str, key: str) -> None:
        with self._lock:
            if self._items.get((user_id, key), {}).get("state") == "IN_PROGRESS":
                del self._items[(user_id, key)]

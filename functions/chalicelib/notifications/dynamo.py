"""Notifications in the lending table (see records.py for the items)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from ..money.notifications import Notification
from .port import Page, StoredNotification
from .records import (
    inbox_request,
    mark_published_request,
    put_request,
    stored_from_item,
    unpublished_request,
)

_deserialize = TypeDeserializer()
_BATCH_GET = 100  # BatchGetItem's limit


class DynamoNotificationStore:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def add(self, n: Notification, at: str) -> tuple[StoredNotification, bool]:
        try:
            self._client.put_item(**put_request(self._table.name, n, at))
            return StoredNotification(n, at), True
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            # The stored item comes back with the refusal (in the wire format: error bodies
            # skip the resource's type conversion), so a re-run needs no second read.
            wire = exc.response["Item"]
            item = {k: _deserialize.deserialize(v) for k, v in wire.items()}
            return stored_from_item(item), False

    def mark_published(self, n: Notification, at: str) -> None:
        try:
            self._client.update_item(**mark_published_request(self._table.name, n, at))
        except self._client.exceptions.ConditionalCheckFailedException:
            pass  # published already (the first time counts)

    def unpublished(self, limit: int) -> list[StoredNotification]:
        if limit <= 0:
            return []
        found = self._client.query(**unpublished_request(self._table.name, limit))["Items"]
        # The index is eventually consistent: a notification published a moment ago may still
        # be listed. Read the items themselves, consistently, so a sweep never sends it again.
        keys = [{"PK": i["PK"], "SK": i["SK"]} for i in found]
        fresh: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), _BATCH_GET):
            request: dict[str, Any] = {
                self._table.name: {"Keys": keys[start : start + _BATCH_GET], "ConsistentRead": True}
            }
            while request:
                got = self._client.batch_get_item(RequestItems=request)
                for item in got["Responses"].get(self._table.name, []):
                    fresh[(item["PK"], item["SK"])] = item
                request = got.get("UnprocessedKeys") or {}
        out = []
        for k in keys:
            item = fresh.get((k["PK"], k["SK"]))
            if item is not None and "publishedAt" not in item:
                out.append(stored_from_item(item))
        return out

    def inbox(self, user_id: str, before: str | None, limit: int) -> Page:
        request = inbox_request(self._table.name, user_id, before, limit)
        items: list[dict[str, Any]] = []
        while True:
            page = self._client.query(**request)
            items += page["Items"]
            if len(items) > limit or "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        stored = [stored_from_item(i) for i in items[:limit]]
        more = len(items) > limit
        return Page(tuple(stored), stored[-1].position if more and stored else None)

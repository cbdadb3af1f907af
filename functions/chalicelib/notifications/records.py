"""Notifications as DynamoDB items, and the requests that read and write them (pure).

Item: PK `USER#{userId}`, SK `NOTE#{position}` (`port.position`: day, the kind's place in the
day, key), so the key decides the item and a second write of the same key fails its
condition. While unpublished it also carries GSI1PK `NOTE#UNPUBLISHED`, GSI1SK
`{createdAt}#{userId}#{key}`: a sparse index of what the bus has not taken yet, oldest first,
that publishing removes it from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..money.notifications import Notification
from .port import StoredNotification, position

PREFIX = "NOTE#"
UNPUBLISHED = "NOTE#UNPUBLISHED"


def note_key(n: Notification) -> dict[str, str]:
    return {"PK": f"USER#{n.user_id}", "SK": PREFIX + position(n)}


def note_item(n: Notification, at: str) -> dict[str, Any]:
    return {
        **note_key(n),
        "type": "NOTE",
        "key": n.key,
        "kind": n.kind,
        "userId": n.user_id,
        "on": n.on.isoformat(),
        "subject": n.subject,
        "data": n.data,
        "createdAt": at,
        "GSI1PK": UNPUBLISHED,
        "GSI1SK": f"{at}#{n.user_id}#{n.key}",
    }


def _plain(value: Any) -> Any:
    # The resource client reads every number as a Decimal; ours are whole (fen, days).
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def stored_from_item(item: dict[str, Any]) -> StoredNotification:
    n = Notification(
        str(item["kind"]),
        str(item["userId"]),
        date.fromisoformat(str(item["on"])),
        str(item["subject"]),
        _plain(dict(item.get("data") or {})),
    )
    published = item.get("publishedAt")
    return StoredNotification(n, str(item["createdAt"]), str(published) if published else None)


def put_request(table: str, n: Notification, at: str) -> dict[str, Any]:
    """Write once per key: an item already there fails the condition and comes back whole."""
    return {
        "TableName": table,
        "Item": note_item(n, at),
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def mark_published_request(table: str, n: Notification, at: str) -> dict[str, Any]:
    """Set publishedAt once and leave the unpublished index; never creates an item."""
    return {
        "TableName": table,
        "Key": note_key(n),
        "UpdateExpression": "SET #pub = :at REMOVE #g1pk, #g1sk",
        "ConditionExpression": "attribute_exists(#pk) AND attribute_not_exists(#pub)",
        "ExpressionAttributeNames": {
            "#pub": "publishedAt",
            "#pk": "PK",
            "#g1pk": "GSI1PK",
            "#g1sk": "GSI1SK",
        },
        "ExpressionAttributeValues": {":at": at},
    }


def inbox_request(table: str, user_id: str, before: str | None, limit: int) -> dict[str, Any]:
    """Newest first; one item more than the page, so the page knows whether more remain."""
    pk = f"USER#{user_id}"
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :note)",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK"},
        "ExpressionAttributeValues": {":pk": pk, ":note": PREFIX},
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": limit + 1,
    }
    if before is not None:
        request["ExclusiveStartKey"] = {"PK": pk, "SK": PREFIX + before}
    return request


def unpublished_request(table: str, limit: int) -> dict[str, Any]:
    return {
        "TableName": table,
        "IndexName": "GSI1",
        "KeyConditionExpression": "#g1pk = :unpublished",
        "ExpressionAttributeNames": {"#g1pk": "GSI1PK"},
        "ExpressionAttributeValues": {":unpublished": UNPUBLISHED},
        "ScanIndexForward": True,
        "Limit": limit,
    }

"""Idempotency claims as DynamoDB items (pure)."""

from __future__ import annotations

from typing import Any

from .port import TTL_SECONDS, Claim


def claim_key(user_id: str, key: str) -> dict[str, str]:
    return {"PK": f"IDEM#{user_id}#{key}", "SK": "IDEM"}


def claim_item(user_id: str, key: str, c: Claim) -> dict[str, Any]:
    return {
        **claim_key(user_id, key),
        "requestHash": c.request_hash,
        "resourceId": c.resource_id,
        "claimedAt": c.claimed_at,
        "expiresAt": c.claimed_at + TTL_SECONDS,
    }


def claim_from(item: dict[str, Any]) -> Claim:
    return Claim(str(item["requestHash"]), str(item["resourceId"]), int(item["claimedAt"]))


def claim_request(table: str, user_id: str, key: str, c: Claim) -> dict[str, Any]:
    return {
        "TableName": table,
        "Item": claim_item(user_id, key, c),
        # An expired record that TTL has not swept yet counts as absent.
        "ConditionExpression": "attribute_not_exists(#pk) OR #exp < :now",
        "ExpressionAttributeNames": {"#pk": "PK", "#exp": "expiresAt"},
        "ExpressionAttributeValues": {":now": c.claimed_at},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def take_over_request(table: str, user_id: str, key: str, old: Claim, new: Claim) -> dict[str, Any]:
    return {
        "TableName": table,
        "Item": claim_item(user_id, key, new),
        "ConditionExpression": "#rid = :rid",
        "ExpressionAttributeNames": {"#rid": "resourceId"},
        "ExpressionAttributeValues": {":rid": old.resource_id},
    }


def release_request(table: str, user_id: str, key: str, resource_id: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": claim_key(user_id, key),
        "ConditionExpression": "#rid = :rid",
        "ExpressionAttributeNames": {"#rid": "resourceId"},
        "ExpressionAttributeValues": {":rid": resource_id},
    }

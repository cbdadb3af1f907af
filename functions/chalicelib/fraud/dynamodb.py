"""DynamoDB adapters of the fraud ports, on the single table (see chalicelib.fraud.keys).

Request builders are pure functions (tested on their own); the adapters only send them.
They take a boto3 `Table` resource, built once per container by the wiring module.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.fraud import keys
from chalicelib.fraud.model import BlacklistEntry, Sighting
from chalicelib.fraud.ports import MAX_MEMBERS_PER_BUCKET

_BATCH_GET_LIMIT = 100
_BATCH_GET_ATTEMPTS = 4


def add_member_request(
    series: str, bucket: str, member: str, expires_at: int, max_members: int
) -> dict[str, Any]:
    # ADD on a string set is atomic and idempotent: a retried application is one member.
    # The condition stops a bucket growing past max_members (see ports.MAX_MEMBERS_PER_BUCKET).
    return {
        "Key": {"PK": series, "SK": bucket},
        "UpdateExpression": "ADD #m :m SET #e = :e",
        "ConditionExpression": "attribute_not_exists(#m) OR size(#m) < :cap",
        "ExpressionAttributeNames": {"#m": "members", "#e": "expiresAt"},
        "ExpressionAttributeValues": {":m": {member}, ":e": expires_at, ":cap": max_members},
    }


def members_query(series: str, first_bucket: str, last_bucket: str) -> dict[str, Any]:
    return {
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
        "ProjectionExpression": "#m",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK", "#m": "members"},
        "ExpressionAttributeValues": {":pk": series, ":first": first_bucket, ":last": last_bucket},
    }


def _coordinate(value: float) -> Decimal:
    # Two decimals (~1 km): enough for travel speed, less precise than a home address.
    return Decimal(str(round(value, 2)))


def sighting_item(series: str, sighting: Sighting, expires_at: int) -> dict[str, Any]:
    return {
        "PK": series,
        "SK": keys.sighting_sk(sighting.at, sighting.application_id),
        "applicationId": sighting.application_id,
        "at": sighting.at,
        "lat": _coordinate(sighting.lat),
        "lon": _coordinate(sighting.lon),
        "expiresAt": expires_at,
    }


def sightings_query(series: str, since: int) -> dict[str, Any]:
    return {
        "KeyConditionExpression": "#pk = :pk AND #sk >= :from",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK"},
        "ExpressionAttributeValues": {":pk": series, ":from": keys.sighting_sk_from(since)},
    }


def blacklist_item(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "PK": keys.blacklist_pk(entry.kind, entry.value_hash),
        "SK": keys.BLACKLIST_SK,
        "kind": entry.kind,
        "reasonCode": entry.reason_code,
        "addedAt": entry.added_at,
    }


def _query_all(table: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs = dict(request)
    while True:
        page = table.query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoDBFraudCounters:
    def __init__(self, table: Any, max_members: int = MAX_MEMBERS_PER_BUCKET) -> None:
        self._table = table
        self._max_members = max_members

    def add_member(self, series: str, bucket: str, member: str, expires_at: int) -> None:
        request = add_member_request(series, bucket, member, expires_at, self._max_members)
        try:
            self._table.update_item(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # The bucket is full: this application is past every threshold anyway.

    def members(self, series: str, first_bucket: str, last_bucket: str) -> frozenset[str]:
        out: set[str] = set()
        for item in _query_all(self._table, members_query(series, first_bucket, last_bucket)):
            out |= set(item.get("members", ()))
        return frozenset(out)

    def record_sighting(self, series: str, sighting: Sighting, expires_at: int) -> None:
        self._table.put_item(Item=sighting_item(series, sighting, expires_at))

    def sightings_since(self, series: str, since: int) -> list[Sighting]:
        return [
            Sighting(str(i["applicationId"]), int(i["at"]), float(i["lat"]), float(i["lon"]))
            for i in _query_all(self._table, sightings_query(series, since))
        ]


class DynamoDBBlacklist:
    def __init__(self, table: Any) -> None:
        self._table = table

    def add(self, entry: BlacklistEntry) -> None:
        self._table.put_item(Item=blacklist_item(entry))

    def remove(self, kind: str, value_hash: str) -> None:
        self._table.delete_item(
            Key={"PK": keys.blacklist_pk(kind, value_hash), "SK": keys.BLACKLIST_SK}
        )

    def find(self, keys_: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        wanted = {keys.blacklist_pk(k, h): (k, h) for k, h in keys_}
        found: set[tuple[str, str]] = set()
        pks = list(wanted)
        client = self._table.meta.client  # the resource's client: speaks plain Python types
        for start in range(0, len(pks), _BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self._table.name: {
                    "Keys": [
                        {"PK": pk, "SK": keys.BLACKLIST_SK}
                        for pk in pks[start : start + _BATCH_GET_LIMIT]
                    ],
                    "ProjectionExpression": "#pk",
                    "ExpressionAttributeNames": {"#pk": "PK"},
                }
            }
            for _ in range(_BATCH_GET_ATTEMPTS):
                page = client.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(self._table.name, []):
                    found.add(wanted[item["PK"]])
                request = page.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                # Answering "not listed" for keys we could not read would wave fraud through.
                raise RuntimeError("blacklist lookup throttled: keys left unprocessed")
        return found

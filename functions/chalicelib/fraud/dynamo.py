"""DynamoDB adapters of the fraud ports, on the single table (see chalicelib.fraud.keys).

Request builders are pure functions (tested on their own); the adapters only send them.
They take a boto3 `Table` resource, built once per container by the wiring module.

Screening is on the decision's critical path, so its reads and writes are batched: all of
one application's counter updates go in one TransactWriteItems, and every window is read
back with BatchGetItem (100 keys a request), instead of an UpdateItem and a Query each.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.fraud import keys
from chalicelib.fraud.model import BlacklistEntry
from chalicelib.fraud.port import MAX_MEMBERS_PER_BUCKET, MemberAdd

_BATCH_GET_LIMIT = 100
_ATTEMPTS = 4


def add_members_request(
    table: str, adds: Sequence[MemberAdd], max_members: int
) -> list[dict[str, Any]]:
    """TransactItems adding every member; one Update per (series, bucket), as a transaction may
    name an item only once."""
    members: dict[tuple[str, str], set[str]] = {}
    expires: dict[tuple[str, str], int] = {}
    for add in adds:
        key = (add.series, add.bucket)
        members.setdefault(key, set()).add(add.member)
        expires[key] = max(expires.get(key, 0), add.expires_at)
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": series, "SK": bucket},
                # ADD on a string set is atomic and idempotent: a retried application is one member.
                # The condition stops a bucket growing past max_members
                # (ports.MAX_MEMBERS_PER_BUCKET).
                "UpdateExpression": "ADD #m :m SET #e = :e",
                "ConditionExpression": "attribute_not_exists(#m) OR size(#m) < :cap",
                "ExpressionAttributeNames": {"#m": "members", "#e": "expiresAt"},
                "ExpressionAttributeValues": {
                    ":m": added,
                    ":e": expires[(series, bucket)],
                    ":cap": max_members,
                },
            }
        }
        for (series, bucket), added in members.items()
    ]


def blacklist_item(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "PK": keys.blacklist_pk(entry.kind, entry.value_hash),
        "SK": keys.BLACKLIST_SK,
        "kind": entry.kind,
        "reasonCode": entry.reason_code,
        "addedAt": entry.added_at,
    }


def batch_get(
    table: Any, keys_: Sequence[dict[str, str]], attributes: Sequence[str]
) -> list[dict[str, Any]]:
    """Every item of `keys_` that exists (strongly consistent), 100 keys a request, with
    unprocessed keys retried; raises rather than answer for keys it could not read."""
    client = table.meta.client  # the resource's client: speaks plain Python types
    names = {f"#a{i}": a for i, a in enumerate(attributes)}
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys_), _BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            table.name: {
                "Keys": list(keys_[start : start + _BATCH_GET_LIMIT]),
                "ConsistentRead": True,
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
        }
        for attempt in range(_ATTEMPTS):
            page = client.batch_get_item(RequestItems=request)
            found.extend(page.get("Responses", {}).get(table.name, []))
            request = page.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.01 * 2**attempt)
        else:
            # Answering "none" for keys we could not read would wave fraud through.
            raise RuntimeError("fraud lookup throttled: keys left unprocessed")
    return found


class DynamoDBFraudCounters:
    def __init__(self, table: Any, max_members: int = MAX_MEMBERS_PER_BUCKET) -> None:
        self._table = table
        self._max_members = max_members

    def add_members(self, adds: Sequence[MemberAdd]) -> None:
        items = add_members_request(self._table.name, adds, self._max_members)
        client = self._table.meta.client
        for attempt in range(_ATTEMPTS):
            if not items:
                return
            try:
                client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if len(codes) != len(items):
                raise RuntimeError(
                    "fraud counters: transaction cancelled without a reason per item"
                )
            if any(
                code not in ("None", "ConditionalCheckFailed", "TransactionConflict")
                for code in codes
            ):
                raise RuntimeError(f"fraud counters: transaction cancelled: {codes}")
            # A full bucket fails its condition: this application is past every threshold there
            # anyway, so the others go ahead without it. A conflict with a concurrent screening
            # (TransactionConflict) is tried again; nothing of a cancelled transaction was written.
            items = [
                item
                for item, code in zip(items, codes, strict=False)
                if code != "ConditionalCheckFailed"
            ]
            if "TransactionConflict" in codes:
                time.sleep(0.01 * 2**attempt)
        # Still conflicting: a hot bucket, e.g. many applicants behind one carrier IP. The adds
        # need no atomicity across items (the transaction only saves round trips), so they go
        # one by one, as plain updates, which never conflict.
        for item in items:
            try:
                client.update_item(**item["Update"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise

    def members(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {series: set() for series in wanted}
        requested = [
            {"PK": series, "SK": bucket} for series, buckets in wanted.items() for bucket in buckets
        ]
        for item in batch_get(self._table, requested, ("PK", "members")):
            out[item["PK"]] |= set(item.get("members", ()))
        return {series: frozenset(m) for series, m in out.items()}


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
        requested = [{"PK": pk, "SK": keys.BLACKLIST_SK} for pk in wanted]
        return {wanted[item["PK"]] for item in batch_get(self._table, requested, ("PK",))}


class DynamoFraudStore(DynamoDBFraudCounters, DynamoDBBlacklist):
    """Counters and blacklist on the one table: screening's read is one BatchGetItem."""

    def __init__(self, table: Any, max_members: int = MAX_MEMBERS_PER_BUCKET) -> None:
        DynamoDBFraudCounters.__init__(self, table, max_members)

    def lookup(
        self, wanted: Mapping[str, Sequence[str]], listed: Collection[tuple[str, str]]
    ) -> tuple[dict[str, frozenset[str]], set[tuple[str, str]]]:
        members: dict[str, set[str]] = {series: set() for series in wanted}
        blacklisted = {keys.blacklist_pk(k, h): (k, h) for k, h in listed}
        requested = [
            {"PK": series, "SK": bucket} for series, buckets in wanted.items() for bucket in buckets
        ] + [{"PK": pk, "SK": keys.BLACKLIST_SK} for pk in blacklisted]
        hits: set[tuple[str, str]] = set()
        for item in batch_get(self._table, requested, ("PK", "SK", "members")):
            if item["SK"] == keys.BLACKLIST_SK:
                hits.add(blacklisted[item["PK"]])
            else:
                members[item["PK"]] |= set(item.get("members", ()))
        return {series: frozenset(m) for series, m in members.items()}, hits

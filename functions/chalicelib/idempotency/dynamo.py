"""Idempotency claims in the lending table."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from .port import Claim
from .records import claim_from, claim_request, release_request, take_over_request

_deserialize = TypeDeserializer()


class DynamoIdempotencyStore:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def claim(self, user_id: str, key: str, claim: Claim) -> Claim | None:
        try:
            self._client.put_item(**claim_request(self._table.name, user_id, key, claim))
            return None
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            # The item that failed the condition comes back with the error (in DynamoDB's wire
            # format: error bodies skip the resource's type conversion), so no second read.
            wire = exc.response["Item"]
            held = claim_from({k: _deserialize.deserialize(v) for k, v in wire.items()})
            # Our own claim: the first attempt landed and its answer was lost (a 500), and the
            # SDK's retry met it. Its resource id is fresh, so no other request holds it.
            return None if held == claim else held

    def take_over(self, user_id: str, key: str, old: Claim, new: Claim) -> bool:
        try:
            self._client.put_item(**take_over_request(self._table.name, user_id, key, old, new))
            return True
        except self._client.exceptions.ConditionalCheckFailedException:
            return False

    def release(self, user_id: str, key: str, resource_id: str) -> None:
        try:
            self._client.delete_item(**release_request(self._table.name, user_id, key, resource_id))
        except self._client.exceptions.ConditionalCheckFailedException:
            pass  # taken over by another request meanwhile: not ours to release

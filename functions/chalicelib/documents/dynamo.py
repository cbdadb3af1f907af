"""Documents in the lending table."""

from __future__ import annotations

from typing import Any

from ..errors import Conflict
from .port import Document, DocumentStatus
from .records import (
    document_key,
    from_item,
    save_reading_request,
    save_refusal_request,
    to_item,
)


class DynamoDocumentRepository:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def create(self, doc: Document) -> None:
        try:
            self._table.put_item(
                Item=to_item(doc),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": "PK"},
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"document {doc.document_id} already exists") from exc

    def get(self, document_id: str) -> Document | None:
        item = self._table.get_item(Key=document_key(document_id), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def save_reading(
        self, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
    ) -> None:
        try:
            self._client.update_item(
                **save_reading_request(self._table.name, document_id, status, fields, seconds)
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"document {document_id} does not exist") from exc

    def save_refusal(self, document_id: str, code: str) -> None:
        try:
            self._client.update_item(**save_refusal_request(self._table.name, document_id, code))
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"document {document_id} does not exist") from exc

"""Documents as DynamoDB items (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .port import Document, DocumentStatus


def document_key(document_id: str) -> dict[str, str]:
    return {"PK": f"DOC#{document_id}", "SK": "DOC"}


def to_item(doc: Document) -> dict[str, Any]:
    item: dict[str, Any] = {
        **document_key(doc.document_id),
        "type": "Document",
        "documentId": doc.document_id,
        "userId": doc.user_id,
        "contentType": doc.content_type,
        "status": doc.status.value,
        "createdAt": doc.created_at,
        "fields": doc.fields,
    }
    if doc.ocr_seconds is not None:
        item["ocrSeconds"] = Decimal(f"{doc.ocr_seconds:.3f}")
    if doc.refusal is not None:
        item["refusal"] = doc.refusal
    return item


def from_item(item: dict[str, Any]) -> Document:
    seconds = item.get("ocrSeconds")
    return Document(
        document_id=item["documentId"],
        user_id=item["userId"],
        content_type=item["contentType"],
        status=DocumentStatus(item["status"]),
        created_at=item["createdAt"],
        fields=dict(item.get("fields") or {}),
        ocr_seconds=float(seconds) if seconds is not None else None,
        refusal=item.get("refusal"),
    )


def save_reading_request(
    table: str, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": document_key(document_id),
        "UpdateExpression": "SET #status = :status, #fields = :fields, #secs = :secs",
        "ConditionExpression": "attribute_exists(#pk)",
        "ExpressionAttributeNames": {
            "#status": "status",
            "#fields": "fields",
            "#secs": "ocrSeconds",
            "#pk": "PK",
        },
        "ExpressionAttributeValues": {
            ":status": status.value,
            ":fields": fields,
            ":secs": Decimal(f"{seconds:.3f}"),
        },
    }


def save_refusal_request(table: str, document_id: str, code: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": document_key(document_id),
        "UpdateExpression": "SET #status = :status, #fields = :none, #refusal = :code",
        "ConditionExpression": "attribute_exists(#pk)",
        "ExpressionAttributeNames": {
            "#status": "status",
            "#fields": "fields",
            "#refusal": "refusal",
            "#pk": "PK",
        },
        "ExpressionAttributeValues": {
            ":status": DocumentStatus.REFUSED.value,
            ":none": {},
            ":code": code,
        },
    }

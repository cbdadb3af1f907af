"""Uploaded ID-card photos: the record, its storage port and the S3/DynamoDB adapters.

Keys: DOC#{documentId} / DOC   owner, status, and once OCR has run the extracted fields.
The S3 object key is `id-cards/{documentId}`: no personal data in keys or URLs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from .errors import Conflict


class DocumentStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    READ = "READ"  # OCR ran and produced fields (which may still fail verification)
    UNREADABLE = "UNREADABLE"


CONTENT_TYPES = {"image/jpeg", "image/png"}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024


def object_key(document_id: str) -> str:
    return f"id-cards/{document_id}"


def document_id_from_key(key: str) -> str:
    return key.removeprefix("id-cards/")


@dataclass(frozen=True)
class Document:
    document_id: str
    user_id: str
    content_type: str
    status: DocumentStatus
    created_at: str
    # Extracted fields: personal data, read only by identity verification.
    fields: dict[str, Any] = field(default_factory=dict, repr=False)
    ocr_seconds: float | None = None


class DocumentRepository(Protocol):
    def create(self, doc: Document) -> None: ...
    def get(self, document_id: str) -> Document | None: ...
    def save_reading(
        self, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
    ) -> None: ...


class BlobStore(Protocol):
    def presigned_put(self, key: str, content_type: str, expires_in: int) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...


def _item(doc: Document) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": f"DOC#{doc.document_id}",
        "SK": "DOC",
        "type": "Document",
        "documentId": doc.document_id,
        "userId": doc.user_id,
        "contentType": doc.content_type,
        "status": doc.status.value,
        "createdAt": doc.created_at,
        "fields": doc.fields,
    }
    return item


def _from_item(item: dict[str, Any]) -> Document:
    seconds = item.get("ocrSeconds")
    return Document(
        document_id=item["documentId"],
        user_id=item["userId"],
        content_type=item["contentType"],
        status=DocumentStatus(item["status"]),
        created_at=item["createdAt"],
        fields=dict(item.get("fields") or {}),
        ocr_seconds=float(seconds) if seconds is not None else None,
    )


class DynamoDocumentRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, doc: Document) -> None:
        try:
            self._table.put_item(
                Item=_item(doc),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": "PK"},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"document {doc.document_id} already exists") from exc

    def get(self, document_id: str) -> Document | None:
        item = self._table.get_item(
            Key={"PK": f"DOC#{document_id}", "SK": "DOC"}, ConsistentRead=True
        ).get("Item")
        return _from_item(item) if item else None

    def save_reading(
        self, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
    ) -> None:
        from decimal import Decimal

        self._table.update_item(
            Key={"PK": f"DOC#{document_id}", "SK": "DOC"},
            UpdateExpression="SET #status = :status, #fields = :fields, #secs = :secs",
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={
                "#status": "status",
                "#fields": "fields",
                "#secs": "ocrSeconds",
                "#pk": "PK",
            },
            ExpressionAttributeValues={
                ":status": status.value,
                ":fields": fields,
                ":secs": Decimal(f"{seconds:.3f}"),
            },
        )


class InMemoryDocumentRepository:
    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}
        self._lock = threading.Lock()

    def create(self, doc: Document) -> None:
        with self._lock:
            if doc.document_id in self._docs:
                raise Conflict(f"document {doc.document_id} already exists")
            self._docs[doc.document_id] = doc

    def get(self, document_id: str) -> Document | None:
        return self._docs.get(document_id)

    def save_reading(
        self, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
    ) -> None:
        from dataclasses import replace

        with self._lock:
            doc = self._docs.get(document_id)
            if doc is None:
                raise Conflict(f"document {document_id} does not exist")
            self._docs[document_id] = replace(
                doc, status=status, fields=dict(fields), ocr_seconds=seconds
            )


class S3BlobStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def presigned_put(self, key: str, content_type: str, expires_in: int) -> str:
        return self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=expires_in,
        )

    def get_bytes(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

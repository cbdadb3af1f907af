"""Uploaded ID-card photos: the record, its store's port, and the photo store's port.

Keys: DOC#{documentId} / DOC   owner, status, and once OCR has run the extracted fields.
The S3 object key is `id-cards/{documentId}`: no personal data in keys or URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class DocumentStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    READ = "READ"  # OCR ran and produced fields (which may still fail verification)
    UNREADABLE = "UNREADABLE"


CONTENT_TYPES = {"image/jpeg", "image/png"}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
PREFIX = "id-cards/"


def object_key(document_id: str) -> str:
    return f"{PREFIX}{document_id}"


def document_id_from_key(key: str) -> str:
    return key.removeprefix(PREFIX)


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
    def create(self, doc: Document) -> None:
        """Conflict if the id exists."""
        ...

    def get(self, document_id: str) -> Document | None: ...

    def save_reading(
        self, document_id: str, status: DocumentStatus, fields: dict[str, Any], seconds: float
    ) -> None:
        """Record what OCR read; Conflict for a document that does not exist."""
        ...


class BlobStore(Protocol):
    def presigned_put(self, key: str, content_type: str, expires_in: int) -> str: ...

    def get_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

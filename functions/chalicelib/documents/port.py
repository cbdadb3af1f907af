"""Uploaded ID-card photos: the record, its store's port, and the photo store's port.

Keys: DOC#{documentId} / DOC   owner, status, and once OCR has run the extracted fields (or,
for an upload refused unread, the refusal's code). The S3 object key is `id-cards/{documentId}`:
no personal data in keys or URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class DocumentStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    READ = "READ"  # OCR ran and produced fields (which may still fail verification)
    UNREADABLE = "UNREADABLE"
    # Not read at all: too large, or not an image of its declared type (documents/uploads.py)
    REFUSED = "REFUSED"


CONTENT_TYPES = {"image/jpeg", "image/png"}
# What a phone's photo of a card needs, with room (a 12-megapixel JPEG is 3-5 MB). S3 refuses a
# larger upload (the POST policy's content-length-range); OCR refuses one before reading it.
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
    refusal: str | None = None  # why an upload was REFUSED: a code of documents/uploads.py


@dataclass(frozen=True)
class PresignedPost:
    """Where and how a phone uploads: a form POST of `fields`, then the file, to `url`. The
    signed policy in `fields` fixes the key and the type and caps the size."""

    url: str
    fields: dict[str, str]


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

    def save_refusal(self, document_id: str, code: str) -> None:
        """Mark an upload REFUSED unread, with why; Conflict for a document that does not exist."""
        ...


class BlobStore(Protocol):
    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        """An upload of exactly `key`, of `content_type`, of 1 to `max_bytes` bytes."""
        ...

    def read(self, key: str, limit: int) -> bytes:
        """The object's first `limit` bytes (all of it if smaller): never fetches more."""
        ...

    def exists(self, key: str) -> bool: ...

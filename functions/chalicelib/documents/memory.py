"""Documents and photos in memory: the same contracts as DynamoDB and S3, for fast tests."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from ..errors import Conflict
from .port import Document, DocumentStatus


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
        with self._lock:
            doc = self._docs.get(document_id)
            if doc is None:
                raise Conflict(f"document {document_id} does not exist")
            self._docs[document_id] = replace(
                # stored to the millisecond, as the DynamoDB item keeps it
                doc,
                status=status,
                fields=dict(fields),
                ocr_seconds=float(f"{seconds:.3f}"),
            )


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def presigned_put(self, key: str, content_type: str, expires_in: int) -> str:
        return f"https://blobs.test/{key}?expires={expires_in}"

    def get_bytes(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects

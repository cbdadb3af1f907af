"""Documents and photos in memory: the same contracts as DynamoDB and S3, for fast tests."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import replace
from typing import Any

from ..clock import utcnow
from ..errors import Conflict
from .port import Document, DocumentStatus, PresignedPost


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

    def save_refusal(self, document_id: str, code: str) -> None:
        with self._lock:
            doc = self._docs.get(document_id)
            if doc is None:
                raise Conflict(f"document {document_id} does not exist")
            self._docs[document_id] = replace(
                doc, status=DocumentStatus.REFUSED, fields={}, refusal=code
            )


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        # The policy S3 would hold the upload to (unsigned: nothing here checks it).
        expires = utcnow() + dt.timedelta(seconds=expires_in)
        policy = {
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
                {"bucket": "blobs"},
                {"key": key},
            ],
        }
        return PresignedPost(
            "https://blobs.test/blobs",
            {
                "Content-Type": content_type,
                "key": key,
                "policy": base64.b64encode(json.dumps(policy).encode()).decode(),
            },
        )

    def read(self, key: str, limit: int) -> bytes:
        return self.objects[key][:limit]

    def exists(self, key: str) -> bool:
        return key in self.objects

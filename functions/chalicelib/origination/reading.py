"""OCR of an uploaded ID photo, run when the photo lands (S3 event), before anyone asks for it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..documents import BlobStore, DocumentRepository, DocumentStatus, object_key

log = logging.getLogger(__name__)


@dataclass
class DocumentReader:
    documents: DocumentRepository
    blobs: BlobStore
    ocr: Callable[[], Any]  # lazily built OCR engine
    extract: Callable[[Any, bytes], Any]  # chalicelib.kyc.extract_document

    def read_uploads(self, document_ids: list[str]) -> dict[str, Any]:
        results = {}
        for document_id in document_ids:
            doc = self.documents.get(document_id)
            if doc is None:
                log.warning("upload for unknown document %s ignored", document_id)
                results[document_id] = "UNKNOWN"
                continue
            started = time.perf_counter()
            image = self.blobs.get_bytes(object_key(document_id))
            fields = self.extract(self.ocr(), image)
            data = fields.as_dict()
            readable = bool(data.get("id_number")) and bool(data.get("name"))
            status = DocumentStatus.READ if readable else DocumentStatus.UNREADABLE
            self.documents.save_reading(document_id, status, data, time.perf_counter() - started)
            results[document_id] = status.value
            log.info("document %s read: %s in %.2fs", document_id, status.value, time.perf_counter() - started)
        return {"documents": results}

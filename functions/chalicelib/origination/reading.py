"""OCR of an uploaded ID photo, run when the photo lands (S3 event), before anyone asks for it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..documents.port import (
    MAX_UPLOAD_BYTES,
    BlobStore,
    DocumentRepository,
    DocumentStatus,
    object_key,
)
from ..documents.uploads import refusal
from ..kyc.fields import ExtractedFields
from ..kyc.port import OcrEngine
from ..kyc.services import extract_document

log = logging.getLogger(__name__)


def fields_to_item(fields: ExtractedFields) -> dict[str, Any]:
    """ExtractedFields as a DynamoDB item map: dates as ISO strings, confidences as strings."""
    item: dict[str, Any] = {}
    for f in dataclasses.fields(fields):
        value = getattr(fields, f.name)
        if value is None:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, float):
            value = f"{value:.4f}"
        item[f.name] = value
    return item


def fields_from_item(item: dict[str, Any]) -> ExtractedFields:
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(ExtractedFields):
        if f.name not in item:
            continue
        value = item[f.name]
        if f.name in {"birth_date", "valid_from", "valid_until"}:
            value = dt.date.fromisoformat(value)
        elif f.name.endswith("confidence"):
            value = float(value)
        kwargs[f.name] = value
    return ExtractedFields(**kwargs)


@dataclass
class DocumentReader:
    documents: DocumentRepository
    blobs: BlobStore
    ocr: Callable[[], OcrEngine]  # built on first use: the model takes seconds to load

    def read_uploads(self, document_ids: list[str]) -> dict[str, Any]:
        results = {}
        for document_id in document_ids:
            doc = self.documents.get(document_id)
            if doc is None:
                log.warning("upload for unknown document %s ignored", document_id)
                results[document_id] = "UNKNOWN"
                continue
            started = time.perf_counter()
            # One byte past the cap: enough to refuse a larger object without fetching it all.
            image = self.blobs.read(object_key(document_id), MAX_UPLOAD_BYTES + 1)
            refused = refusal(doc.content_type, image)
            if refused is not None:
                # Never decoded: a decoder is where a crafted or padded file does its harm.
                self.documents.save_refusal(document_id, refused.code)
                results[document_id] = DocumentStatus.REFUSED.value
                log.warning("document %s refused unread: %s", document_id, refused.code)
                continue
            fields = extract_document(self.ocr(), image)
            data = fields_to_item(fields)
            readable = fields.name is not None and fields.id_number is not None
            status = DocumentStatus.READ if readable else DocumentStatus.UNREADABLE
            self.documents.save_reading(document_id, status, data, time.perf_counter() - started)
            results[document_id] = status.value
            log.info(
                "document %s read: %s in %.2fs",
                document_id,
                status.value,
                time.perf_counter() - started,
            )
        return {"documents": results}

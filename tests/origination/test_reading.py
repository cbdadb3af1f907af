"""OCR on upload refuses what is not a photo of the allowed size before decoding a byte of it
(issue 13, part 4): the bucket's policy caps uploads, and this is the second line."""

from __future__ import annotations

import pytest

from chalicelib.documents.memory import InMemoryBlobStore, InMemoryDocumentRepository
from chalicelib.documents.port import MAX_UPLOAD_BYTES, Document, DocumentStatus, object_key
from chalicelib.origination.reading import DocumentReader

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


class NoOcr:
    def __call__(self) -> object:
        raise AssertionError("OCR must not run on a refused upload")


def reader_with(
    content_type: str, data: bytes
) -> tuple[DocumentReader, InMemoryDocumentRepository]:
    documents, blobs = InMemoryDocumentRepository(), InMemoryBlobStore()
    documents.create(
        Document("doc_1", "u1", content_type, DocumentStatus.AWAITING_UPLOAD, "2026-03-01")
    )
    blobs.objects[object_key("doc_1")] = data
    return DocumentReader(documents, blobs, NoOcr()), documents  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content_type", "data", "code"),
    [
        ("image/jpeg", JPEG + b"\0" * MAX_UPLOAD_BYTES, "UPLOAD_TOO_LARGE"),  # a padded JPEG
        ("image/jpeg", b"%PDF-1.7 not a photo", "UPLOAD_NOT_AN_IMAGE"),
        ("image/jpeg", PNG + b"\0" * 64, "UPLOAD_NOT_AN_IMAGE"),  # a PNG in a JPEG slot
        ("image/png", JPEG + b"\0" * 64, "UPLOAD_NOT_AN_IMAGE"),
        ("image/png", b"", "UPLOAD_NOT_AN_IMAGE"),
    ],
)
def test_an_upload_that_is_too_large_or_not_its_image_type_is_refused_unread(
    content_type: str, data: bytes, code: str
) -> None:
    reader, documents = reader_with(content_type, data)
    assert reader.read_uploads(["doc_1"]) == {"documents": {"doc_1": "REFUSED"}}
    doc = documents.get("doc_1")
    assert doc is not None and doc.status is DocumentStatus.REFUSED
    assert doc.refusal == code and doc.fields == {}

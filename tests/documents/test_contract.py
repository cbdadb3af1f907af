"""The document record's store and the photo store: one suite each, run against the fakes the
API tests use and against moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.documents.dynamo import DynamoDocumentRepository
from chalicelib.documents.memory import InMemoryBlobStore, InMemoryDocumentRepository
from chalicelib.documents.port import Document, DocumentStatus
from chalicelib.documents.s3 import S3BlobStore
from chalicelib.errors import Conflict


@pytest.fixture(params=["fake", "moto"])
def blobs(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    """(the store, a function that lands a photo as a phone's PUT would)."""
    if request.param == "fake":
        fake = InMemoryBlobStore()
        yield fake, fake.objects.__setitem__
        return
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="photos")
        yield (
            S3BlobStore(s3, "photos"),
            lambda key, data: s3.put_object(Bucket="photos", Key=key, Body=data),
        )


def test_a_photo_exists_once_it_has_landed_and_reads_back_whole(blobs: tuple[Any, Any]) -> None:
    store, land = blobs
    assert store.exists("id-cards/doc_1") is False
    land("id-cards/doc_1", b"\xff\xd8 photo")
    assert store.exists("id-cards/doc_1") is True
    assert store.read("id-cards/doc_1", 100) == b"\xff\xd8 photo"
    assert store.exists("id-cards/doc_2") is False


def test_an_upload_slot_is_a_post_whose_policy_binds_the_key_the_type_and_the_size(
    blobs: tuple[Any, Any],
) -> None:
    # A pre-signed PUT signs only the type and the host: any size went through (issue 13).
    store, _ = blobs
    slot = store.presigned_post("id-cards/doc_1", "image/jpeg", 1000, 60)
    assert slot.url.startswith(("http://", "https://"))
    assert slot.fields["key"] == "id-cards/doc_1"
    assert slot.fields["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(slot.fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 1000] in conditions
    assert {"key": "id-cards/doc_1"} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert policy["expiration"].endswith("Z")


def test_a_photo_is_read_no_further_than_asked(blobs: tuple[Any, Any]) -> None:
    # OCR reads one byte past the cap: enough to refuse a larger object without fetching it.
    store, land = blobs
    land("id-cards/doc_1", b"0123456789" * 10)
    assert store.read("id-cards/doc_1", 15) == b"012345678901234"
    assert store.read("id-cards/doc_1", 1000) == b"0123456789" * 10
    land("id-cards/empty", b"")
    assert store.read("id-cards/empty", 10) == b""


@pytest.fixture(params=["memory", "dynamodb"])
def documents(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryDocumentRepository()
    return DynamoDocumentRepository(request.getfixturevalue("dynamodb_table"))


def test_a_document_is_created_once_and_its_reading_recorded(documents) -> None:
    doc = Document("doc_1", "u1", "image/jpeg", DocumentStatus.AWAITING_UPLOAD, "t0")
    documents.create(doc)
    assert documents.get("doc_1") == doc and documents.get("doc_2") is None
    with pytest.raises(Conflict):
        documents.create(doc)
    documents.save_reading("doc_1", DocumentStatus.READ, {"name": "张三"}, 1.2345)
    read = documents.get("doc_1")
    assert (read.status, read.fields, read.ocr_seconds) == (
        DocumentStatus.READ,
        {"name": "张三"},
        1.234,
    )
    assert "张三" not in repr(read)


def test_a_reading_for_no_document_is_refused(documents) -> None:
    with pytest.raises(Conflict):
        documents.save_reading("doc_none", DocumentStatus.READ, {}, 1.0)

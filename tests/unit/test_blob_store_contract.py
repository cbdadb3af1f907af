"""The photo store's contract, run against the fake the API tests use and against moto's S3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.documents import S3BlobStore
from tests.fakes import FakeBlobs


@pytest.fixture(params=["fake", "moto"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    """(the store, a function that lands a photo as a phone's PUT would)."""
    if request.param == "fake":
        fake = FakeBlobs()
        yield fake, fake.objects.__setitem__
        return
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="photos")
        yield (
            S3BlobStore(s3, "photos"),
            lambda key, data: s3.put_object(Bucket="photos", Key=key, Body=data),
        )


def test_a_photo_exists_once_it_has_landed_and_reads_back_whole(store: tuple[Any, Any]) -> None:
    blobs, land = store
    assert blobs.exists("documents/doc_1") is False
    land("documents/doc_1", b"\xff\xd8 photo")
    assert blobs.exists("documents/doc_1") is True
    assert blobs.get_bytes("documents/doc_1") == b"\xff\xd8 photo"
    assert blobs.exists("documents/doc_2") is False

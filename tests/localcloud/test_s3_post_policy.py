"""The local cloud holds a pre-signed POST to its policy as S3 does (moto stores anything)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import boto3
import pytest
from botocore.config import Config

from localcloud.s3_post_policy import check

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def slot() -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",  # nothing is sent: the form is signed locally
        aws_access_key_id="local",
        aws_secret_access_key="secret",
        config=Config(signature_version="s3v4"),  # as chalicelib.aws signs
    )
    post = s3.generate_presigned_post(
        Bucket="photos",
        Key="id-cards/doc_1",
        Fields={"Content-Type": "image/jpeg"},
        Conditions=[{"Content-Type": "image/jpeg"}, ["content-length-range", 1, 100]],
        ExpiresIn=60,
    )
    return dict(post["fields"])


def test_a_slot_used_as_signed_is_taken(slot: dict[str, str]) -> None:
    assert check(slot, 100, "photos", "secret", NOW) is None
    assert check({**slot, "x-ignore-note": "hi"}, 1, "photos", "secret", NOW) is None


@pytest.mark.parametrize(
    ("change", "size", "status", "code"),
    [
        ({}, 101, 400, "EntityTooLarge"),
        ({}, 0, 400, "EntityTooSmall"),
        ({"Content-Type": "text/html"}, 10, 403, "AccessDenied"),
        ({"key": "id-cards/doc_2"}, 10, 403, "AccessDenied"),
        ({"acl": "public-read"}, 10, 403, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, 10, 403, "SignatureDoesNotMatch"),
    ],
)
def test_a_slot_used_otherwise_is_refused(
    slot: dict[str, str], change: dict[str, str], size: int, status: int, code: str
) -> None:
    refused = check({**slot, **change}, size, "photos", "secret", NOW)
    assert refused is not None and (refused.status, refused.code) == (status, code)
    assert f"<Code>{code}</Code>" in refused.xml()


def test_a_lifted_cap_breaks_the_signature_and_a_late_upload_is_expired(
    slot: dict[str, str],
) -> None:
    policy = json.loads(base64.b64decode(slot["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    lifted = {**slot, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    refused = check(lifted, 1000, "photos", "secret", NOW)
    assert refused is not None and refused.code == "SignatureDoesNotMatch"
    expires = dt.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    late = check(slot, 10, "photos", "secret", expires)
    assert late is not None and late.code == "AccessDenied" and "expired" in late.message
    assert check(slot, 10, "other-bucket", "secret", NOW) is not None

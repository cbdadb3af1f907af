"""Uploads through the local cloud's S3 (moto's server), as a phone makes them (issue 13, part 4):
S3 holds a pre-signed POST to its policy, so the cap, the key and the type cannot be lifted by
the client; OCR then reads what landed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from chalicelib.documents.port import MAX_UPLOAD_BYTES
from localcloud.client import RemoteCloud, upload_photo

pytestmark = pytest.mark.slow

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def slot(cloud: RemoteCloud, user: str) -> dict[str, Any]:
    r = cloud.call("POST", "/v1/documents", user, {"contentType": "image/jpeg"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def landed(cloud: RemoteCloud, key: str) -> bool:
    s3 = cloud.boto3("s3")
    bucket = cloud.info["env"]["DOCUMENTS_BUCKET"]
    return bool(s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount"))


def test_an_upload_within_the_cap_lands(cloud: RemoteCloud) -> None:
    s = slot(cloud, "upload-ok")
    r = upload_photo(s, JPEG + b"\0" * 1000)
    assert r.status_code == 204, r.text
    assert landed(cloud, s["uploadFields"]["key"])


def test_an_upload_over_the_cap_is_refused_by_s3(cloud: RemoteCloud) -> None:
    s = slot(cloud, "upload-big")
    r = upload_photo(s, JPEG + b"\0" * MAX_UPLOAD_BYTES)
    assert r.status_code == 400 and "EntityTooLarge" in r.text, r.text[:300]
    assert not landed(cloud, s["uploadFields"]["key"])


def _post(s: dict[str, Any], fields: dict[str, str], data: bytes) -> requests.Response:
    return requests.post(
        s["uploadUrl"], data=fields, files={"file": ("card", data, "image/jpeg")}, timeout=30
    )


def test_the_policy_cannot_be_lifted_or_stepped_around(cloud: RemoteCloud) -> None:
    s = slot(cloud, "upload-tamper")
    fields = s["uploadFields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    lifted = {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    tries = {
        "a raised cap (the signature no longer matches)": lifted,
        "another type": {**fields, "Content-Type": "text/html"},
        "another key": {**fields, "key": "id-cards/doc_someone_else"},
        "a field the policy does not name": {**fields, "acl": "public-read"},
    }
    for what, tampered in tries.items():
        r = _post(s, tampered, JPEG + b"\0" * 10)
        assert r.status_code == 403, (what, r.status_code, r.text[:300])
        assert "<Code>AccessDenied</Code>" in r.text or "SignatureDoesNotMatch" in r.text, what
    assert not landed(cloud, s["uploadFields"]["key"])
    assert not landed(cloud, "id-cards/doc_someone_else")

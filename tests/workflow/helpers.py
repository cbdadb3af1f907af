from __future__ import annotations

import time
import uuid
from typing import Any

from demo.personas import Applicant
from localcloud.client import RemoteCloud, upload_photo


def upload(cloud: RemoteCloud, a: Applicant, *, wait_for_ocr: bool = True) -> str:
    doc = cloud.call("POST", "/v1/documents", a.user_id, {"contentType": "image/jpeg"}).json()
    upload_photo(doc, a.photo()).raise_for_status()
    if wait_for_ocr:
        deadline = time.monotonic() + 60
        while (
            cloud.call("GET", f"/v1/documents/{doc['documentId']}", a.user_id).json()["status"]
            == "AWAITING_UPLOAD"
        ):
            assert time.monotonic() < deadline, "OCR did not finish"
            time.sleep(0.1)
    return str(doc["documentId"])


def apply(cloud: RemoteCloud, a: Applicant, document_id: str) -> str:
    r = cloud.call(
        "POST",
        "/v1/applications",
        a.user_id,
        a.application(document_id),
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 202, r.text
    return str(r.json()["applicationId"])


def decided(cloud: RemoteCloud, a: Applicant, application_id: str) -> dict[str, Any]:
    return cloud.wait_for_decision(a.user_id, application_id)


def codes(app: dict[str, Any]) -> set[str]:
    return {r["code"] for r in app["reasons"]}

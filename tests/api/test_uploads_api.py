"""The upload slot the API hands out (issue 13, part 4): a pre-signed POST whose policy caps
the size, fixes the key and the type; the cap is in the OpenAPI document; a refused upload
is visible and cannot be applied with."""

from __future__ import annotations

import base64
import json

from chalice.test import Client

from chalicelib import wiring
from chalicelib.documents.port import MAX_UPLOAD_BYTES, DocumentStatus
from tests.api.conftest import auth
from tests.api.test_origination_api import application_body, new_document, post_application


def test_an_upload_slot_is_a_post_with_a_policy_capping_the_size(
    client: Client, container: wiring.Container
) -> None:
    r = client.http.post(
        "/v1/documents", headers=auth(container), body=json.dumps({"contentType": "image/png"})
    )
    assert r.status_code == 201, r.body
    slot = r.json_body
    assert slot["uploadMethod"] == "POST" and slot["maxBytes"] == MAX_UPLOAD_BYTES
    assert "uploadHeaders" not in slot
    fields = slot["uploadFields"]
    assert fields["key"] == f"id-cards/{slot['documentId']}"
    assert fields["Content-Type"] == "image/png"
    conditions = json.loads(base64.b64decode(fields["policy"]))["conditions"]
    assert ["content-length-range", 1, MAX_UPLOAD_BYTES] in conditions


def test_the_cap_is_in_the_openapi_document() -> None:
    from chalicelib.api.openapi import openapi_document

    doc = openapi_document()
    max_bytes = doc["components"]["schemas"]["DocumentResponse"]["properties"]["maxBytes"]
    assert max_bytes["const"] == MAX_UPLOAD_BYTES
    assert "8 MiB" in doc["paths"]["/v1/documents"]["post"]["description"]


def test_a_refused_upload_shows_why_and_cannot_be_applied_with(
    client: Client, container: wiring.Container
) -> None:
    doc = new_document(client, container)
    container.documents.save_refusal(doc, "UPLOAD_TOO_LARGE")
    r = client.http.get(f"/v1/documents/{doc}", headers=auth(container))
    assert r.json_body["status"] == DocumentStatus.REFUSED.value, r.body
    assert r.json_body["refusal"]["code"] == "UPLOAD_TOO_LARGE"
    assert "8 MiB" in r.json_body["refusal"]["text"]
    r = post_application(client, container, application_body(doc))
    assert r.status_code == 409 and r.json_body["field"] == "documentId", r.body
    assert "new document" in r.json_body["detail"]
    assert container.workflows.started == []

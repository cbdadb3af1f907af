"""The live local API against its own OpenAPI document, with inputs schemathesis generates.

Whatever the document allows, or nearly allows, the API answers without a 5xx, with a
status the document lists, in the content type and shape it gives.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import settings
from schemathesis.specs.openapi import checks

from localcloud.client import RemoteCloud

ROOT = Path(__file__).resolve().parents[2]
schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")

CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=12, deadline=None)
def test_the_api_keeps_to_its_document(case, cloud: RemoteCloud) -> None:  # type: ignore[no-untyped-def]
    token = cloud.token("schema-user")
    case.call_and_validate(
        base_url=cloud.api_url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )

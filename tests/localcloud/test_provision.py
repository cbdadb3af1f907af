from __future__ import annotations

import json

import pytest

from localcloud.provision import (
    CREATED,
    MONITORING_ONLY,
    PERMISSION_ONLY,
    SCHEDULED_BY_THE_CLOCK,
    SERVED_BY_CHALICE_LOCAL,
    LocalNames,
    camel_to_snake,
    substitute,
)
from localcloud.template import load_resources


def test_every_template_resource_type_is_known_to_the_local_cloud() -> None:
    types = {r["Type"] for r in load_resources().values()}
    known = CREATED | PERMISSION_ONLY | MONITORING_ONLY | SERVED_BY_CHALICE_LOCAL
    assert types - known - SCHEDULED_BY_THE_CLOCK == set()


def test_intrinsics_resolve_to_local_names() -> None:
    names = LocalNames(stack="s", functions={"VerifyIdentity"}, parameters={"P": "7"})
    names.resources = load_resources()
    assert names.resolve({"Fn::GetAtt": ["VerifyIdentity", "Arn"]}).endswith(
        ":function:s-verify_identity"
    )
    assert names.resolve({"Ref": "LendingTable"}) == "s-LendingTable"
    assert names.resolve({"Fn::Sub": "x-${AWS::StackName}-${P}"}) == "x-s-7"
    assert camel_to_snake("PriceAndSetLine") == "price_and_set_line"
    assert names.resolve({"Ref": "NotificationsBus"}) == "s-notifications"
    assert names.resolve({"Fn::GetAtt": ["NotificationsBus", "Arn"]}) == (
        "arn:aws:events:us-east-1:123456789012:event-bus/s-notifications"
    )


def test_substitution_refuses_a_missing_token() -> None:
    with pytest.raises(KeyError, match="Missing"):
        substitute('{"a": "${Missing}"}', {})
    assert json.loads(substitute('{"a": "${X}"}', {"X": "arn"})) == {"a": "arn"}

"""Read the CloudFormation resources file and turn its parts into boto3 create calls.

The local cloud and the tests provision from infra/resources.yaml through these
functions, so the table the code meets locally is the one CloudFormation builds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

INFRA_DIR = Path(__file__).resolve().parents[1]
RESOURCES_FILE = INFRA_DIR / "resources.yaml"
PERMISSIONS_FILE = INFRA_DIR / "permissions.yaml"


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads the short-form intrinsics (!Ref, !Sub, !GetAtt ...) as dicts."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@cache
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)


def load_resources(path: Path = RESOURCES_FILE) -> dict[str, Any]:
    return _load(str(path))["Resources"]


def load_globals(path: Path = RESOURCES_FILE) -> dict[str, Any]:
    return _load(str(path)).get("Globals", {})


def load_parameters(path: Path = RESOURCES_FILE) -> dict[str, Any]:
    return _load(str(path)).get("Parameters", {})


def load_permissions(path: Path = PERMISSIONS_FILE) -> dict[str, Any]:
    """infra/permissions.yaml: `resources` (name -> ARN) and `functions` (name -> grants)."""
    return _load(str(path))


def table_create_args(table_name: str, logical_id: str = "LendingTable") -> dict[str, Any]:
    """boto3 `create_table` arguments for the table as the template declares it."""
    props = load_resources()[logical_id]["Properties"]
    args: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if "GlobalSecondaryIndexes" in props:
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return args


def table_ttl_attribute(logical_id: str = "LendingTable") -> str | None:
    spec = load_resources()[logical_id]["Properties"].get("TimeToLiveSpecification")
    return spec["AttributeName"] if spec and spec.get("Enabled") else None

"""Shared fixtures. Tiers: unit (fakes, no AWS), integration (moto), workflow (ASL executing in
moto)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from localcloud.template import table_create_args, table_ttl_attribute

REGION = "us-east-1"
TABLE_NAME = "lending-test"


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never let a test reach a real account, whatever the developer's shell holds.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def dynamodb_table(moto_aws: None):
    """The lending table, created in moto from infra/resources.yaml."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_create_args(TABLE_NAME))
    ttl = table_ttl_attribute()
    if ttl:
        client.update_time_to_live(
            TableName=TABLE_NAME, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )
    return boto3.resource("dynamodb", region_name=REGION).Table(TABLE_NAME)


@pytest.fixture
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each request atomically; moto's in-process stub does not (a condition
    checked by one thread can be overtaken by another's write before the update). For tests of
    racing writers: one lock around each request, as the local cloud has (localcloud/engine.py),
    so a race is decided by our conditions, not by moto's thread-safety."""
    import threading

    from moto.core import botocore_stubber

    lock = threading.RLock()
    original = botocore_stubber.BotocoreStubber.process_request

    def process_request(self: object, request: object) -> object:
        with lock:
            return original(self, request)

    monkeypatch.setattr(botocore_stubber.BotocoreStubber, "process_request", process_request)

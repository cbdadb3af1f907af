"""The secret port: one suite against the in-memory secret and an SSM SecureString in moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.secrets.memory import StaticSecret
from chalicelib.secrets.port import Secret, SecretUnavailable
from chalicelib.secrets.ssm import SsmSecureString

NAME = "/weili/pii-pepper"
MakeSecret = Callable[[str | None], Secret]


@pytest.fixture(params=["memory", "ssm"])
def make_secret(request: pytest.FixtureRequest) -> Iterator[MakeSecret]:
    """A secret holding `value` (None: one that was never created)."""
    if request.param == "memory":
        yield lambda value: StaticSecret(value or "", NAME)
        return
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]

        def make(value: str | None) -> Secret:
            if value is not None:
                ssm.put_parameter(Name=NAME, Value=value, Type="SecureString", KeyId=key)
            return SsmSecureString(NAME, ssm)

        yield make


def test_a_secret_reads_back_as_it_was_stored(make_secret: MakeSecret) -> None:
    assert make_secret("pepper-value-1").value() == "pepper-value-1"


def test_a_secret_that_does_not_exist_is_unavailable_by_name(make_secret: MakeSecret) -> None:
    with pytest.raises(SecretUnavailable, match=NAME):
        make_secret(None).value()


# --- the SSM adapter alone ---------------------------------------------------------------


@pytest.fixture
def ssm(moto_aws: None) -> Any:
    return boto3.client("ssm", region_name="us-east-1")


def test_a_pinned_version_is_read_decrypted(ssm: Any) -> None:
    ssm.put_parameter(Name=NAME, Value="first", Type="SecureString")
    ssm.put_parameter(Name=NAME, Value="second", Type="SecureString", Overwrite=True)
    assert SsmSecureString(f"{NAME}:1", ssm).value() == "first"
    assert SsmSecureString(f"{NAME}:2", ssm).value() == "second"
    assert SsmSecureString(NAME, ssm).value() == "second"


def test_the_value_is_read_once_per_container(ssm: Any) -> None:
    """A new version is picked up by a deploy (new containers), never inside one."""
    ssm.put_parameter(Name=NAME, Value="first", Type="SecureString")
    secret = SsmSecureString(f"{NAME}:1", ssm)
    assert secret.value() == "first"
    ssm.delete_parameter(Name=NAME)
    assert secret.value() == "first"


def test_the_unavailable_error_never_carries_the_value(ssm: Any) -> None:
    ssm.put_parameter(Name=NAME, Value="do-not-show-me", Type="SecureString")
    with pytest.raises(SecretUnavailable) as refused:
        SsmSecureString(f"{NAME}:7", ssm).value()  # no such version
    assert "do-not-show-me" not in str(refused.value)

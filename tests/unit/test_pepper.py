"""The PII pepper is read at run time from an SSM SecureString, not from the environment."""

from __future__ import annotations

import boto3

from chalicelib import wiring
from tests.fakes import make_settings

NAME = "/weili/pii-pepper"


def test_the_pepper_is_the_pinned_version_of_the_securestring_read_once_per_container(
    moto_aws: None,
) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=NAME, Value="first-pepper-value", Type="SecureString")
    ssm.put_parameter(Name=NAME, Value="second-pepper-value", Type="SecureString", Overwrite=True)
    # GIVEN a container whose settings pin version 1 of the parameter
    c = wiring.Container(make_settings(pii_pepper_parameter=f"{NAME}:1"))
    # WHEN it needs the pepper THEN it reads that version, decrypted
    assert c.pepper() == b"first-pepper-value"
    # and keeps it for the container's life: a new version is picked up by a new deploy
    ssm.delete_parameter(Name=NAME)
    assert c.pepper() == b"first-pepper-value"


def test_only_a_step_that_hashes_reads_the_secret(moto_aws: None) -> None:
    c = wiring.Container(make_settings(pii_pepper_parameter=NAME))
    assert c.origination_steps is not None
    # building the steps (as every origination Lambda does) touches no secret store
    assert "pepper_source" not in c.__dict__

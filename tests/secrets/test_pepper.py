"""The PII pepper is read at run time from an SSM SecureString, not from the environment, and
only by the step that hashes identifiers (Screen Fraud)."""

from __future__ import annotations

import boto3
import pytest

from chalicelib import wiring
from chalicelib.secrets.port import SecretUnavailable
from tests.fakes import make_settings

NAME = "/weili/pii-pepper"


def test_the_container_reads_the_pinned_version_of_the_securestring(moto_aws: None) -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=NAME, Value="first-pepper-value", Type="SecureString")
    ssm.put_parameter(Name=NAME, Value="second-pepper-value", Type="SecureString", Overwrite=True)
    # GIVEN a container whose settings pin version 1 of the parameter
    c = wiring.Container(make_settings(pii_pepper_parameter=f"{NAME}:1"))
    # WHEN it needs the pepper THEN it reads that version, decrypted
    assert c.pepper() == b"first-pepper-value"


def test_only_a_step_that_hashes_reads_the_secret(moto_aws: None) -> None:
    c = wiring.Container(make_settings(pii_pepper_parameter=NAME))
    # building the steps (as every origination Lambda does) touches no secret store
    assert c.origination_steps is not None
    assert "pepper_source" not in c.__dict__


def test_without_its_parameter_the_pepper_fails_naming_it(moto_aws: None) -> None:
    """No pepper, no pseudonyms: Screen Fraud fails (the workflow's Catch records the failure)
    instead of hashing with anything else."""
    c = wiring.Container(make_settings(pii_pepper_parameter=NAME))
    with pytest.raises(SecretUnavailable, match=NAME):
        c.pepper()

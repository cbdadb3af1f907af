"""Settings for tests that build a container themselves."""

from __future__ import annotations

from chalicelib.config import Settings


def make_settings(**overrides: str) -> Settings:
    values = dict(
        table_name="lending-test",
        documents_bucket="docs-test",
        origination_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:origination",
        disbursement_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:disbursement",
        repayment_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:repayment",
        model_dir="models/german",
        auth_mode="local",
        auth_audience="weili-mobile",
        auth_issuer="https://auth.test",
        pii_pepper_parameter="/weili/pii-pepper",
        business_clock="wall",
        event_bus_name="weili-test-notifications",
        close_of_business_state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:close-of-business",
        close_of_business_prefix="close-of-business/",
        auth_local_key="k" * 32,
    )
    values.update(overrides)
    return Settings(**values)

"""In-memory stand-ins for the ports, for tests that exercise services without AWS."""

from __future__ import annotations

from typing import Any

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
        auth_local_key="k" * 32,
    )
    values.update(overrides)
    return Settings(**values)


class FakeBlobs:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def presigned_put(self, key: str, content_type: str, expires_in: int) -> str:
        return f"https://blobs.test/{key}?expires={expires_in}"

    def get_bytes(self, key: str) -> bytes:
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects


class FakeWorkflows:
    def __init__(self, fail: bool = False) -> None:
        self.started: list[tuple[str, str, dict[str, Any]]] = []
        self.successes: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        if self.fail:
            raise RuntimeError("states unavailable")
        self.started.append((state_machine_arn, name, payload))
        return f"{state_machine_arn}:{name}"

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        self.successes.append((task_token, output))

"""Ports the origination services need beyond the repositories."""

from __future__ import annotations

from typing import Any, Protocol

from ..lines.port import CreditLine


class Workflows(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        """Start an execution named `name`; starting the same name twice is not an error."""

    def send_success(self, task_token: str, output: dict[str, Any]) -> None: ...


class CreditLines(Protocol):
    """The revolving line, owned by the money domain."""

    def open_line(
        self, user_id: str, limit_fen: int, apr: str, grade: str, application_id: str
    ) -> CreditLine: ...

    def get_line(self, user_id: str) -> CreditLine | None: ...


class StepFunctionsWorkflows:
    def __init__(self, sfn_client: Any) -> None:
        self._sfn = sfn_client

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        import json

        try:
            return self._sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )["executionArn"]
        except self._sfn.exceptions.ExecutionAlreadyExists:
            # A retried request after a lost response: the execution is already under way.
            return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        import json

        self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))

"""The workflow port on AWS Step Functions."""

from __future__ import annotations

import json
from typing import Any


class StepFunctionsWorkflows:
    def __init__(self, sfn_client: Any) -> None:
        self._sfn = sfn_client

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        try:
            arn: str = self._sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )["executionArn"]
            return arn
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))

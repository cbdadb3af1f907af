"""Starting executions: the recording fake and Step Functions (moto) agree that starting one
name twice is the same execution, not an error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.workflows.memory import RecordingWorkflows
from chalicelib.workflows.stepfunctions import StepFunctionsWorkflows

DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture(params=["memory", "moto"])
def workflows(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    if request.param == "memory":
        yield RecordingWorkflows(), "arn:aws:states:us-east-1:123456789012:stateMachine:m"
        return
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(
            name="m", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        yield StepFunctionsWorkflows(sfn), arn


def test_starting_a_name_twice_is_one_execution(workflows: tuple[Any, str]) -> None:
    wf, arn = workflows
    first = wf.start(arn, "app_1", {"applicationId": "app_1"})
    assert wf.start(arn, "app_1", {"applicationId": "app_1"}) == first
    assert first.endswith(":execution:m:app_1")
    assert wf.start(arn, "app_2", {"applicationId": "app_2"}) != first

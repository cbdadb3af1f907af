"""Our ASL on moto's Step Functions engine, in this process, with the Lambda steps routed to
the Chalice app: the workflow tier without the rest of the local cloud.

Tests of the API over in-memory stores use it so that what runs after a request is the real
state machine (its retries, catches and compensations), not a re-coding of it:

    with WorkflowsOnly.start() as engine:
        container.workflows = engine.workflows
        container.settings = engine.settings_for(container.settings)
        ...   # API calls start executions; the steps run against the container's fakes
        engine.settle()   # wait until every execution has ended
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, replace
from typing import Any

from . import engine
from .cloud import load_chalice_app
from .lambda_router import InProcessLambda
from .provision import (
    ACCOUNT,
    REGION,
    LocalNames,
    chalice_function_ids,
    image_function_handlers,
    render_definition,
)
from .template import load_resources

STACK = "weili-wf"
MACHINES = {
    "OriginationStateMachine": "origination_state_machine_arn",
    "DisbursementStateMachine": "disbursement_state_machine_arn",
    "RepaymentStateMachine": "repayment_state_machine_arn",
    "CloseOfBusinessStateMachine": "close_of_business_state_machine_arn",
}
# The close of business's files (work list, result files): the Distributed Map reads and
# writes them in moto's S3, so its bucket is real here whatever the container's stores are.
BUCKET = f"{STACK}-documents"


@dataclass
class WorkflowsOnly:
    sfn: Any
    arns: dict[str, str]  # settings field -> state machine ARN
    _mock: Any

    @classmethod
    def start(cls, review_timeout_seconds: int = 60) -> WorkflowsOnly:
        import boto3
        from moto import mock_aws

        mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        mock.start()
        engine.enable_state_machine_execution()
        app = load_chalice_app()
        engine.install(InProcessLambda.from_chalice(app, name_prefix=f"{STACK}-"))
        names = LocalNames(
            stack=STACK,
            functions=chalice_function_ids(app) | set(image_function_handlers()),
            parameters={"ReviewTimeoutSeconds": str(review_timeout_seconds)},
        )
        names.resources = load_resources()
        sfn = boto3.client("stepfunctions", region_name=REGION)
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        arns = {}
        for logical, setting in MACHINES.items():
            props = names.resources[logical]["Properties"]
            arns[setting] = sfn.create_state_machine(
                name=names.resolve(props["Name"]),
                definition=render_definition(names, props),
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/{STACK}",
            )["stateMachineArn"]
        return cls(sfn, arns, mock)

    @property
    def workflows(self) -> Any:
        from chalicelib.workflows.stepfunctions import StepFunctionsWorkflows

        return StepFunctionsWorkflows(self.sfn)

    @property
    def work_files(self) -> Any:
        """The close of business's files, in this engine's bucket (moto S3)."""
        import boto3

        from chalicelib.closing.s3 import S3WorkFiles

        return S3WorkFiles(boto3.client("s3", region_name=REGION), BUCKET)

    def settings_for(self, settings: Any) -> Any:
        """The container's settings, pointed at these state machines and this bucket."""
        return replace(settings, documents_bucket=BUCKET, **self.arns)

    def executions(self) -> list[dict[str, Any]]:
        out = []
        for arn in self.arns.values():
            pages = self.sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
            out += [e for page in pages for e in page["executions"]]
        return out

    def settle(self, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until no execution is running; return them all, ended."""
        deadline = time.monotonic() + timeout
        while True:
            executions = self.executions()
            if all(e["status"] != "RUNNING" for e in executions):
                return executions
            if time.monotonic() > deadline:
                running = [e["name"] for e in executions if e["status"] == "RUNNING"]
                raise TimeoutError(f"executions still running: {running}")
            time.sleep(0.01)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000
        )["events"]
        return events

    def stop(self, timeout: float = 30.0) -> None:
        """End what is still running, then the engine: no execution outlives its test.

        An execution's thread would otherwise carry on after its test, through the Lambda router
        into `wiring.container()`, which by then is the next test's: a draw left running wrote
        its loan into another test's books. A stopped execution ends after its current step; one
        waiting for a task token is also sent a failure, which wakes it to end.
        """
        from moto.stepfunctions.parser.utils import TMP_THREADS

        running = [e["executionArn"] for e in self.executions() if e["status"] == "RUNNING"]
        tokens = [t for arn in running for t in self._waiting_tokens(arn)]
        for arn in running:
            self.sfn.stop_execution(executionArn=arn, error="TestEnded")
        for token in tokens:
            with contextlib.suppress(Exception):  # it may have ended meanwhile
                self.sfn.send_task_failure(taskToken=token, error="TestEnded")
        deadline = time.monotonic() + timeout
        for thread in list(TMP_THREADS):
            thread.join(max(0.0, deadline - time.monotonic()))
        self._mock.stop()

    def _waiting_tokens(self, execution_arn: str) -> list[str]:
        tokens = []
        for event in self.history(execution_arn):
            details = event.get("taskScheduledEventDetails") or {}
            if details.get("resource", "").endswith(".waitForTaskToken"):
                token = json.loads(details["parameters"]).get("Payload", {}).get("taskToken")
                if token:
                    tokens.append(token)
        return tokens

    def __enter__(self) -> WorkflowsOnly:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

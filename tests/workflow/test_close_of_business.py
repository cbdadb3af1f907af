"""statemachines/close-of-business.asl.json on the engine, wired to stand-in functions
(tests/workflow/cob_handlers.py): the workflow's shape (work list in S3, batches, tolerated
failures written down, the summary read from them, one execution per business date), not the
day's money, which test_cob_*.py run with the real functions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.client import RemoteCloud
from localcloud.provision import ACCOUNT, REGION, LocalNames, render_definition
from localcloud.template import load_resources
from tests.workflow.cob_handlers import STAND_INS, work_list_location
from tests.workflow.test_distributed_map import finished, result_files

pytestmark = pytest.mark.slow

BATCH = 500  # MaxItemsPerBatch in the ASL
STACK = "weili-local"  # the local cloud's, whose router takes "<stack>-<function name>"


@pytest.fixture(scope="module")
def machine(cloud: RemoteCloud) -> str:
    """The close-of-business ASL, as the template fills it, its functions the stand-ins."""
    names = LocalNames(stack=STACK, functions=set())
    names.resources = load_resources()
    props = names.resources["CloseOfBusinessStateMachine"]["Properties"]
    prefix = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-"
    text = render_definition(names, props, overrides={k: prefix + v for k, v in STAND_INS.items()})
    return str(
        cloud.boto3("stepfunctions").create_state_machine(
            name=f"{STACK}-close-of-business-stand-ins",
            definition=text,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/stand-ins",
        )["stateMachineArn"]
    )


def close_day(
    cloud: RemoteCloud, machine: str, business_date: str, loan_ids: list[str]
) -> dict[str, Any]:
    where = work_list_location(business_date, cloud.info["env"]["DOCUMENTS_BUCKET"])
    cloud.boto3("s3").put_object(
        Bucket=where["bucket"], Key=where["key"], Body=json.dumps(loan_ids).encode()
    )
    arn = cloud.boto3("stepfunctions").start_execution(
        stateMachineArn=machine,
        name=business_date,
        input=json.dumps({"businessDate": business_date}),
    )["executionArn"]
    return finished(cloud, arn, timeout=120)


def loans(n: int, failing: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return [f"FAIL{i:06d}" if i in failing else f"L{i:06d}" for i in range(n)]


def test_a_day_closes_every_loan_in_batches_and_ends_with_its_summary(
    cloud: RemoteCloud, machine: str
) -> None:
    execution = close_day(cloud, machine, "2030-03-01", loans(1234))
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"]) == {
        "businessDate": "2030-03-01",
        "closed": 1234,
        "failed": 0,
        "failedBatches": [],
    }


def test_a_few_failed_loans_are_tolerated_and_their_batch_is_written_down(
    cloud: RemoteCloud, machine: str
) -> None:
    # One loan refused among 10,001: its batch of 500 is 4.99% of the day, under the 5% allowed.
    execution = close_day(cloud, machine, "2030-03-02", loans(10_001, failing={4_321}))
    assert execution["status"] == "SUCCEEDED", execution
    summary = json.loads(execution["output"])
    assert (summary["closed"], summary["failed"]) == (10_001 - BATCH, BATCH)
    assert summary["failedBatches"] == ["L004000"]  # the batch that held loan 4,321


def test_too_many_failed_loans_fail_the_day_recorded(cloud: RemoteCloud, machine: str) -> None:
    execution = close_day(cloud, machine, "2030-03-03", loans(1_200, failing={7}))
    assert execution["status"] == "FAILED"
    assert execution["error"] == "CloseOfBusinessFailed"
    history = cloud.boto3("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"], maxResults=1000
    )["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered[-2:] == ["Record Failure", "Day Not Closed"]
    # The failed batch is on record even though the Map Run failed.
    bucket = cloud.info["env"]["DOCUMENTS_BUCKET"]
    where = work_list_location("2030-03-03", bucket)
    s3 = cloud.boto3("s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=where["resultsPrefix"])["Contents"]
    ]
    (manifest,) = [k for k in keys if k.endswith("manifest.json")]
    failed = result_files(cloud, {"Bucket": bucket, "Key": manifest})["FAILED"]
    assert [json.loads(c["Input"])["Items"][7] for c in failed] == ["FAIL000007"]


def test_a_second_start_of_the_same_day_is_refused(cloud: RemoteCloud, machine: str) -> None:
    first = close_day(cloud, machine, "2030-03-04", loans(10))
    assert first["status"] == "SUCCEEDED"
    sfn = cloud.boto3("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=machine,
            name="2030-03-04",
            input=json.dumps({"businessDate": "2030-03-04"}),
        )

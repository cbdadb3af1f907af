"""statemachines/close-of-business.asl.json, as infra/resources.yaml deploys it, on the engine.

Its functions are stand-ins (tests/workflow/cob_handlers.py) until app.py has the real ones:
these tests hold the workflow's shape (work list in S3, batches, tolerated failures written
down, the summary read from them, one execution per business date), not the day's money.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.client import RemoteCloud
from tests.workflow.cob_handlers import work_list_location
from tests.workflow.test_distributed_map import finished, result_files

pytestmark = pytest.mark.slow

BATCH = 500  # MaxItemsPerBatch in the ASL


def close_day(cloud: RemoteCloud, business_date: str, loan_ids: list[str]) -> dict[str, Any]:
    where = work_list_location(business_date, cloud.info["env"]["DOCUMENTS_BUCKET"])
    cloud.boto3("s3").put_object(
        Bucket=where["bucket"], Key=where["key"], Body=json.dumps(loan_ids).encode()
    )
    arn = cloud.boto3("stepfunctions").start_execution(
        stateMachineArn=cloud.info["physical"]["CloseOfBusinessStateMachine"],
        name=business_date,
        input=json.dumps({"businessDate": business_date}),
    )["executionArn"]
    return finished(cloud, arn, timeout=120)


def loans(n: int, failing: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return [f"FAIL{i:06d}" if i in failing else f"L{i:06d}" for i in range(n)]


def test_a_day_closes_every_loan_in_batches_and_ends_with_its_summary(cloud: RemoteCloud) -> None:
    execution = close_day(cloud, "2030-03-01", loans(1234))
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"]) == {
        "businessDate": "2030-03-01",
        "closed": 1234,
        "failed": 0,
        "failedBatches": [],
    }


def test_a_few_failed_loans_are_tolerated_and_their_batch_is_written_down(
    cloud: RemoteCloud,
) -> None:
    # One loan refused among 10,001: its batch of 500 is 4.99% of the day, under the 5% allowed.
    execution = close_day(cloud, "2030-03-02", loans(10_001, failing={4_321}))
    assert execution["status"] == "SUCCEEDED", execution
    summary = json.loads(execution["output"])
    assert (summary["closed"], summary["failed"]) == (10_001 - BATCH, BATCH)
    assert summary["failedBatches"] == ["L004000"]  # the batch that held loan 4,321


def test_too_many_failed_loans_fail_the_day_recorded(cloud: RemoteCloud) -> None:
    execution = close_day(cloud, "2030-03-03", loans(1_200, failing={7}))
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


def test_a_second_start_of_the_same_day_is_refused(cloud: RemoteCloud) -> None:
    first = close_day(cloud, "2030-03-04", loans(10))
    assert first["status"] == "SUCCEEDED"
    sfn = cloud.boto3("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=cloud.info["physical"]["CloseOfBusinessStateMachine"],
            name="2030-03-04",
            input=json.dumps({"businessDate": "2030-03-04"}),
        )

"""A Distributed Map on the local engine, as AWS runs it (infra/localcloud/distributed_map.py).

The ASL under test is tests/workflow/asl/batched-map.asl.json, checked here to be valid on AWS
too. Its child (`echo_batch`, tests/workflow/cob_handlers.py) answers the batch it was given and
refuses ids that start with FAIL, so each test knows which children fail.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from localcloud.client import RemoteCloud
from localcloud.provision import substitute
from tests.statemachines.test_static import cfn_lint_problems, statelint_problems

pytestmark = pytest.mark.slow

ASL = Path(__file__).parent / "asl" / "batched-map.asl.json"
ECHO_BATCH = "arn:aws:lambda:us-east-1:123456789012:function:echo_batch"


def definition(**changes: Any) -> str:
    """The test ASL with its child's ARN, and changes to its Map state (None removes a field)."""
    doc = json.loads(substitute(ASL.read_text(), {"EchoBatchFunctionArn": ECHO_BATCH}))
    state = doc["States"]["Process Items In Batches"]
    for key, value in changes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    return json.dumps(doc)


def machine(cloud: RemoteCloud, text: str) -> str:
    return str(
        cloud.boto3("stepfunctions").create_state_machine(
            name=f"batched-{uuid.uuid4().hex[:8]}",
            definition=text,
            roleArn="arn:aws:iam::123456789012:role/test",
        )["stateMachineArn"]
    )


def finished(cloud: RemoteCloud, execution_arn: str, timeout: float = 60) -> dict[str, Any]:
    sfn = cloud.boto3("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        d = sfn.describe_execution(executionArn=execution_arn)
        if d["status"] != "RUNNING":
            return dict(d)
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.05)


def run(cloud: RemoteCloud, text: str, items: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Put `items` in S3, run the machine over them: (execution, its input)."""
    bucket = cloud.info["env"]["DOCUMENTS_BUCKET"]
    prefix = f"tests/{uuid.uuid4().hex}"
    cloud.boto3("s3").put_object(
        Bucket=bucket, Key=f"{prefix}/items.json", Body=json.dumps(items).encode()
    )
    given = {
        "bucket": bucket,
        "key": f"{prefix}/items.json",
        "resultsPrefix": f"{prefix}/results",
        "businessDate": "2030-01-02",
    }
    arn = cloud.boto3("stepfunctions").start_execution(
        stateMachineArn=machine(cloud, text), input=json.dumps(given)
    )["executionArn"]
    return finished(cloud, arn), given


def result_files(cloud: RemoteCloud, details: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    s3 = cloud.boto3("s3")

    def read(key: str) -> Any:
        return json.loads(s3.get_object(Bucket=details["Bucket"], Key=key)["Body"].read())

    manifest = read(details["Key"])
    return {
        status: [entry for f in files for entry in read(f["Key"])]
        for status, files in manifest["ResultFiles"].items()
    }


def map_run(cloud: RemoteCloud, execution_arn: str) -> dict[str, Any]:
    sfn = cloud.boto3("stepfunctions")
    (only,) = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    return dict(sfn.describe_map_run(mapRunArn=only["mapRunArn"]))


def ids(n: int, failing: set[int] = frozenset()) -> list[dict[str, str]]:  # type: ignore[assignment]
    return [{"id": f"FAIL{i:04d}" if i in failing else f"L{i:04d}"} for i in range(n)]


def test_the_test_asl_is_valid_on_aws() -> None:
    text = definition()
    assert statelint_problems(text) == []
    assert cfn_lint_problems(text) == []


def test_items_reach_the_children_exactly_as_batched(cloud: RemoteCloud) -> None:
    execution, given = run(cloud, definition(), ids(23))
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    files = result_files(cloud, output["results"]["ResultWriterDetails"])
    assert files["FAILED"] == [] and files["PENDING"] == []
    children = sorted(
        (json.loads(c["Input"]) for c in files["SUCCEEDED"]), key=lambda b: b["Items"][0]["id"]
    )
    # MaxItemsPerBatch 5, in order, each item once; BatchInput evaluated against the input.
    assert [len(c["Items"]) for c in children] == [5, 5, 5, 5, 3]
    assert [i for c in children for i in c["Items"]] == ids(23)
    assert all(
        c["BatchInput"] == {"businessDate": given["businessDate"], "source": "test"}
        for c in children
    )
    # The children answered what they were given: their outputs are recorded beside it.
    for entry in files["SUCCEEDED"]:
        echoed = json.loads(entry["Output"])
        assert echoed["ids"] == [i["id"] for i in json.loads(entry["Input"])["Items"]]
    counts = map_run(cloud, execution["executionArn"])
    assert counts["itemCounts"]["succeeded"] == 23
    assert counts["executionCounts"]["succeeded"] == 5
    assert counts["maxConcurrency"] == 3


def test_max_input_bytes_closes_a_batch_before_it_grows_too_large(cloud: RemoteCloud) -> None:
    limit = 120
    batcher = {"MaxInputBytesPerBatch": limit, "BatchInput": {"source": "test"}}
    execution, _ = run(cloud, definition(ItemBatcher=batcher), ids(20))
    assert execution["status"] == "SUCCEEDED", execution
    files = result_files(cloud, json.loads(execution["output"])["results"]["ResultWriterDetails"])
    batches = [json.loads(c["Input"]) for c in files["SUCCEEDED"]]
    assert sorted(i["id"] for b in batches for i in b["Items"]) == [i["id"] for i in ids(20)]
    for b in batches:
        size = len(json.dumps(b, separators=(",", ":")))
        assert size <= limit
        # ... and no bigger batch would have fit: one more item goes over the limit.
        assert size + len(json.dumps(ids(1)[0], separators=(",", ":"))) + 1 > limit


def test_tolerated_failures_are_counted_and_written_down(cloud: RemoteCloud) -> None:
    # 40 items in batches of 5; two failing ids in two batches: 10 of 40 items, 25%: tolerated.
    execution, _ = run(cloud, definition(), ids(40, failing={3, 27}))
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert "error" not in output
    files = result_files(cloud, output["results"]["ResultWriterDetails"])
    assert len(files["SUCCEEDED"]) == 6
    failed = {json.loads(c["Input"])["Items"][0]["id"]: c for c in files["FAILED"]}
    assert set(failed) == {"L0000", "L0025"}
    for entry in failed.values():
        assert entry["Error"] == "LoanNotClosed"
        assert entry["Status"] == "FAILED"
    counts = map_run(cloud, execution["executionArn"])["itemCounts"]
    assert (counts["succeeded"], counts["failed"], counts["total"]) == (30, 10, 40)


def test_past_the_threshold_the_map_run_fails_and_its_failures_are_kept(
    cloud: RemoteCloud,
) -> None:
    # One failing batch of 5 among 40 items, with one item tolerated: the Map Run fails.
    text = definition(ToleratedFailurePercentage=None, ToleratedFailureCount=1, MaxConcurrency=1)
    execution, given = run(cloud, text, ids(40, failing={0}))
    assert execution["status"] == "SUCCEEDED", execution  # caught by the ASL
    output = json.loads(execution["output"])
    assert output["error"]["Error"] == "States.ExceedToleratedFailureThreshold"
    assert "5 of 40 items failed" in output["error"]["Cause"]
    # The Map Run stopped starting children; what ran and what never did is written down.
    bucket = given["bucket"]
    s3 = cloud.boto3("s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=given["resultsPrefix"])["Contents"]
    ]
    (manifest_key,) = [k for k in keys if k.endswith("manifest.json")]
    files = result_files(cloud, {"Bucket": bucket, "Key": manifest_key})
    assert [json.loads(c["Input"])["Items"][0]["id"] for c in files["FAILED"]] == ["FAIL0000"]
    assert len(files["PENDING"]) == 7  # MaxConcurrency 1: none of the others started
    assert map_run(cloud, execution["executionArn"])["status"] == "FAILED"


def test_without_a_tolerance_one_failed_item_fails_the_map_run(cloud: RemoteCloud) -> None:
    text = definition(ToleratedFailurePercentage=None)
    execution, _ = run(cloud, text, ids(10, failing={9}))
    output = json.loads(execution["output"])
    assert output["error"]["Error"] == "States.ExceedToleratedFailureThreshold"


def test_an_itembatcher_on_an_inline_map_is_refused_at_creation(cloud: RemoteCloud) -> None:
    doc = json.loads(definition())
    doc["States"]["Process Items In Batches"]["ItemProcessor"]["ProcessorConfig"] = {
        "Mode": "INLINE"
    }
    with pytest.raises(Exception, match="ItemBatcher needs a DISTRIBUTED Map"):
        machine(cloud, json.dumps(doc))

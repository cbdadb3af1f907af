"""Test-only Lambda functions, registered in the local cloud's process by name (HANDLERS).

Stand-ins for the close-of-business machine's functions, under names of their own
(`stand_in_*`), for the tests of the engine and the ASL's shape (test_close_of_business.py runs
the real ASL file wired to them: batches, tolerated failures written down, one execution per
date), where real loans would only slow the test down; the real functions (app.py) are what the
deployed machine runs, and the other workflow tests run those. They keep to the contract the
ASL's Comments state: ids and counts in, ids and counts out.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

FAILING_PREFIX = "FAIL"  # a loan id the stand-in `close_loans` refuses


class LoanNotClosed(Exception):
    """A loan the stand-in refuses to close: its batch's child fails (not retried)."""


def work_list_location(business_date: str, bucket: str | None = None) -> dict[str, str]:
    """In the cloud's process the bucket is its setting; a test passes it from cloud.info."""
    prefix = f"close-of-business/stand-ins/{business_date}"
    return {
        "bucket": bucket or os.environ["DOCUMENTS_BUCKET"],
        "key": f"{prefix}/work-list.json",
        "resultsPrefix": f"{prefix}/results",
        "linesKey": f"{prefix}/lines.json",
        "linesResultsPrefix": f"{prefix}/line-results",
    }


def write_work_list(event: dict[str, Any], context: Any) -> dict[str, str]:
    # The test has put the day's list of loans there; the real function writes it from the
    # loans. The lines' list is the users of the loans (a stand-in's choice: ids to batch).
    where = work_list_location(event["businessDate"])
    s3 = boto3.client("s3")
    loans = _read(s3, where["bucket"], where["key"])
    s3.put_object(Bucket=where["bucket"], Key=where["linesKey"], Body=json.dumps(loans).encode())
    return where


def close_loans(event: dict[str, Any], context: Any) -> dict[str, Any]:
    refused = [i for i in event["loanIds"] if i.startswith(FAILING_PREFIX)]
    if refused:
        raise LoanNotClosed(f"{len(refused)} loans refused")
    return {"businessDate": event["businessDate"], "closed": len(event["loanIds"])}


def close_lines(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"businessDate": event["businessDate"], "lines": len(event["userIds"])}


def _read(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def write_day_summary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Counts from the Map's result files, as the real summary will read them."""
    s3 = boto3.client("s3")
    bucket = event["results"]["Bucket"]
    manifest = _read(s3, bucket, event["results"]["Key"])
    files = manifest["ResultFiles"]
    succeeded = [c for f in files["SUCCEEDED"] for c in _read(s3, bucket, f["Key"])]
    failed = [c for f in files["FAILED"] for c in _read(s3, bucket, f["Key"])]
    return {
        "businessDate": event["businessDate"],
        "closed": sum(json.loads(c["Output"])["closed"] for c in succeeded),
        "failed": sum(len(json.loads(c["Input"])["Items"]) for c in failed),
        "failedBatches": [json.loads(c["Input"])["Items"][0] for c in failed],
    }


def start_reports(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"started": []}


def record_close_of_business_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"recorded": event["error"]["Error"]}


def echo_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """tests/workflow/asl/batched-map.asl.json's child: answers what it was given."""
    ids = [item["id"] for item in event["Items"]]
    refused = [i for i in ids if i.startswith(FAILING_PREFIX)]
    if refused:
        raise LoanNotClosed(",".join(refused))
    return {"ids": ids, "batchInput": event.get("BatchInput")}


# ASL token -> the stand-in's function name
STAND_INS = {
    "WriteWorkListFunctionArn": "stand_in_write_work_list",
    "CloseLoansFunctionArn": "stand_in_close_loans",
    "CloseLinesFunctionArn": "stand_in_close_lines",
    "WriteDaySummaryFunctionArn": "stand_in_write_day_summary",
    "StartReportsFunctionArn": "stand_in_start_reports",
    "RecordCloseOfBusinessFailureFunctionArn": "stand_in_record_close_of_business_failure",
}

HANDLERS = {
    "stand_in_write_work_list": write_work_list,
    "stand_in_close_loans": close_loans,
    "stand_in_close_lines": close_lines,
    "stand_in_write_day_summary": write_day_summary,
    "stand_in_start_reports": start_reports,
    "stand_in_record_close_of_business_failure": record_close_of_business_failure,
    "echo_batch": echo_batch,
}

"""The reports' stores, one contract each: report files (memory, S3 on moto) and the loan
book (memory, a DynamoDB scan on moto)."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import PENDING
from chalicelib.reports.dynamo import SEGMENTS, DynamoLoanBook
from chalicelib.reports.memory import InMemoryLoanBook, InMemoryReportFiles
from chalicelib.reports.port import CSV, sha256
from chalicelib.reports.s3 import S3ReportFiles
from tests.reports.book import seeded

BUCKET = "docs-test"


@pytest.fixture(params=["memory", "s3"])
def files(request):
    if request.param == "memory":
        return InMemoryReportFiles()
    request.getfixturevalue("moto_aws")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    return S3ReportFiles(s3, BUCKET)


def test_a_file_is_written_read_back_and_replaced_by_the_same_key(files) -> None:
    assert files.get("reports/bureau/2026-06.csv") is None
    stored = files.put("reports/bureau/2026-06.csv", b"a,b\n1,2\n", CSV)
    assert (stored.key, stored.size, stored.sha256) == (
        "reports/bureau/2026-06.csv",
        8,
        sha256(b"a,b\n1,2\n"),
    )
    assert files.get("reports/bureau/2026-06.csv") == b"a,b\n1,2\n"
    files.put("reports/bureau/2026-06.csv", b"a,b\n1,2\n", CSV)  # a re-run: the same object
    assert files.get("reports/bureau/2026-06.csv") == b"a,b\n1,2\n"


def test_the_s3_object_is_csv(moto_aws) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    S3ReportFiles(s3, BUCKET).put("reports/bureau/2026-06.csv", b"x\n", CSV)
    head = s3.head_object(Bucket=BUCKET, Key="reports/bureau/2026-06.csv")
    assert head["ContentType"] == CSV


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request):
    if request.param == "memory":
        loans = InMemoryLoans()
        return loans, InMemoryLoanBook(loans)
    table = request.getfixturevalue("dynamodb_table")
    return DynamoLoans(table), DynamoLoanBook(table)


def test_the_book_is_every_disbursed_loan(stores) -> None:
    loans, book = stores
    for record in seeded():
        loans.create(record)
    pending = replace(seeded()[0], loan_id="L-pending", status=PENDING)
    loans.create(pending)
    got = sorted(book.disbursed_loans(), key=lambda r: r.loan_id)
    assert [r.loan_id for r in got] == ["L-closed", "L-cur", "L-m1", "L-npl", "L-wo"]
    want = {r.loan_id: r for r in seeded()}
    for r in got:
        assert (r.status, r.payments, r.written_off_on, r.last_closed) == (
            want[r.loan_id].status,
            want[r.loan_id].payments,
            want[r.loan_id].written_off_on,
            want[r.loan_id].last_closed,
        )


def test_the_book_pages_through_a_table_larger_than_one_scan_in_segments(dynamodb_table) -> None:
    loans = DynamoLoans(dynamodb_table)
    base = seeded()[0]
    for i in range(60):
        loans.create(replace(base, loan_id=f"L{i:03d}"))
    book = DynamoLoanBook(dynamodb_table)
    client = dynamodb_table.meta.client
    scans: list[dict] = []
    original = client.scan

    def small_pages(**kw):
        scans.append(kw)
        return original(**{**kw, "Limit": 3})

    client.scan = small_pages
    try:
        got = [r.loan_id for r in book.disbursed_loans()]
    finally:
        client.scan = original
    # every loan once, read by every segment of a parallel scan, each paging on its own
    assert sorted(got) == [f"L{i:03d}" for i in range(60)]
    assert {s["Segment"] for s in scans} == set(range(SEGMENTS))
    assert {s["TotalSegments"] for s in scans} == {SEGMENTS}
    assert any("ExclusiveStartKey" in s for s in scans)

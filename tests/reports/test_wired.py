"""The container's wiring of what the close of business calls, over moto: `reports` writes the
month's bureau file to the documents bucket; `line_servicing` freezes a line in the table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import boto3

from chalicelib import wiring
from chalicelib.loans.port import LoanRecord
from chalicelib.money.schedule import ACTUAL_360, build_schedule
from tests.fakes import make_settings
from tests.reports.book import AS_OF, seeded
from tests.reports.test_bureau import JUNE


def test_the_reports_write_the_bureau_file_to_the_documents_bucket(dynamodb_table) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="docs-test")
    c = wiring.Container(make_settings())
    for record in seeded():
        c.loans.create(record)
    started = c.reports.after_close(AS_OF)
    assert started.bureau is not None and started.bureau.key == "reports/bureau/2026-06.csv"
    body = s3.get_object(Bucket="docs-test", Key="reports/bureau/2026-06.csv")["Body"].read()
    assert body.decode() == JUNE
    assert c.reports.after_close(date(2026, 7, 2)).why == "ALREADY_SUBMITTED"


def test_line_servicing_freezes_a_line_in_the_table(dynamodb_table) -> None:
    c = wiring.Container(make_settings())
    c.event_publisher = type("Bus", (), {"publish_events": lambda self, ns: []})()
    start = date(2026, 3, 2)
    c.credit_lines.open_line("u1", 1_000_000, Decimal("0.144"), "C", "app-1", start)
    s = build_schedule(300_000, Decimal("0.144"), 3, start, day_count=ACTUAL_360)
    c.credit_lines.reserve("u1", "L1", 300_000)
    c.loans.create(LoanRecord.from_schedule("L1", "u1", s, "card-u1", "t"))
    c.loans.disburse("L1", "2026-03-02T02:00:00.000Z")
    out = c.line_servicing.close_line(
        "u1", s.due_dates[0] + timedelta(days=1), "2026-04-03T16:00:00.000Z"
    )
    assert out.frozen and c.credit_lines.get_line("u1").status == "FROZEN"

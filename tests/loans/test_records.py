"""Loan items: the schedule and payments as compact JSON, and items in the older typed form."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from chalicelib.loans.port import LoanRecord
from chalicelib.loans.records import loan_from_item, loan_item, payment_keys
from chalicelib.money.schedule import build_schedule
from chalicelib.money.servicing import Payment


def _loan() -> LoanRecord:
    s = build_schedule(300_000, Decimal("0.18"), 6, date(2024, 6, 1))
    rec = LoanRecord.from_schedule("L1", "u1", s, "acct", "t")
    return LoanRecord(
        **{**rec.__dict__, "payments": (Payment("r1", date(2024, 6, 5), 10_000, 0, 300, 9_700),)}
    )


def test_schedule_and_payments_are_one_string_each_and_read_back() -> None:
    loan = _loan()
    item = loan_item(loan)
    assert isinstance(item["schedule"], str) and isinstance(item["payments"], str)
    assert json.loads(item["schedule"])["dueDates"][0] == "2024-07-01"
    assert loan_from_item(item) == loan
    assert payment_keys(item) == {"r1"}


def test_an_item_written_in_the_typed_form_still_reads() -> None:
    loan = _loan()
    item = loan_item(loan)
    item["schedule"] = json.loads(item["schedule"])
    item["payments"] = json.loads(item["payments"])
    assert loan_from_item(item) == loan and payment_keys(item) == {"r1"}

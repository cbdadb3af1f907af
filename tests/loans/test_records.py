"""Loan items: the schedule, payments and book as compact JSON, exact both ways, and items
written in the earlier forms (payments as JSON objects; typed DynamoDB lists and maps)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.loans.port import LoanRecord
from chalicelib.loans.records import loan_from_item, loan_item, payment_keys
from chalicelib.money.accrual import Book
from chalicelib.money.schedule import build_schedule, due_dates
from chalicelib.money.servicing import Payment

LOAN_ID = "loan_01hx0000000000000000000000"


def _loan(payments: tuple[Payment, ...] = (), **changes: Any) -> LoanRecord:
    s = build_schedule(300_000, Decimal("0.18"), 6, date(2024, 6, 1))
    rec = LoanRecord.from_schedule(LOAN_ID, "u1", s, "acct", "t")
    return replace(rec, payments=payments, **changes)


AUTO = Payment(f"auto-{LOAN_ID}-20240701-0", date(2024, 7, 1), 52_656, 0, 4_500, 48_156)
MINE = Payment("rep_01hx0000000000000000000001", date(2024, 7, 9), 10_000, 0, 300, 9_700)
OVER = Payment(f"auto-{LOAN_ID}-20240801-1", date(2024, 8, 2), 60_000, 120, 3_700, 48_890)


def _previous(loan: LoanRecord) -> dict[str, Any]:
    """The item as it was written before the compact form (JSON objects, the book a map)."""
    item = loan_item(loan)
    item["schedule"] = json.dumps(
        {
            "dueDates": [d.isoformat() for d in loan.due_dates],
            "principal": list(loan.scheduled_principal),
            "interest": list(loan.scheduled_interest),
        },
        separators=(",", ":"),
    )
    item["payments"] = json.dumps([p.as_record() for p in loan.payments], separators=(",", ":"))
    item["book"] = loan.book.as_record()
    return item


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    """The schedule and payments as the typed lists and maps written before them, read back
    through boto3 (numbers as Decimal)."""
    out = {
        **item,
        "schedule": json.loads(item["schedule"]),
        "payments": json.loads(item["payments"]),
    }
    return _through_dynamodb(out)


def _through_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    ser, de = TypeSerializer(), TypeDeserializer()
    return {k: de.deserialize(ser.serialize(v)) for k, v in item.items()}


def test_the_item_keeps_rows_the_contract_due_dates_and_the_counters_not_zero() -> None:
    loan = _loan(
        (AUTO, MINE, OVER), book=Book(interest_accrued_fen=9_000, interest_settled_fen=8_500)
    )
    item = loan_item(loan)
    # the loan's own auto-debit is its attempt number; the amount only when it is not the parts
    assert json.loads(item["payments"]) == [
        [0, "2024-07-01", 0, 4_500, 48_156],
        ["rep_01hx0000000000000000000001", "2024-07-09", 0, 300, 9_700],
        # collected on the 2nd for the 1st's retry: its key names another day, written whole;
        # more collected than the parts: the amount follows them
        [f"auto-{LOAN_ID}-20240801-1", "2024-08-02", 120, 3_700, 48_890, 60_000],
    ]
    # the due dates are the contract's (start's day of month): not written
    assert set(json.loads(item["schedule"])) == {"principal", "interest"}
    assert json.loads(item["book"]) == {"interestAccruedFen": 9_000, "interestSettledFen": 8_500}
    assert loan_from_item(item) == loan == loan_from_item(_through_dynamodb(item))
    assert payment_keys(item) == {AUTO.key, MINE.key, OVER.key}


def test_due_dates_other_than_the_contracts_are_written_out() -> None:
    moved = tuple(d + timedelta(days=1) for d in _loan().due_dates)
    loan = _loan(due_dates=moved)
    assert json.loads(loan_item(loan)["schedule"])["dueDates"][0] == "2024-07-02"
    assert loan_from_item(loan_item(loan)) == loan


def test_items_written_in_the_earlier_forms_still_read() -> None:
    loan = _loan((AUTO, MINE, OVER), book=Book(penalty_accrued_fen=7))
    for item in (_previous(loan), _typed(_previous(loan)), _through_dynamodb(_previous(loan))):
        assert loan_from_item(item) == loan
        assert payment_keys(item) == {AUTO.key, MINE.key, OVER.key}
    # a loan item written before the book existed reads with an empty one
    item = _previous(loan)
    del item["book"]
    assert loan_from_item(item).book == Book()


# --- exact round trip over what a loan can hold ----------------------------------------------

_ids = st.text(min_size=1, max_size=30)
_fen = st.integers(-(10**15), 10**15)
_days = st.dates(date(1, 1, 1), date(9999, 12, 31))


@st.composite
def _payment(draw: st.DrawFn, loan_id: str) -> Payment:
    on = draw(_days)
    attempt = draw(
        st.one_of(
            st.integers(0, 10**6).map(str),
            st.sampled_from(["00", "01", "-1", "+1", " 1", "1 ", "1_0", "²", "١", "0x1", ""]),
            st.text(max_size=4),
        )
    )
    key = draw(
        st.one_of(
            st.just(f"auto-{loan_id}-{on:%Y%m%d}-{attempt}"),  # its own auto-debit (or near)
            st.builds(lambda d, a: f"auto-{loan_id}-{d:%Y%m%d}-{a}", _days, st.integers(0, 9)),
            st.just(f"auto-{loan_id}-{on:%Y%m%d}"),
            st.builds(lambda other: f"auto-{other}-{on:%Y%m%d}-0", _ids),  # another loan's
            _ids,  # the borrower's repayment ids, or anything
        )
    )
    parts = draw(st.tuples(_fen, _fen, _fen))
    amount = draw(st.sampled_from([sum(parts), parts[1] + parts[2]]) | _fen)
    return Payment(key, on, amount, *parts)


@st.composite
def _loans(draw: st.DrawFn) -> LoanRecord:
    loan_id = draw(_ids)
    start = draw(st.dates(date(1, 1, 1), date(9000, 1, 1)))
    n = draw(st.integers(1, 40))
    contract = due_dates(start, n)
    dues = draw(
        st.one_of(
            st.just(contract),
            st.lists(_days, min_size=n, max_size=n).map(tuple),
            st.just((*contract[:-1], contract[-1] + timedelta(days=1))),
        )
    )
    return LoanRecord(
        loan_id=loan_id,
        user_id="u",
        principal_fen=draw(_fen),
        apr=Decimal("0.18"),
        start=start,
        method="EQUAL_INSTALLMENT",
        day_count="ACTUAL_360",
        rounding="HALF_UP",
        due_dates=dues,
        scheduled_principal=tuple(draw(st.lists(_fen, min_size=n, max_size=n))),
        scheduled_interest=tuple(draw(st.lists(_fen, min_size=n, max_size=n))),
        account_ref="acct",
        created_at="t",
        status="ACTIVE",
        payments=tuple(draw(st.lists(_payment(loan_id), max_size=6))),
        book=Book(*draw(st.lists(_fen, min_size=8, max_size=8))),
        last_closed=draw(st.none() | _days),
    )


@given(_loans())
def test_every_loan_reads_back_exactly(loan: LoanRecord) -> None:
    item = loan_item(loan)
    assert loan_from_item(item) == loan
    assert loan_from_item(_through_dynamodb(item)) == loan
    assert payment_keys(item) == {p.key for p in loan.payments}


@given(_loans())
def test_every_loan_written_in_the_earlier_forms_reads_back_exactly(loan: LoanRecord) -> None:
    assert loan_from_item(_previous(loan)) == loan
    assert loan_from_item(_typed(_previous(loan))) == loan

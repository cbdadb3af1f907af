"""Loan records as DynamoDB items (pure).

The schedule and the payments are kept as compact JSON strings, not as DynamoDB lists and
maps: each is read and written whole, never queried, and a 36-month loan as typed lists and maps
is some 250 attribute values that every read parses one by one (botocore's shape walk, then
boto3's TypeDeserializer): the close of business reads every open loan each night, and that
parse was most of its CPU (bench/bench_cob.py). Items written in the typed form still read.
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.loans.port import LoanRecord
from chalicelib.money.accrual import Book
from chalicelib.money.servicing import Payment

RESERVATIONS = "repaymentReservations"  # string set of "{repaymentId}={amountFen}"
RESERVED_FEN = "reservedFen"  # their sum, what a condition can compare


def loan_key(loan_id: str) -> dict[str, str]:
    return {"PK": f"LOAN#{loan_id}", "SK": "LOAN"}


# The close of business's list of loans to serve: one small marker item per ACTIVE or OVERDUE
# loan, written with the disbursement and deleted in the write that closes or writes the loan
# off. A Query per shard reads the list (keys only), so the nightly work list never scans the
# table. Sharded so no one partition holds the whole book; 16 Queries a night cost nothing.
OPEN_LOAN_SHARDS = 16
OPEN_LOANS_PREFIX = "OPEN_LOANS#"
MARKER_PREFIX = "LOAN#"


def open_loans_partition(shard: int) -> str:
    return f"{OPEN_LOANS_PREFIX}{shard:02d}"


def open_loan_marker_key(loan_id: str) -> dict[str, str]:
    shard = zlib.crc32(loan_id.encode()) % OPEN_LOAN_SHARDS
    return {"PK": open_loans_partition(shard), "SK": MARKER_PREFIX + loan_id}


def open_loan_marker_item(loan_id: str) -> dict[str, Any]:
    return {**open_loan_marker_key(loan_id), "type": "OPEN_LOAN"}


def loan_id_of_marker(item: dict[str, Any]) -> str:
    return str(item["SK"]).removeprefix(MARKER_PREFIX)


def reservation_element(repayment_id: str, amount_fen: int) -> str:
    return f"{repayment_id}={amount_fen}"


def reservations_from_item(item: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    out = []
    for e in item.get(RESERVATIONS) or ():
        rid, _, amount = str(e).rpartition("=")
        out.append((rid, int(amount)))
    return tuple(sorted(out))


def loan_item(loan: LoanRecord) -> dict[str, Any]:
    return {
        **loan_key(loan.loan_id),
        "GSI1PK": f"USER#{loan.user_id}",
        "GSI1SK": f"LOAN#{loan.created_at}#{loan.loan_id}",
        "type": "LOAN",
        "loanId": loan.loan_id,
        "userId": loan.user_id,
        "principalFen": loan.principal_fen,
        "apr": str(loan.apr),
        "startDate": loan.start.isoformat(),
        "method": loan.method,
        "dayCount": loan.day_count,
        "rounding": loan.rounding,
        "schedule": _compact(
            {
                "dueDates": [d.isoformat() for d in loan.due_dates],
                "principal": list(loan.scheduled_principal),
                "interest": list(loan.scheduled_interest),
            }
        ),
        "accountRef": loan.account_ref,
        "createdAt": loan.created_at,
        "updatedAt": loan.created_at,
        "status": loan.status,
        "outstandingPrincipalFen": loan.outstanding_principal_fen,
        "payments": payments_value(loan.payments),
        "penaltyMultiplier": str(loan.penalty_multiplier),
        "version": loan.version,
        "book": loan.book.as_record(),
        **({"lastClosed": loan.last_closed.isoformat()} if loan.last_closed else {}),
        **({"writtenOffOn": loan.written_off_on.isoformat()} if loan.written_off_on else {}),
        RESERVED_FEN: loan.reserved_fen,
        # DynamoDB has no empty set: the attribute exists only while something is reserved
        **(
            {RESERVATIONS: {reservation_element(r, a) for r, a in loan.reservations}}
            if loan.reservations
            else {}
        ),
    }


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _whole(value: Any) -> Any:
    """A value kept as a JSON string (or, in items written before, as a list or map)."""
    return json.loads(value) if isinstance(value, str) else value


def payments_value(payments: tuple[Payment, ...]) -> str:
    """The item's `payments` attribute (the posting's update writes it whole)."""
    return _compact([p.as_record() for p in payments])


def payment_keys(item: dict[str, Any]) -> set[str]:
    return {str(p["key"]) for p in _whole(item.get("payments") or [])}


def loan_from_item(item: dict[str, Any]) -> LoanRecord:
    s = _whole(item["schedule"])
    return LoanRecord(
        loan_id=item["loanId"],
        user_id=item["userId"],
        principal_fen=int(item["principalFen"]),
        apr=Decimal(item["apr"]),
        start=date.fromisoformat(item["startDate"]),
        method=item["method"],
        day_count=item["dayCount"],
        rounding=item["rounding"],
        due_dates=tuple(date.fromisoformat(d) for d in s["dueDates"]),
        scheduled_principal=tuple(int(x) for x in s["principal"]),
        scheduled_interest=tuple(int(x) for x in s["interest"]),
        account_ref=item["accountRef"],
        created_at=item["createdAt"],
        status=item["status"],
        outstanding_principal_fen=int(item["outstandingPrincipalFen"]),
        payments=tuple(Payment.from_record(p) for p in _whole(item.get("payments") or [])),
        penalty_multiplier=Decimal(item["penaltyMultiplier"]),
        version=int(item["version"]),
        reservations=reservations_from_item(item),
        book=Book.from_record(item.get("book")),
        last_closed=_day(item.get("lastClosed")),
        written_off_on=_day(item.get("writtenOffOn")),
    )


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None

"""Loan records as DynamoDB items (pure).

The schedule, the payments and the book are kept as compact JSON strings, not as DynamoDB lists
and maps: each is read and written whole, never queried, and a 36-month loan as typed lists and
maps is some 250 attribute values that every read parses one by one (botocore's shape walk, then
boto3's TypeDeserializer): the close of business reads every open loan each night, and that
parse was most of its CPU (bench/bench_cob.py).

They are also short, because a transactional write costs 2 write units per started KB of the
item and the month-end night writes every open loan (money/nightly.py): kept as JSON objects
with their full names they made the loan item ~1.8 KB on average (7 in 10 over 1 KB); in this
form it is ~0.9 KB (2 in 10), for the same record:

    schedule  {"principal":[82000,...],"interest":[7626,...]}   # dueDates only when they are
              # not the contract's (the start's day of month, months 1..n: schedule.due_dates)
    payments  [[0,"2026-01-06",0,7626,82000],["rep_01hx...","2026-01-20",0,120,4880,6000]]
              # [key, on, penaltyFen, interestFen, principalFen(, amountFen)]: the amount only
              # when it is not the sum of the parts; the loan's own auto-debit on that day
              # (auto-{loanId}-{YYYYMMDD}-{attempt}) is its attempt, an int, any other key the
              # string itself, so every key reads back as it was
    book      {"interestAccruedFen":18573,"interestSettledFen":18573}   # zeros left out

Items written before still read exactly: payments as JSON objects ({"key","on","amountFen",...}),
the schedule with its dueDates, the book as a map, and the older typed lists and maps. Nothing
else parses these attributes: every reader goes through `loan_from_item` or `payment_keys`.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.loans.port import LoanRecord
from chalicelib.money.accrual import Book
from chalicelib.money.collections import AUTO_DEBIT_PREFIX
from chalicelib.money.schedule import due_dates
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
        "schedule": schedule_value(loan),
        "accountRef": loan.account_ref,
        "createdAt": loan.created_at,
        "updatedAt": loan.created_at,
        "status": loan.status,
        "outstandingPrincipalFen": loan.outstanding_principal_fen,
        "payments": payments_value(loan.loan_id, loan.payments),
        "penaltyMultiplier": str(loan.penalty_multiplier),
        "version": loan.version,
        "book": book_value(loan.book),
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


def schedule_value(loan: LoanRecord) -> str:
    """The item's `schedule`: the installments' principal and interest; the due dates too, unless
    they are the contract's own (the start's day of month, months 1..n: `due_dates`)."""
    value: dict[str, Any] = {}
    if loan.due_dates != due_dates(loan.start, len(loan.due_dates)):
        value["dueDates"] = [d.isoformat() for d in loan.due_dates]
    value["principal"] = list(loan.scheduled_principal)
    value["interest"] = list(loan.scheduled_interest)
    return _compact(value)


def _schedule_from(item: dict[str, Any], start: date) -> tuple[tuple[date, ...], Any]:
    s = _whole(item["schedule"])
    if "dueDates" in s:
        return tuple(date.fromisoformat(d) for d in s["dueDates"]), s
    return due_dates(start, len(s["principal"])), s


def book_value(book: Book) -> str:
    """The item's `book`: the counters that are not zero (a missing one reads as 0)."""
    return _compact({name: fen for name, fen in book.as_record().items() if fen})


_ATTEMPT = re.compile("0|[1-9][0-9]*")  # what reads back as the same string: str(int(a)) == a


def _auto_debit_head(loan_id: str, on: date) -> str:
    # the key of the loan's own auto-debit on `on`, but its attempt (CollectionOrder.repayment_id)
    return f"{AUTO_DEBIT_PREFIX}{loan_id}-{on:%Y%m%d}-"


def payment_row(loan_id: str, p: Payment) -> list[Any]:
    """One payment as `[key, on, penaltyFen, interestFen, principalFen]`, then `amountFen` only
    when it is not the sum of the parts (more was collected than was owed). The key of the
    loan's own auto-debit on that day is its attempt number alone (an int; any other key is
    the string as it is), so the loan id and the date are not written twice."""
    key: str | int = p.key
    attempt = p.key.removeprefix(_auto_debit_head(loan_id, p.on))
    if attempt != p.key and _ATTEMPT.fullmatch(attempt):
        key = int(attempt)
    row: list[Any] = [key, p.on.isoformat(), p.penalty_fen, p.interest_fen, p.principal_fen]
    if p.amount_fen != p.penalty_fen + p.interest_fen + p.principal_fen:
        row.append(p.amount_fen)
    return row


def payment_from_row(loan_id: str, row: Any) -> Payment:
    """A payment as `payment_row` writes it, or as an object (the form written before)."""
    if isinstance(row, dict):
        return Payment.from_record(row)
    key, on, penalty, interest, principal, *amount = row
    day = date.fromisoformat(on)
    parts = (int(penalty), int(interest), int(principal))
    return Payment(
        _auto_debit_head(loan_id, day) + str(key) if isinstance(key, int) else str(key),
        day,
        int(amount[0]) if amount else sum(parts),
        *parts,
    )


def payments_value(loan_id: str, payments: tuple[Payment, ...]) -> str:
    """The item's `payments` attribute (the posting's update writes it whole)."""
    return _compact([payment_row(loan_id, p) for p in payments])


def _payments_from(item: dict[str, Any]) -> tuple[Payment, ...]:
    rows = _whole(item.get("payments") or [])
    return tuple(payment_from_row(str(item.get("loanId")), r) for r in rows)


def payment_keys(item: dict[str, Any]) -> set[str]:
    return {p.key for p in _payments_from(item)}


def loan_from_item(item: dict[str, Any]) -> LoanRecord:
    start = date.fromisoformat(item["startDate"])
    dues, s = _schedule_from(item, start)
    return LoanRecord(
        loan_id=item["loanId"],
        user_id=item["userId"],
        principal_fen=int(item["principalFen"]),
        apr=Decimal(item["apr"]),
        start=start,
        method=item["method"],
        day_count=item["dayCount"],
        rounding=item["rounding"],
        due_dates=dues,
        scheduled_principal=tuple(int(x) for x in s["principal"]),
        scheduled_interest=tuple(int(x) for x in s["interest"]),
        account_ref=item["accountRef"],
        created_at=item["createdAt"],
        status=item["status"],
        outstanding_principal_fen=int(item["outstandingPrincipalFen"]),
        payments=_payments_from(item),
        penalty_multiplier=Decimal(item["penaltyMultiplier"]),
        version=int(item["version"]),
        reservations=reservations_from_item(item),
        book=Book.from_record(_whole(item.get("book"))),
        last_closed=_day(item.get("lastClosed")),
        written_off_on=_day(item.get("writtenOffOn")),
    )


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None

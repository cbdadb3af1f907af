"""Loans in the lending table; every money movement commits with its journal entry."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib.aws import cancellation_codes, retryable
from chalicelib.errors import Conflict, NotFound, StoreBusy
from chalicelib.ledger import entries as le
from chalicelib.ledger.dynamo import TransactionRefused, transact
from chalicelib.ledger.records import entry_from_item, put_entry_tx
from chalicelib.loans import posting
from chalicelib.loans.port import (
    ACTIVE,
    DISBURSED,
    PENDING,
    REPAYABLE,
    SERVICED,
    VOID,
    Booking,
    LoanRecord,
)
from chalicelib.loans.records import (
    OPEN_LOAN_SHARDS,
    RESERVATIONS,
    RESERVED_FEN,
    book_value,
    loan_from_item,
    loan_id_of_marker,
    loan_item,
    loan_key,
    open_loan_marker_item,
    open_loan_marker_key,
    open_loans_partition,
    payments_value,
    reservation_element,
)
from chalicelib.money.servicing import Payment


def create_loan_request(loan: LoanRecord) -> dict[str, Any]:
    return {
        "Item": loan_item(loan),
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def set_status_tx(
    table_name: str,
    loan_id: str,
    from_status: str,
    to_status: str,
    at: str,
    outstanding_fen: int | None = None,
) -> dict[str, Any]:
    names = {"#st": "status", "#ver": "version", "#upd": "updatedAt"}
    values: dict[str, Any] = {":from": from_status, ":to": to_status, ":one": 1, ":at": at}
    update = "SET #st = :to, #ver = #ver + :one, #upd = :at"
    if outstanding_fen is not None:
        names["#out"] = "outstandingPrincipalFen"
        values[":out"] = outstanding_fen
        update += ", #out = :out"
    return {
        "Update": {
            "TableName": table_name,
            "Key": loan_key(loan_id),
            "UpdateExpression": update,
            "ConditionExpression": "#st = :from",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def servicing_tx(
    table_name: str,
    before: LoanRecord,
    after: LoanRecord,
    at: str,
    dropped: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """TransactItems element: the loan as a posting or a close left it (payments, outstanding
    principal, status, accrual counters, last closed day), only if nobody changed it since it
    was read (`before`, at its version). Only the attributes that differ from `before` are SET
    (with the version and the time, always): most nights a loan only closes days, and the
    update then carries its book and last closed day, not its payments. `dropped`: the
    (repaymentId, amountFen) reservation booked by this write, removed in it (the payoff falls
    as the reservation goes)."""
    names = {"#ver": "version", "#upd": "updatedAt"}
    values: dict[str, Any] = {":v": before.version, ":one": 1, ":at": at}
    sets = ["#ver = #ver + :one", "#upd = :at"]
    changed: list[tuple[str, Any]] = []
    if after.payments != before.payments:
        changed.append(("payments", payments_value(after.loan_id, after.payments)))
    if after.outstanding_principal_fen != before.outstanding_principal_fen:
        changed.append(("outstandingPrincipalFen", after.outstanding_principal_fen))
    if after.status != before.status:
        changed.append(("status", after.status))
    if after.book != before.book:
        changed.append(("book", book_value(after.book)))
    for attr, day, was in (
        ("lastClosed", after.last_closed, before.last_closed),
        ("writtenOffOn", after.written_off_on, before.written_off_on),
    ):
        if day is not None and day != was:
            changed.append((attr, day.isoformat()))
    for attr, value in changed:
        sets.append(f"#{attr} = :{attr}")
        names[f"#{attr}"] = attr
        values[f":{attr}"] = value
    update = "SET " + ", ".join(sets)
    condition = "#ver = :v"
    if dropped is not None:
        element = reservation_element(*dropped)
        update += " ADD #res :neg DELETE #rs :rset"
        condition += " AND contains(#rs, :relem)"
        names |= {"#res": RESERVED_FEN, "#rs": RESERVATIONS}
        values |= {":neg": -dropped[1], ":rset": {element}, ":relem": element}
    return {
        "Update": {
            "TableName": table_name,
            "Key": loan_key(after.loan_id),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def put_marker_tx(table_name: str, loan_id: str) -> dict[str, Any]:
    """TransactItems element: list the loan for the close of business (on disbursement)."""
    return {"Put": {"TableName": table_name, "Item": open_loan_marker_item(loan_id)}}


def delete_marker_tx(table_name: str, loan_id: str) -> dict[str, Any]:
    """TransactItems element: the loan leaves the close of business (closed or written off)."""
    return {"Delete": {"TableName": table_name, "Key": open_loan_marker_key(loan_id)}}


def marker_changes(table_name: str, before: LoanRecord, after: LoanRecord) -> list[dict[str, Any]]:
    """The marker follows the status, in the write that moves it."""
    if before.status in SERVICED and after.status not in SERVICED:
        return [delete_marker_tx(table_name, after.loan_id)]
    return []


def open_loans_query(shard: int, start: dict[str, Any] | None = None) -> dict[str, Any]:
    """Query: one shard of the open-loan markers, keys only (a 1 MB page holds ~8,000)."""
    req: dict[str, Any] = {
        "KeyConditionExpression": Key("PK").eq(open_loans_partition(shard)),
        "ProjectionExpression": "#sk",
        "ExpressionAttributeNames": {"#sk": "SK"},
    }
    if start is not None:
        req["ExclusiveStartKey"] = start
    return req


BATCH_GET_MAX = 100  # DynamoDB's limit on keys per BatchGetItem
BATCH_GET_ATTEMPTS = 8  # rounds for keys DynamoDB hands back unprocessed (throttled)


def reserve_repayment_request(
    loan_id: str,
    repayment_id: str,
    amount_fen: int,
    max_reserved_before_fen: int,
    expected_version: int,
) -> dict[str, Any]:
    """UpdateItem: hold `amount_fen` for an admitted repayment, only while the loan can be repaid
    (REPAYABLE) at
    the version its payoff was computed on and what is reserved already leaves room for it.
    The compare happens in DynamoDB, so concurrent admissions cannot both see the same room."""
    element = reservation_element(repayment_id, amount_fen)
    return {
        "Key": loan_key(loan_id),
        "UpdateExpression": "ADD #rs :rset, #res :amt",
        "ConditionExpression": (
            "#st IN (:active, :overdue, :off) AND #ver = :v "
            "AND (attribute_not_exists(#res) OR #res <= :max) "
            "AND NOT contains(#rs, :relem)"
        ),
        "ExpressionAttributeNames": {
            "#rs": RESERVATIONS,
            "#res": RESERVED_FEN,
            "#st": "status",
            "#ver": "version",
        },
        "ExpressionAttributeValues": {
            ":rset": {element},
            ":relem": element,
            ":amt": amount_fen,
            ":active": REPAYABLE[0],
            ":overdue": REPAYABLE[1],
            ":off": REPAYABLE[2],
            ":v": expected_version,
            ":max": max_reserved_before_fen,
        },
        "ReturnValues": "ALL_NEW",
    }


def release_repayment_request(loan_id: str, repayment_id: str, amount_fen: int) -> dict[str, Any]:
    """UpdateItem: drop a reservation once; the condition makes a repeat a no-op."""
    element = reservation_element(repayment_id, amount_fen)
    return {
        "Key": loan_key(loan_id),
        "UpdateExpression": "ADD #res :neg DELETE #rs :rset",
        "ConditionExpression": "contains(#rs, :relem)",
        "ExpressionAttributeNames": {"#rs": RESERVATIONS, "#res": RESERVED_FEN},
        "ExpressionAttributeValues": {":neg": -amount_fen, ":rset": {element}, ":relem": element},
        "ReturnValues": "ALL_NEW",
    }


class DynamoLoans:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._name = table.name

    def create(self, loan: LoanRecord) -> LoanRecord:
        try:
            self._table.put_item(**create_loan_request(loan))
            return loan
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            existing = self.get(loan.loan_id)
            if existing.terms() != loan.terms():
                raise Conflict(f"loan {loan.loan_id} exists with other terms") from None
            return existing

    def get(self, loan_id: str) -> LoanRecord:
        item = self._table.get_item(Key=loan_key(loan_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound(f"loan {loan_id} not found")
        return loan_from_item(item)

    def disburse(self, loan_id: str, at: str) -> LoanRecord:
        loan = self.get(loan_id)
        if loan.status in DISBURSED:
            return loan
        booked = posting.disburse(loan, at)
        try:
            transact(
                self._table,
                [
                    set_status_tx(self._name, loan_id, PENDING, ACTIVE, at, loan.principal_fen),
                    put_marker_tx(self._name, loan_id),
                    *(put_entry_tx(self._name, e) for e in booked.entries),
                ],
                booked.entries[-1],
            )
        except TransactionRefused:
            now = self.get(loan_id)
            if now.status not in DISBURSED:
                raise Conflict(f"loan {loan_id} is {now.status}; it cannot be disbursed") from None
            return now
        return booked.loan

    def void(self, loan_id: str, at: str) -> LoanRecord:
        loan = self.get(loan_id)
        if loan.status == VOID:
            return loan
        if loan.status != PENDING:
            raise Conflict(f"loan {loan_id} is {loan.status}; only a pending loan can be voided")
        try:
            self._table.meta.client.transact_write_items(
                TransactItems=[set_status_tx(self._name, loan_id, PENDING, VOID, at)]
            )
        except self._table.meta.client.exceptions.TransactionCanceledException as exc:
            if retryable(cancellation_codes(exc)):
                raise StoreBusy(f"loan {loan_id}: retry voiding") from exc
            now = self.get(loan_id)
            if now.status != VOID:
                raise Conflict(
                    f"loan {loan_id} is {now.status}; only a pending loan can be voided"
                ) from None
        return self.get(loan_id)

    def post_repayment(
        self, loan_id: str, payment: Payment, expected_version: int, at: str
    ) -> LoanRecord:
        loan = self.get(loan_id)
        if loan.payment(payment.key) is not None:
            return loan
        if loan.version != expected_version:
            raise Conflict(f"loan {loan_id} changed while posting repayment {payment.key}")
        booked = posting.post_repayment(loan, payment, at)
        held = loan.reservation(payment.key)
        try:
            transact(
                self._table,
                [
                    servicing_tx(
                        self._name,
                        loan,
                        booked.loan,
                        at,
                        (payment.key, held) if held is not None else None,
                    ),
                    *marker_changes(self._name, loan, booked.loan),
                    *(put_entry_tx(self._name, e) for e in booked.entries),
                ],
                booked.entries[-1],
            )
        except TransactionRefused:
            raise Conflict(
                f"loan {loan_id} changed while posting repayment {payment.key}"
            ) from None
        return booked.loan

    def reserve_repayment(
        self,
        loan_id: str,
        repayment_id: str,
        amount_fen: int,
        max_reserved_before_fen: int,
        expected_version: int,
    ) -> LoanRecord:
        req = reserve_repayment_request(
            loan_id, repayment_id, amount_fen, max_reserved_before_fen, expected_version
        )
        try:
            return loan_from_item(self._table.update_item(**req)["Attributes"])
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            now = self.get(loan_id)
            if now.reservation(repayment_id) is not None:
                return now  # a repeat of an admission that got through
            raise Conflict(
                f"loan {loan_id} changed while reserving repayment {repayment_id}"
            ) from None

    def release_repayment(self, loan_id: str, repayment_id: str) -> LoanRecord:
        loan = self.get(loan_id)
        amount = loan.reservation(repayment_id)
        if amount is None:
            return loan
        try:
            req = release_repayment_request(loan_id, repayment_id, amount)
            return loan_from_item(self._table.update_item(**req)["Attributes"])
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return self.get(loan_id)  # released (or booked) in between: nothing left to do

    def for_user(self, user_id: str) -> list[LoanRecord]:
        resp = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(f"USER#{user_id}")
            & Key("GSI1SK").begins_with("LOAN#"),
        )
        return [loan_from_item(i) for i in resp["Items"]]

    def entries(self, loan_id: str) -> list[le.JournalEntry]:
        resp = self._table.query(
            KeyConditionExpression=Key("PK").eq(f"LOAN#{loan_id}")
            & Key("SK").begins_with("ENTRY#"),
            ConsistentRead=True,
        )
        return [entry_from_item(i) for i in resp["Items"]]

    # --- the close of business ------------------------------------------------------------

    def open_loan_ids(self) -> Iterator[str]:
        for shard in range(OPEN_LOAN_SHARDS):
            start = None
            while True:
                page = self._table.query(**open_loans_query(shard, start))
                for item in page["Items"]:
                    yield loan_id_of_marker(item)
                start = page.get("LastEvaluatedKey")
                if start is None:
                    break

    def get_many(self, loan_ids: Sequence[str]) -> dict[str, LoanRecord]:
        out: dict[str, LoanRecord] = {}
        ids = list(dict.fromkeys(loan_ids))
        client = self._table.meta.client
        for i in range(0, len(ids), BATCH_GET_MAX):
            keys = [loan_key(x) for x in ids[i : i + BATCH_GET_MAX]]
            for attempt in range(BATCH_GET_ATTEMPTS):
                resp = client.batch_get_item(RequestItems={self._name: {"Keys": keys}})
                for item in resp["Responses"].get(self._name, []):
                    loan = loan_from_item(item)
                    out[loan.loan_id] = loan
                keys = resp.get("UnprocessedKeys", {}).get(self._name, {}).get("Keys", [])
                if not keys:
                    break
                time.sleep(min(1.0, 0.05 * 2**attempt))  # throttled: back off, as AWS advises
            else:
                raise StoreBusy(f"{len(keys)} loans still unread after {BATCH_GET_ATTEMPTS} rounds")
        return out

    def book_close(self, before: LoanRecord, booking: Booking, at: str) -> LoanRecord:
        after = booking.loan
        items = [
            servicing_tx(self._name, before, after, at),
            *marker_changes(self._name, before, after),
            *(put_entry_tx(self._name, e) for e in booking.entries),
        ]
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = cancellation_codes(exc)
            if retryable(codes):
                raise StoreBusy(f"loan {after.loan_id}: retry its close") from exc
            raise Conflict(f"loan {after.loan_id} changed while it was being closed") from None
        return after

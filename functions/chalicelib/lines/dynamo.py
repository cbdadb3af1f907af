"""Credit lines in the lending table. Each change is one TransactWriteItems: the LINE update
(with its condition) and the journal entry (keyed by its idempotency key) commit together.

Record: PK `USER#{userId}`, SK `LINE`: limitFen, availableFen, drawnFen, apr (Decimal string),
grade, status, version, applicationId, updatedAt. Request builders below are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key

from chalicelib.clock import utc_now_iso
from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.ledger import entries as le
from chalicelib.ledger.dynamo import TransactionRefused, transact
from chalicelib.ledger.records import entry_from_item, entry_key, put_entry_tx
from chalicelib.lines.port import ACTIVE, CreditLine, validate_amount, validate_line_terms
from chalicelib.lines.records import line_from_item, line_item, line_key


def open_line_tx(table_name: str, line: CreditLine, at: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name,
            "Item": line_item(line, at),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "PK"},
        }
    }


def move_line_tx(table_name: str, user_id: str, to_drawn_fen: int, at: str) -> dict[str, Any]:
    """Move credit between available and drawn (positive: reserve; negative: release/restore).

    The condition keeps both sides non-negative, so concurrent moves can never overdraw."""
    a = abs(to_drawn_fen)
    names = {
        "#av": "availableFen",
        "#dr": "drawnFen",
        "#ver": "version",
        "#upd": "updatedAt",
        "#pk": "PK",
    }
    values: dict[str, Any] = {":a": a, ":one": 1, ":at": at}
    if to_drawn_fen > 0:
        update = "SET #av = #av - :a, #dr = #dr + :a, #ver = #ver + :one, #upd = :at"
        cond = "attribute_exists(#pk) AND #st = :active AND #av >= :a"
        names["#st"] = "status"
        values[":active"] = ACTIVE
    else:
        update = "SET #av = #av + :a, #dr = #dr - :a, #ver = #ver + :one, #upd = :at"
        cond = "attribute_exists(#pk) AND #dr >= :a"
    return {
        "Update": {
            "TableName": table_name,
            "Key": line_key(user_id),
            "UpdateExpression": update,
            "ConditionExpression": cond,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def set_limit_tx(
    table_name: str, user_id: str, new_limit_fen: int, new_available_fen: int, version: int, at: str
) -> dict[str, Any]:
    """Optimistic: applies only if nobody changed the line since it was read (version)."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": line_key(user_id),
            "UpdateExpression": "SET #lim = :lim, #av = :av, #ver = :next, #upd = :at",
            "ConditionExpression": "#ver = :ver",
            "ExpressionAttributeNames": {
                "#lim": "limitFen",
                "#av": "availableFen",
                "#ver": "version",
                "#upd": "updatedAt",
            },
            "ExpressionAttributeValues": {
                ":lim": new_limit_fen,
                ":av": new_available_fen,
                ":ver": version,
                ":next": version + 1,
                ":at": at,
            },
        }
    }


class DynamoCreditLines:
    def __init__(self, table: Any, clock: Callable[[], str] = utc_now_iso) -> None:
        self._table = table
        self._name = table.name
        self._clock = clock

    def _get(self, user_id: str) -> CreditLine | None:
        item = self._table.get_item(Key=line_key(user_id), ConsistentRead=True).get("Item")
        return line_from_item(item) if item else None

    def _must(self, user_id: str) -> CreditLine:
        line = self._get(user_id)
        if line is None:
            raise NotFound(f"user {user_id} has no credit line")
        return line

    def _entry(self, user_id: str, key: str) -> le.JournalEntry | None:
        item = self._table.get_item(Key=entry_key(f"USER#{user_id}", key), ConsistentRead=True).get(
            "Item"
        )
        return entry_from_item(item) if item else None

    def open_line(
        self, user_id: str, limit_fen: int, apr: Decimal | str, grade: str, application_id: str
    ) -> CreditLine:
        apr = validate_line_terms(limit_fen, apr)
        at = self._clock()
        line = CreditLine(user_id, limit_fen, limit_fen, 0, apr, grade, ACTIVE, 1, application_id)
        e = le.open_line_entry(user_id, application_id, limit_fen, at)
        try:
            transact(
                self._table, [open_line_tx(self._name, line, at), put_entry_tx(self._name, e)], e
            )
        except TransactionRefused:
            pass
        existing = self._must(user_id)
        if existing.application_id != application_id:
            raise Conflict(
                f"user {user_id} already has a line (application {existing.application_id})"
            )
        return existing

    def reserve(self, user_id: str, loan_id: str, amount_fen: int) -> None:
        validate_amount(amount_fen)
        e = le.reserve_entry(user_id, loan_id, amount_fen, self._clock())
        try:
            applied = transact(
                self._table,
                [move_line_tx(self._name, user_id, amount_fen, e.at), put_entry_tx(self._name, e)],
                e,
            )
        except TransactionRefused:
            line = self._must(user_id)
            if line.status != ACTIVE:
                raise Unprocessable(f"line of {user_id} is {line.status}") from None
            raise Unprocessable(
                f"insufficient available credit: {line.available_fen} < {amount_fen} fen",
                field="amount",
            ) from None
        if not applied:
            prior = self._entry(user_id, e.key)
            if prior is not None and prior.debits != amount_fen:
                raise Conflict(f"loan {loan_id} reserved a different amount")

    def release(self, user_id: str, loan_id: str) -> CreditLine:
        reserved = self._entry(user_id, f"line-reserve:{loan_id}")
        if reserved is None:
            return self._must(user_id)
        e = le.release_entry(user_id, loan_id, reserved.debits, self._clock())
        transact(
            self._table,
            [
                move_line_tx(self._name, user_id, -reserved.debits, e.at),
                put_entry_tx(self._name, e),
            ],
            e,
        )
        return self._must(user_id)

    def restore(self, user_id: str, amount_fen: int, key: str, loan_id: str = "") -> CreditLine:
        validate_amount(amount_fen)
        e = le.restore_entry(user_id, key, amount_fen, self._clock(), loan_id)
        try:
            transact(
                self._table,
                [move_line_tx(self._name, user_id, -amount_fen, e.at), put_entry_tx(self._name, e)],
                e,
            )
        except TransactionRefused:
            line = self._must(user_id)
            raise Unprocessable(
                f"cannot restore {amount_fen} fen: only {line.drawn_fen} drawn"
            ) from None
        return self._must(user_id)

    def change_limit(self, user_id: str, new_limit_fen: int, review_id: str) -> CreditLine:
        for _ in range(5):  # optimistic retries against concurrent reservations
            line = self._must(user_id)
            validate_line_terms(new_limit_fen, line.apr)
            if self._entry(user_id, f"line-limit:{review_id}") is not None:
                return line
            if new_limit_fen < line.drawn_fen:
                raise Unprocessable(
                    f"new limit {new_limit_fen} is below the drawn {line.drawn_fen}"
                )
            delta = new_limit_fen - line.limit_fen
            if not delta:
                return line
            e = le.change_limit_entry(user_id, review_id, delta, self._clock())
            try:
                transact(
                    self._table,
                    [
                        set_limit_tx(
                            self._name,
                            user_id,
                            new_limit_fen,
                            new_limit_fen - line.drawn_fen,
                            line.version,
                            e.at,
                        ),
                        put_entry_tx(self._name, e),
                    ],
                    e,
                )
                return self._must(user_id)
            except TransactionRefused:
                continue
        raise Conflict(f"line of {user_id} kept changing; review {review_id} not applied")

    def get_line(self, user_id: str) -> CreditLine | None:
        return self._get(user_id)

    def entries(self, user_id: str) -> list[le.JournalEntry]:
        resp = self._table.query(
            KeyConditionExpression=Key("PK").eq(f"USER#{user_id}")
            & Key("SK").begins_with("ENTRY#"),
            ConsistentRead=True,
        )
        return [entry_from_item(i) for i in resp["Items"]]

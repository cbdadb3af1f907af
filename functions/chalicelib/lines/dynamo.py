"""Credit lines in the lending table. Each change is one TransactWriteItems: the LINE update
(with its condition) and the journal entry (keyed by its idempotency key) commit together; a
status change or a review also claims its change id and writes its history item in the same
transaction (records.py has the items and the pure request builders).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from chalicelib.aws import cancellation_codes, retryable
from chalicelib.clock import business_date_at, utc_now_iso
from chalicelib.errors import Conflict, NotFound, StoreBusy, Unprocessable
from chalicelib.ledger import entries as le
from chalicelib.ledger.dynamo import TransactionRefused, transact
from chalicelib.ledger.records import entry_from_item, entry_key, put_entry_tx
from chalicelib.lines.freeze import LINE_FROZEN
from chalicelib.lines.port import (
    ACTIVE,
    CreditLine,
    HistoryPage,
    cursor_for,
    new_line,
    opening,
    reviewed,
    status_change,
    validate_amount,
    validate_at,
    validate_line_terms,
    validate_page,
    validate_review,
    validate_status,
)
from chalicelib.lines.records import (
    LINE_SHARDS,
    apply_review_tx,
    change_from_item,
    claim_key,
    claim_tx,
    delete_marker_tx,
    frozen_lines_partition,
    frozen_marker_key,
    history_request,
    history_seq,
    line_from_item,
    line_item,
    line_key,
    line_reviews_partition,
    marker_query,
    put_history_tx,
    put_marker_tx,
    review_marker_key,
    set_status_tx,
    user_of_marker,
)
from chalicelib.lines.review import next_review_date

if TYPE_CHECKING:
    from chalicelib.lines.review import LineReview

_ATTEMPTS = 5  # optimistic re-reads against a line changing under a status change or review
SEEN_FOR = 5.0  # seconds a line just read may stand for the first attempt of a change


def open_line_tx(table_name: str, line: CreditLine, at: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name,
            "Item": line_item(line, at),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "PK"},
        }
    }


def _review_marker_tx(table_name: str, user_id: str, on: date | None) -> dict[str, Any]:
    assert on is not None  # every line opened or reviewed here has its next review date
    return put_marker_tx(table_name, review_marker_key(user_id, on), "LINE_REVIEW")


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
        # the last line get_line read: (user, when, item); one, so an API container serving
        # many users holds no more than one item
        self._seen: tuple[str, float, dict[str, Any]] | None = None

    def _get(self, user_id: str) -> CreditLine | None:
        item = self._table.get_item(Key=line_key(user_id), ConsistentRead=True).get("Item")
        if item:
            self._seen = (user_id, time.monotonic(), item)
        return line_from_item(item) if item else None

    def _with_seq(self, user_id: str) -> tuple[CreditLine, int]:
        """The line and how many history items it has (the next change is one more).

        The item a get_line just read (within SEEN_FOR seconds) serves the first attempt of a
        change instead of a second read: the change's write is conditioned on the status, the
        terms and the history count read, so a line that moved in between is refused and read
        again. The close of business reads every line it serves and then changes some."""
        seen, self._seen = self._seen, None
        if seen is not None and seen[0] == user_id and time.monotonic() - seen[1] < SEEN_FOR:
            item: dict[str, Any] | None = seen[2]
        else:
            item = self._table.get_item(Key=line_key(user_id), ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(f"user {user_id} has no credit line")
        return line_from_item(item), history_seq(item)

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

    def _claimed(self, user_id: str, change_id: str) -> bool:
        key = claim_key(user_id, change_id)
        return "Item" in self._table.get_item(Key=key, ConsistentRead=True)

    def _change(self, items: list[dict[str, Any]], user_id: str, change_id: str) -> bool:
        """Run a change's transaction: True if applied, False if its id was claimed already (a
        retry). TransactionRefused when the line's condition failed (the caller re-reads)."""
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = cancellation_codes(exc)
            if retryable(reasons):
                raise StoreBusy(f"line of {user_id} conflicted; retry: {reasons}") from exc
            if self._claimed(user_id, change_id):
                return False
            raise TransactionRefused(reasons) from exc

    def open_line(
        self,
        user_id: str,
        limit_fen: int,
        apr: Decimal | str,
        grade: str,
        application_id: str,
        opened_on: date | None = None,
    ) -> CreditLine:
        apr = validate_line_terms(limit_fen, apr)
        at = self._clock()
        day = opened_on or business_date_at(at)
        line = new_line(user_id, limit_fen, apr, grade, application_id, day)
        e = le.open_line_entry(user_id, application_id, limit_fen, at)
        try:
            transact(
                self._table,
                [
                    open_line_tx(self._name, line, at),
                    put_entry_tx(self._name, e),
                    put_history_tx(self._name, user_id, opening(line, at)),
                    _review_marker_tx(self._name, user_id, line.next_review_on),
                ],
                e,
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

    def set_status(
        self,
        user_id: str,
        status: str,
        reason: str,
        at: str,
        change_id: str,
        on: date | None = None,
    ) -> bool:
        validate_status(status, reason, change_id)
        validate_at(at)
        for _ in range(_ATTEMPTS):
            line, seq = self._with_seq(user_id)
            if line.status == status:
                return False
            change = status_change(line, status, reason, at, change_id, seq + 1, on)
            items = [
                set_status_tx(self._name, user_id, change, reason),
                claim_tx(self._name, user_id, change_id, at),
                put_history_tx(self._name, user_id, change),
                (
                    put_marker_tx(self._name, frozen_marker_key(user_id), "FROZEN_LINE")
                    if status == LINE_FROZEN
                    else delete_marker_tx(self._name, frozen_marker_key(user_id))
                ),
            ]
            try:
                return self._change(items, user_id, change_id)
            except TransactionRefused:
                continue  # the status moved since it was read: read it again
        raise Conflict(f"line of {user_id} kept changing; status change {change_id} not applied")

    def apply_review(self, user_id: str, review: LineReview, at: str) -> bool:
        validate_review(user_id, review)
        validate_at(at)
        delta = review.limit_fen - review.limit_before_fen
        for _ in range(_ATTEMPTS):
            line, seq = self._with_seq(user_id)
            # Lines opened before the opening day was kept count their months from this review.
            next_on = next_review_date(line.opened_on or review.on, review.on)
            change = reviewed(line, review, at, next_on, seq + 1)
            items = [
                apply_review_tx(self._name, user_id, change, review.on, next_on),
                claim_tx(self._name, user_id, review.review_id, at),
                put_history_tx(self._name, user_id, change),
                _review_marker_tx(self._name, user_id, next_on),
            ]
            if line.next_review_on is not None and line.next_review_on != next_on:
                items.append(
                    delete_marker_tx(self._name, review_marker_key(user_id, line.next_review_on))
                )
            if delta:
                e = le.change_limit_entry(user_id, review.review_id, delta, at)
                items.append(put_entry_tx(self._name, e))
            try:
                return self._change(items, user_id, review.review_id)
            except TransactionRefused as refused:
                now, now_seq = self._with_seq(user_id)
                if (now.limit_fen, now.apr) != (review.limit_before_fen, review.apr_before):
                    raise Conflict(
                        f"line of {user_id} changed since review {review.review_id} was computed"
                    ) from None
                if now.drawn_fen > review.limit_fen:
                    raise Conflict(
                        f"line of {user_id} has {now.drawn_fen} fen drawn, more than the "
                        f"reviewed limit {review.limit_fen}; review {review.review_id} not applied"
                    ) from None
                if now_seq == seq:  # nothing that explains the refusal moved: do not spin
                    raise Conflict(
                        f"review {review.review_id} of {user_id} refused: {refused.reasons}"
                    ) from None
                # another change of the line's history (a status change) came first: again
        raise Conflict(f"line of {user_id} kept changing; review {review.review_id} not applied")

    def history(self, user_id: str, limit: int, cursor: str | None) -> HistoryPage:
        before = validate_page(limit, cursor)
        request = history_request(self._name, user_id, before, limit)
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.meta.client.query(**request)
            items += page["Items"]
            if len(items) > limit or "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        changes = tuple(change_from_item(i) for i in items[:limit])
        more = len(items) > limit and bool(changes)
        return HistoryPage(changes, cursor_for(changes[-1].position) if more else None)

    def get_line(self, user_id: str) -> CreditLine | None:
        return self._get(user_id)

    def lines_to_close(self, day: date, since: date) -> list[str]:
        users: set[str] = set()
        partitions = [frozen_lines_partition(n) for n in range(LINE_SHARDS)]
        on = since
        while on <= day:
            partitions += [line_reviews_partition(on, n) for n in range(LINE_SHARDS)]
            on += timedelta(days=1)
        client = self._table.meta.client
        for partition in partitions:
            start = None
            while True:
                page = client.query(**marker_query(self._name, partition, start))
                users.update(user_of_marker(i) for i in page["Items"])
                start = page.get("LastEvaluatedKey")
                if start is None:
                    break
        return sorted(users)

    def entries(self, user_id: str) -> list[le.JournalEntry]:
        resp = self._table.query(
            KeyConditionExpression=Key("PK").eq(f"USER#{user_id}")
            & Key("SK").begins_with("ENTRY#"),
            ConsistentRead=True,
        )
        return [entry_from_item(i) for i in resp["Items"]]

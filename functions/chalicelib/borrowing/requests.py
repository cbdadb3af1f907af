"""Draw and repayment requests: what the borrower asked for, and how the workflow ended.

The workflows carry ids only; each step reads the terms from these items.

Draw:      PK `LOAN#{loanId}` SK `DRAW`, GSI1PK `USER#{userId}` GSI1SK `DRAW#{createdAt}#{loanId}`
Repayment: PK `LOAN#{loanId}` SK `REPAY#{repaymentId}`

Status moves once, from PENDING, by a conditional update: a draw to FAILED or STUCK (Record
Failure), a repayment to SUCCEEDED (Restore Line), FAILED or STUCK. STUCK means money moved at
the bank but a later step failed: an operator finishes it (`lending ledger check` shows it).
A successful draw stays PENDING here: the loan record's status (ACTIVE) is the truth.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Protocol

from boto3.dynamodb.conditions import Key

from ..errors import Conflict

PENDING, SUCCEEDED, FAILED, STUCK = "PENDING", "SUCCEEDED", "FAILED", "STUCK"


@dataclass(frozen=True)
class Draw:
    loan_id: str
    user_id: str
    amount_fen: int
    term_months: int
    method: str
    start: str  # business date of the request, ISO
    created_at: str
    status: str = PENDING
    failure: str | None = None  # an error name or reason code
    updated_at: str = ""


@dataclass(frozen=True)
class Repayment:
    repayment_id: str
    loan_id: str
    user_id: str
    amount_fen: int
    on: str  # business date of the request, ISO: interest runs to this day
    created_at: str
    status: str = PENDING
    failure: str | None = None
    updated_at: str = ""


class MoneyRequests(Protocol):
    def add_draw(self, draw: Draw) -> None: ...

    def get_draw(self, loan_id: str) -> Draw | None: ...

    def draws_for_user(self, user_id: str) -> list[Draw]: ...

    def end_draw(self, loan_id: str, status: str, failure: str | None, at: str) -> Draw: ...

    def add_repayment(self, repayment: Repayment) -> None: ...

    def get_repayment(self, loan_id: str, repayment_id: str) -> Repayment | None: ...

    def repayments(self, loan_id: str) -> list[Repayment]: ...

    def end_repayment(
        self, loan_id: str, repayment_id: str, status: str, failure: str | None, at: str
    ) -> Repayment: ...


# --- DynamoDB items (pure) -------------------------------------------------------------------


def draw_key(loan_id: str) -> dict[str, str]:
    return {"PK": f"LOAN#{loan_id}", "SK": "DRAW"}


def repayment_key(loan_id: str, repayment_id: str) -> dict[str, str]:
    return {"PK": f"LOAN#{loan_id}", "SK": f"REPAY#{repayment_id}"}


def draw_item(d: Draw) -> dict[str, Any]:
    item = {
        **draw_key(d.loan_id),
        "GSI1PK": f"USER#{d.user_id}",
        "GSI1SK": f"DRAW#{d.created_at}#{d.loan_id}",
        "type": "DRAW",
        "loanId": d.loan_id,
        "userId": d.user_id,
        "amountFen": d.amount_fen,
        "termMonths": d.term_months,
        "method": d.method,
        "startDate": d.start,
        "createdAt": d.created_at,
        "updatedAt": d.updated_at or d.created_at,
        "status": d.status,
    }
    if d.failure:
        item["failure"] = d.failure
    return item


def draw_from_item(i: dict[str, Any]) -> Draw:
    return Draw(
        i["loanId"],
        i["userId"],
        int(i["amountFen"]),
        int(i["termMonths"]),
        i["method"],
        i["startDate"],
        i["createdAt"],
        i["status"],
        i.get("failure"),
        i.get("updatedAt", ""),
    )


def repayment_item(r: Repayment) -> dict[str, Any]:
    item = {
        **repayment_key(r.loan_id, r.repayment_id),
        "type": "REPAYMENT",
        "repaymentId": r.repayment_id,
        "loanId": r.loan_id,
        "userId": r.user_id,
        "amountFen": r.amount_fen,
        "on": r.on,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at or r.created_at,
        "status": r.status,
    }
    if r.failure:
        item["failure"] = r.failure
    return item


def repayment_from_item(i: dict[str, Any]) -> Repayment:
    return Repayment(
        i["repaymentId"],
        i["loanId"],
        i["userId"],
        int(i["amountFen"]),
        i["on"],
        i["createdAt"],
        i["status"],
        i.get("failure"),
        i.get("updatedAt", ""),
    )


def put_new_request(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def end_request(
    table_name: str, key: dict[str, str], status: str, failure: str | None, at: str
) -> dict[str, Any]:
    """Move PENDING -> status once; the failure code is kept for the API."""
    return {
        "TableName": table_name,
        "Key": key,
        "UpdateExpression": "SET #s = :s, #f = :f, #u = :u",
        "ConditionExpression": "#s = :pending",
        "ExpressionAttributeNames": {"#s": "status", "#f": "failure", "#u": "updatedAt"},
        "ExpressionAttributeValues": {":s": status, ":f": failure, ":u": at, ":pending": PENDING},
        "ReturnValues": "ALL_NEW",
    }


class DynamoMoneyRequests:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client
        self._name = table.name

    def _put(self, item: dict[str, Any], what: str) -> None:
        try:
            self._client.put_item(**put_new_request(self._name, item))
        except self._client.exceptions.ConditionalCheckFailedException:
            raise Conflict(f"{what} exists already") from None

    def _end(
        self, key: dict[str, str], status: str, failure: str | None, at: str
    ) -> dict[str, Any]:
        try:
            return self._client.update_item(**end_request(self._name, key, status, failure, at))[
                "Attributes"
            ]
        except self._client.exceptions.ConditionalCheckFailedException:
            item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
            if item is None:
                raise Conflict(f"no request {key}") from None
            return item  # ended already (a retried step): the first ending stands

    def add_draw(self, draw: Draw) -> None:
        self._put(draw_item(draw), f"loan {draw.loan_id}")

    def get_draw(self, loan_id: str) -> Draw | None:
        item = self._table.get_item(Key=draw_key(loan_id), ConsistentRead=True).get("Item")
        return draw_from_item(item) if item else None

    def draws_for_user(self, user_id: str) -> list[Draw]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(f"USER#{user_id}")
            & Key("GSI1SK").begins_with("DRAW#"),
        }
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [draw_from_item(i) for i in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def end_draw(self, loan_id: str, status: str, failure: str | None, at: str) -> Draw:
        return draw_from_item(self._end(draw_key(loan_id), status, failure, at))

    def add_repayment(self, repayment: Repayment) -> None:
        self._put(repayment_item(repayment), f"repayment {repayment.repayment_id}")

    def get_repayment(self, loan_id: str, repayment_id: str) -> Repayment | None:
        item = self._table.get_item(
            Key=repayment_key(loan_id, repayment_id), ConsistentRead=True
        ).get("Item")
        return repayment_from_item(item) if item else None

    def repayments(self, loan_id: str) -> list[Repayment]:
        resp = self._table.query(
            KeyConditionExpression=Key("PK").eq(f"LOAN#{loan_id}")
            & Key("SK").begins_with("REPAY#"),
            ConsistentRead=True,
        )
        return sorted(
            (repayment_from_item(i) for i in resp["Items"]),
            key=lambda r: (r.created_at, r.repayment_id),
        )

    def end_repayment(
        self, loan_id: str, repayment_id: str, status: str, failure: str | None, at: str
    ) -> Repayment:
        return repayment_from_item(
            self._end(repayment_key(loan_id, repayment_id), status, failure, at)
        )


class InMemoryMoneyRequests:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._draws: dict[str, Draw] = {}
        self._repayments: dict[tuple[str, str], Repayment] = {}

    def add_draw(self, draw: Draw) -> None:
        with self._lock:
            if draw.loan_id in self._draws:
                raise Conflict(f"loan {draw.loan_id} exists already")
            self._draws[draw.loan_id] = draw

    def get_draw(self, loan_id: str) -> Draw | None:
        return self._draws.get(loan_id)

    def draws_for_user(self, user_id: str) -> list[Draw]:
        return sorted(
            (d for d in self._draws.values() if d.user_id == user_id),
            key=lambda d: (d.created_at, d.loan_id),
        )

    def end_draw(self, loan_id: str, status: str, failure: str | None, at: str) -> Draw:
        with self._lock:
            d = self._draws[loan_id]
            if d.status == PENDING:
                d = self._draws[loan_id] = replace(d, status=status, failure=failure, updated_at=at)
            return d

    def add_repayment(self, repayment: Repayment) -> None:
        key = (repayment.loan_id, repayment.repayment_id)
        with self._lock:
            if key in self._repayments:
                raise Conflict(f"repayment {repayment.repayment_id} exists already")
            self._repayments[key] = repayment

    def get_repayment(self, loan_id: str, repayment_id: str) -> Repayment | None:
        return self._repayments.get((loan_id, repayment_id))

    def repayments(self, loan_id: str) -> list[Repayment]:
        return sorted(
            (r for (lid, _), r in self._repayments.items() if lid == loan_id),
            key=lambda r: (r.created_at, r.repayment_id),
        )

    def end_repayment(
        self, loan_id: str, repayment_id: str, status: str, failure: str | None, at: str
    ) -> Repayment:
        with self._lock:
            r = self._repayments[(loan_id, repayment_id)]
            if r.status == PENDING:
                r = self._repayments[(loan_id, repayment_id)] = replace(
                    r, status=status, failure=failure, updated_at=at
                )
            return r

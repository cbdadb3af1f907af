"""Draw and repayment requests in the lending table."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from ...errors import Conflict
from .port import PENDING, Draw, Repayment
from .records import (
    draw_from_item,
    draw_item,
    draw_key,
    end_request,
    put_new_request,
    repayment_from_item,
    repayment_item,
    repayment_key,
)


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
        self, key: dict[str, str], status: str, failure: str | None, at: str, from_status: str
    ) -> dict[str, Any]:
        try:
            attributes: dict[str, Any] = self._client.update_item(
                **end_request(self._name, key, status, failure, at, from_status)
            )["Attributes"]
            return attributes
        except self._client.exceptions.ConditionalCheckFailedException:
            item: dict[str, Any] | None = self._table.get_item(Key=key, ConsistentRead=True).get(
                "Item"
            )
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

    def end_draw(
        self, loan_id: str, status: str, failure: str | None, at: str, from_status: str = PENDING
    ) -> Draw:
        return draw_from_item(self._end(draw_key(loan_id), status, failure, at, from_status))

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
        self,
        loan_id: str,
        repayment_id: str,
        status: str,
        failure: str | None,
        at: str,
        from_status: str = PENDING,
    ) -> Repayment:
        key = repayment_key(loan_id, repayment_id)
        return repayment_from_item(self._end(key, status, failure, at, from_status))

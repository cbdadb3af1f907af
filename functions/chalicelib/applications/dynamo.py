"""Applications in the lending table (keys in records.py)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from ..aws import cancellation_codes, retryable
from ..errors import Conflict, StoreBusy
from ..reasons import Reason
from .port import (
    ApplicantPii,
    Application,
    LatestMoved,
    Offer,
    Review,
    Status,
    StepRecords,
    StepResult,
)
from .records import (
    PII_SK,
    accept_request,
    app_key,
    close_review_request,
    create_request,
    from_item,
    latest_key,
    move_request,
    pii_from,
    review_from,
    review_item,
    review_key,
    step_item,
    steps_from,
)


class DynamoApplicationRepository:
    def __init__(self, table: Any) -> None:
        # `table` is a boto3 DynamoDB Table resource; its client runs the transactions.
        self._table = table
        self._client = table.meta.client

    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        try:
            self._client.transact_write_items(**create_request(self._table.name, app, pii, after))
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = cancellation_codes(exc)
            if retryable(reasons):
                raise StoreBusy(f"application {app.application_id}: retry ({reasons})") from exc
            if reasons[2:3] == ["ConditionalCheckFailed"]:
                raise LatestMoved(
                    f"another application of user {app.user_id} was submitted at the same moment"
                ) from exc
            raise Conflict(f"application {app.application_id} already exists") from exc

    def latest_for_user(self, user_id: str) -> str | None:
        item = self._table.get_item(Key=latest_key(user_id), ConsistentRead=True).get("Item")
        return str(item["applicationId"]) if item else None

    def get(self, application_id: str) -> Application | None:
        item = self._table.get_item(Key=app_key(application_id), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def get_for_step(
        self, application_id: str
    ) -> tuple[Application, ApplicantPii, StepRecords] | None:
        # APP, its steps and PII share the partition and sort before REVIEW: one Query.
        items = self._table.query(
            KeyConditionExpression=Key("PK").eq(f"APP#{application_id}")
            & Key("SK").between("APP", PII_SK),
            ConsistentRead=True,
        ).get("Items", [])
        app = next((i for i in items if i["SK"] == "APP"), None)
        pii = next((i for i in items if i["SK"] == PII_SK), None)
        if app is None or pii is None:
            return None
        return from_item(app), pii_from(pii), steps_from(items)

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        resp = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(f"USER#{user_id}")
            & Key("GSI1SK").begins_with("APP#"),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(i) for i in resp.get("Items", [])]

    def record_step(self, application_id: str, step: str, result: StepResult) -> None:
        self._table.put_item(Item=step_item(application_id, step, result))

    def move(
        self,
        application_id: str,
        new: Status,
        now: str,
        *,
        reasons: tuple[Reason, ...] | None = None,
        offer: Offer | None = None,
        trail: dict[str, Any] | None = None,
    ) -> None:
        req = move_request(self._table.name, application_id, new, now, reasons, offer, trail)
        try:
            self._client.update_item(**req)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} cannot move to {new.value}") from exc

    def mark_accepted(self, application_id: str, now: str) -> None:
        try:
            self._client.update_item(**accept_request(self._table.name, application_id, now))
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} is not an open approved offer") from exc

    def put_review(self, review: Review) -> None:
        self._table.put_item(Item=review_item(review))

    def get_review(self, application_id: str) -> Review | None:
        item = self._table.get_item(Key=review_key(application_id), ConsistentRead=True).get("Item")
        return review_from(item) if item else None

    def list_reviews(self) -> list[Review]:
        resp = self._table.query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("REVIEW#PENDING")
        )
        return [review_from(i) for i in resp.get("Items", [])]

    def close_review(self, application_id: str, outcome: str, now: str) -> Review:
        try:
            resp = self._client.update_item(
                **close_review_request(self._table.name, application_id, outcome, now)
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} has no pending review") from exc
        return review_from(resp["Attributes"])

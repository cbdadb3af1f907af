"""Where applications live: a small port, an in-memory fake and the DynamoDB adapter.

Single-table keys (see docs/architecture.md):
    APP#{applicationId} / APP      the application (no personal data); GSI1 USER#{userId} / APP#{createdAt}
    APP#{applicationId} / APP#STEP#{step}  one workflow step's result (identity, fraud, bureau, ...)
    APP#{applicationId} / PII      name, ID number, phone
    APP#{applicationId} / REVIEW   the task token of a pending manual review; GSI1 REVIEW#PENDING / {createdAt}

A step's result is an item of its own, not a map entry on the application: recording it is a
small PutItem (DynamoDB bills an UpdateItem by the size of the whole item, which grows with
every step), and "APP" < "APP#STEP#…" < "PII" keeps one Query reading all of them.
"""

from __future__ import annotations

import copy
import threading
from decimal import Decimal
from typing import Any, Protocol

from ..errors import Conflict
from .records import ApplicantPii, Application, Offer, Status


class ApplicationRepository(Protocol):
    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        """Write the application and its PII, and make it the user's latest application, all
        or nothing, provided the latest is still `after` (None: the user has none); else Conflict."""
        ...

    def latest_for_user(self, user_id: str) -> str | None:
        """The id of the user's newest application (one consistent read)."""
        ...

    def get(self, application_id: str, *, with_steps: bool = True) -> Application | None:
        """The application; `with_steps=False` leaves `steps` empty and reads one item, not all."""
        ...

    def get_with_pii(self, application_id: str) -> tuple[Application, ApplicantPii] | None:
        """The application and its applicant's personal data, in one read."""
        ...

    def status_of(self, application_id: str) -> tuple[str, Status] | None:
        """(owner, status) only: cheap enough to poll."""
        ...

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        """Newest first, without step results (a listing shows none)."""
        ...

    def record_step(self, application_id: str, step: str, result: dict[str, Any]) -> None:
        """Keep (or, on a retry, replace) one step's result; `get` returns it in `steps`."""
        ...

    def move(
        self,
        application_id: str,
        new: Status,
        now: str,
        *,
        reasons: tuple[dict[str, str], ...] | None = None,
        offer: Offer | None = None,
    ) -> None: ...
    def mark_accepted(self, application_id: str, now: str) -> None: ...
    def put_review(self, application_id: str, task_token: str, now: str) -> None: ...
    def get_review(self, application_id: str) -> dict[str, Any] | None: ...
    def list_reviews(self) -> list[dict[str, Any]]: ...
    def close_review(self, application_id: str, outcome: str, now: str) -> dict[str, Any]: ...


# --- item mapping (pure) ------------------------------------------------------------------


def app_key(application_id: str) -> dict[str, str]:
    return {"PK": f"APP#{application_id}", "SK": "APP"}


STEP_SK = "APP#STEP#"


def step_item(application_id: str, step: str, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "PK": f"APP#{application_id}",
        "SK": STEP_SK + step,
        "type": "ApplicationStep",
        "applicationId": application_id,
        "step": step,
        "result": _to_dynamo(result),
    }


def from_items(items: list[dict[str, Any]]) -> Application | None:
    """The application from its partition's APP item and step items (others are ignored)."""
    app = next((i for i in items if i["SK"] == "APP"), None)
    if app is None:
        return None
    steps = {i["step"]: _from_dynamo(i["result"]) for i in items if i["SK"].startswith(STEP_SK)}
    return from_item(app, steps)


def to_item(app: Application) -> dict[str, Any]:
    item: dict[str, Any] = {
        **app_key(app.application_id),
        "GSI1PK": f"USER#{app.user_id}",
        "GSI1SK": f"APP#{app.created_at}",
        "type": "Application",
        "applicationId": app.application_id,
        "userId": app.user_id,
        "documentId": app.document_id,
        "status": app.status.value,
        "amountFen": app.amount_fen,
        "termMonths": app.term_months,
        "purpose": app.purpose,
        "profile": app.profile,
        "device": app.device,
        "location": app.location,
        "consent": app.consent,
        "createdAt": app.created_at,
        "updatedAt": app.updated_at,
        "reasons": list(app.reasons),
    }
    if app.offer:
        item["offer"] = app.offer.as_item()
    if app.accepted_at:
        item["acceptedAt"] = app.accepted_at
    return _to_dynamo(item)


def from_item(item: dict[str, Any], steps: dict[str, Any] | None = None) -> Application:
    item = _from_dynamo(item)
    return Application(
        application_id=item["applicationId"],
        user_id=item["userId"],
        document_id=item["documentId"],
        status=Status(item["status"]),
        amount_fen=int(item["amountFen"]),
        term_months=int(item["termMonths"]),
        purpose=item["purpose"],
        profile=item.get("profile", {}),
        device=item.get("device", {}),
        location=item.get("location", {}),
        consent=item.get("consent", {}),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        reasons=tuple(item.get("reasons", [])),
        offer=Offer.from_item(item["offer"]) if item.get("offer") else None,
        accepted_at=item.get("acceptedAt"),
        steps=steps or {},
    )


def pii_item(pii: ApplicantPii) -> dict[str, Any]:
    return {
        "PK": f"APP#{pii.application_id}",
        "SK": "PII",
        "type": "ApplicantPii",
        "applicationId": pii.application_id,
        "name": pii.name,
        "idNumber": pii.id_number,
        "phone": pii.phone,
    }


def _to_dynamo(value: Any) -> Any:
    """DynamoDB has no float: numbers go in as int or Decimal (floats via their repr)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


# --- request builders (pure) ----------------------------------------------------------------


def latest_key(user_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": "LATEST_APPLICATION"}


def create_request(
    table: str, app: Application, pii: ApplicantPii, after: str | None = None
) -> dict[str, Any]:
    """All three records or none: a crash between puts must not leave half an application.

    The user's latest-application pointer moves only from the one the caller saw (`after`), so of
    two submissions racing for one user exactly one is written."""
    cond = {
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }
    latest = {
        **latest_key(app.user_id),
        "applicationId": app.application_id,
        "updatedAt": app.created_at,
    }
    if after is None:
        moved_from: dict[str, Any] = cond
    else:
        moved_from = {
            "ConditionExpression": "#id = :after",
            "ExpressionAttributeNames": {"#id": "applicationId"},
            "ExpressionAttributeValues": {":after": after},
        }
    return {
        "TransactItems": [
            {"Put": {"TableName": table, "Item": to_item(app), **cond}},
            {"Put": {"TableName": table, "Item": pii_item(pii), **cond}},
            {"Put": {"TableName": table, "Item": latest, **moved_from}},
        ]
    }


def _raced(app: Application) -> Conflict:
    return Conflict(f"another application of user {app.user_id} was submitted at the same moment")


def move_request(
    table: str,
    application_id: str,
    allowed_from: list[str],
    new: Status,
    now: str,
    reasons: tuple[dict[str, str], ...] | None,
    offer: Offer | None,
) -> dict[str, Any]:
    names = {"#status": "status", "#updatedAt": "updatedAt", "#pk": "PK"}
    values: dict[str, Any] = {":new": new.value, ":now": now}
    sets = ["#status = :new", "#updatedAt = :now"]
    if reasons is not None:
        names["#reasons"] = "reasons"
        values[":reasons"] = list(reasons)
        sets.append("#reasons = :reasons")
    if offer is not None:
        names["#offer"] = "offer"
        values[":offer"] = offer.as_item()
        sets.append("#offer = :offer")
    froms = []
    for i, status in enumerate(allowed_from):
        values[f":from{i}"] = status
        froms.append(f":from{i}")
    return {
        "TableName": table,
        "Key": app_key(application_id),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": f"attribute_exists(#pk) AND #status IN ({', '.join(froms)})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": _to_dynamo(values),
    }


def accept_request(table: str, application_id: str, now: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": app_key(application_id),
        "UpdateExpression": "SET #acceptedAt = :now, #updatedAt = :now",
        "ConditionExpression": "#status = :approved AND attribute_not_exists(#acceptedAt)",
        "ExpressionAttributeNames": {
            "#acceptedAt": "acceptedAt",
            "#updatedAt": "updatedAt",
            "#status": "status",
        },
        "ExpressionAttributeValues": {":now": now, ":approved": Status.APPROVED.value},
    }


# --- adapters ---------------------------------------------------------------------------------


def _allowed_from(new: Status) -> list[str]:
    from .records import TRANSITIONS

    return [s.value for s, targets in TRANSITIONS.items() if new in targets]


class DynamoApplicationRepository:
    def __init__(self, table: Any) -> None:
        # `table` is a boto3 DynamoDB Table resource; its client runs the transactions.
        self._table = table
        self._client = table.meta.client

    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        try:
            self._client.transact_write_items(**create_request(self._table.name, app, pii, after))
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons[2:3] == ["ConditionalCheckFailed"]:
                raise _raced(app) from exc
            raise Conflict(f"application {app.application_id} already exists") from exc

    def latest_for_user(self, user_id: str) -> str | None:
        item = self._table.get_item(Key=latest_key(user_id), ConsistentRead=True).get("Item")
        return str(item["applicationId"]) if item else None

    def _partition(self, application_id: str, sk_condition: Any) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return self._table.query(
            KeyConditionExpression=Key("PK").eq(f"APP#{application_id}") & sk_condition,
            ConsistentRead=True,
        ).get("Items", [])

    def get(self, application_id: str, *, with_steps: bool = True) -> Application | None:
        from boto3.dynamodb.conditions import Key

        if not with_steps:
            item = self._table.get_item(Key=app_key(application_id), ConsistentRead=True).get(
                "Item"
            )
            return from_item(item) if item else None
        return from_items(self._partition(application_id, Key("SK").begins_with("APP")))

    def status_of(self, application_id: str) -> tuple[str, Status] | None:
        item = self._table.get_item(
            Key=app_key(application_id),
            ConsistentRead=True,
            ProjectionExpression="#u, #s",
            ExpressionAttributeNames={"#u": "userId", "#s": "status"},
        ).get("Item")
        return (item["userId"], Status(item["status"])) if item else None

    def get_with_pii(self, application_id: str) -> tuple[Application, ApplicantPii] | None:
        from boto3.dynamodb.conditions import Key

        # APP, its steps and PII share the partition, and sort before REVIEW: one Query.
        items = self._partition(application_id, Key("SK").between("APP", "PII"))
        app = from_items(items)
        pii = next((i for i in items if i["SK"] == "PII"), None)
        if app is None or pii is None:
            return None
        return app, ApplicantPii(application_id, pii["name"], pii["idNumber"], pii["phone"])

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        from boto3.dynamodb.conditions import Key

        resp = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq(f"USER#{user_id}")
            & Key("GSI1SK").begins_with("APP#"),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [from_item(i) for i in resp.get("Items", [])]

    def record_step(self, application_id: str, step: str, result: dict[str, Any]) -> None:
        self._table.put_item(Item=step_item(application_id, step, result))

    def move(self, application_id, new, now, *, reasons=None, offer=None):  # type: ignore[no-untyped-def]
        req = move_request(
            self._table.name, application_id, _allowed_from(new), new, now, reasons, offer
        )
        req.pop("TableName")
        try:
            self._table.update_item(**req)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} cannot move to {new.value}") from exc

    def mark_accepted(self, application_id: str, now: str) -> None:
        req = accept_request(self._table.name, application_id, now)
        req.pop("TableName")
        try:
            self._table.update_item(**req)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} is not an open approved offer") from exc

    def put_review(self, application_id: str, task_token: str, now: str) -> None:
        self._table.put_item(
            Item={
                "PK": f"APP#{application_id}",
                "SK": "REVIEW",
                "GSI1PK": "REVIEW#PENDING",
                "GSI1SK": f"{now}#{application_id}",
                "applicationId": application_id,
                "taskToken": task_token,
                "openedAt": now,
                "state": "PENDING",
            }
        )

    def get_review(self, application_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"PK": f"APP#{application_id}", "SK": "REVIEW"}, ConsistentRead=True
        ).get("Item")
        return _from_dynamo(item) if item else None

    def list_reviews(self) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        resp = self._table.query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("REVIEW#PENDING")
        )
        return [_from_dynamo(i) for i in resp.get("Items", [])]

    def close_review(self, application_id: str, outcome: str, now: str) -> dict[str, Any]:
        try:
            resp = self._table.update_item(
                Key={"PK": f"APP#{application_id}", "SK": "REVIEW"},
                UpdateExpression="SET #state = :closed, #outcome = :outcome, #closedAt = :now REMOVE #g1pk, #g1sk",
                ConditionExpression="#state = :pending",
                ExpressionAttributeNames={
                    "#state": "state",
                    "#outcome": "outcome",
                    "#closedAt": "closedAt",
                    "#g1pk": "GSI1PK",
                    "#g1sk": "GSI1SK",
                },
                ExpressionAttributeValues={
                    ":closed": "CLOSED",
                    ":pending": "PENDING",
                    ":outcome": outcome,
                    ":now": now,
                },
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"application {application_id} has no pending review") from exc
        return _from_dynamo(resp["Attributes"])


class InMemoryApplicationRepository:
    """The same contract in a dict; used by unit tests of the services."""

    def __init__(self) -> None:
        self._apps: dict[str, dict[str, Any]] = {}
        self._pii: dict[str, ApplicantPii] = {}
        self._steps: dict[str, dict[str, Any]] = {}
        self._reviews: dict[str, dict[str, Any]] = {}
        self._latest: dict[str, str] = {}
        self._lock = threading.Lock()

    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        with self._lock:
            if self._latest.get(app.user_id) != after:
                raise _raced(app)
            if app.application_id in self._apps:
                raise Conflict(f"application {app.application_id} already exists")
            self._apps[app.application_id] = to_item(app)
            self._pii[app.application_id] = pii
            self._latest[app.user_id] = app.application_id

    def latest_for_user(self, user_id: str) -> str | None:
        return self._latest.get(user_id)

    def get(self, application_id: str, *, with_steps: bool = True) -> Application | None:
        item = self._apps.get(application_id)
        # _from_dynamo builds new containers, so the caller shares nothing with the store.
        steps = _from_dynamo(self._steps.get(application_id, {})) if with_steps else {}
        return from_item(copy.deepcopy(item), steps) if item else None

    def get_with_pii(self, application_id: str) -> tuple[Application, ApplicantPii] | None:
        app, pii = self.get(application_id), self._pii.get(application_id)
        return (app, pii) if app is not None and pii is not None else None

    def status_of(self, application_id: str) -> tuple[str, Status] | None:
        item = self._apps.get(application_id)
        return (item["userId"], Status(item["status"])) if item else None

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        apps = [from_item(copy.deepcopy(i)) for i in self._apps.values() if i["userId"] == user_id]
        return sorted(apps, key=lambda a: a.created_at, reverse=True)[:limit]

    def record_step(self, application_id: str, step: str, result: dict[str, Any]) -> None:
        with self._lock:
            self._steps.setdefault(application_id, {})[step] = _to_dynamo(
                result
            )  # a copy, as stored

    def move(self, application_id, new, now, *, reasons=None, offer=None):  # type: ignore[no-untyped-def]
        with self._lock:
            item = self._apps.get(application_id)
            if item is None or item["status"] not in _allowed_from(new):
                raise Conflict(f"application {application_id} cannot move to {new.value}")
            item.update(status=new.value, updatedAt=now)
            if reasons is not None:
                item["reasons"] = list(reasons)
            if offer is not None:
                item["offer"] = _to_dynamo(offer.as_item())

    def mark_accepted(self, application_id: str, now: str) -> Application:
        with self._lock:
            item = self._apps.get(application_id)
            if item is None or item["status"] != Status.APPROVED.value or "acceptedAt" in item:
                raise Conflict(f"application {application_id} is not an open approved offer")
            item.update(acceptedAt=now, updatedAt=now)

    def put_review(self, application_id: str, task_token: str, now: str) -> None:
        self._reviews[application_id] = {
            "applicationId": application_id,
            "taskToken": task_token,
            "openedAt": now,
            "state": "PENDING",
        }

    def get_review(self, application_id: str) -> dict[str, Any] | None:
        r = self._reviews.get(application_id)
        return dict(r) if r else None

    def list_reviews(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._reviews.values() if r["state"] == "PENDING"]

    def close_review(self, application_id: str, outcome: str, now: str) -> dict[str, Any]:
        with self._lock:
            r = self._reviews.get(application_id)
            if r is None or r["state"] != "PENDING":
                raise Conflict(f"application {application_id} has no pending review")
            r.update(state="CLOSED", outcome=outcome, closedAt=now)
            return dict(r)

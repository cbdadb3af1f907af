"""Applications as DynamoDB items, and the requests that write them (pure).

Single-table keys (docs/architecture.md):
    APP#{id} / APP              the application; GSI1 USER#{userId} / APP#{createdAt}
    APP#{id} / APP#STEP#{step}  one step's recorded result (identity, fraud, bureau, score)
    APP#{id} / PII              name, ID number, phone, what OCR read off the card
    APP#{id} / REVIEW           a pending manual review's task token;
                                GSI1 REVIEW#PENDING / {at}#{id}
    USER#{userId} / LATEST_APPLICATION   the id of the user's newest application

"APP" < "APP#STEP#..." < "PII" keeps one Query (SK between APP and PII) reading a step's needs.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from ..bureau.report import BureauReport
from ..reasons import Reason
from ..scoring.records import FEATURES, features_text, scored_index
from .port import (
    ApplicantPii,
    Application,
    Consent,
    Device,
    Location,
    Offer,
    Profile,
    Review,
    ScoreRecord,
    Status,
    StepRecords,
    StepResult,
    allowed_from,
)

STEP_SK = "APP#STEP#"
PII_SK = "PII"


def app_key(application_id: str) -> dict[str, str]:
    return {"PK": f"APP#{application_id}", "SK": "APP"}


def review_key(application_id: str) -> dict[str, str]:
    return {"PK": f"APP#{application_id}", "SK": "REVIEW"}


def latest_key(user_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": "LATEST_APPLICATION"}


def reasons_item(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [r.as_dict() for r in reasons]


def reasons_from(items: Any) -> tuple[Reason, ...]:
    return tuple(Reason(str(r["code"]), str(r["text"])) for r in items or ())


def offer_item(offer: Offer) -> dict[str, Any]:
    return {
        "grade": offer.grade,
        "apr": offer.apr,
        "dailyRate": offer.daily_rate,
        "limitFen": offer.limit_fen,
        "expiresAt": offer.expires_at,
    }


def offer_from(item: dict[str, Any]) -> Offer:
    return Offer(
        grade=str(item["grade"]),
        apr=str(item["apr"]),
        daily_rate=str(item["dailyRate"]),
        limit_fen=int(item["limitFen"]),
        expires_at=str(item["expiresAt"]),
    )


def to_item(app: Application) -> dict[str, Any]:
    p = app.profile
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
        "profile": {
            "employment": p.employment,
            "employmentYears": p.employment_years,
            "monthlyIncomeFen": p.monthly_income_fen,
            "housing": p.housing,
            "dependants": p.dependants,
            "city": p.city,
            "residenceYears": p.residence_years,
            "property": p.property,
        },
        "device": {"fingerprint": app.device.fingerprint, "ip": app.device.ip},
        "consent": {
            "creditReport": app.consent.credit_report,
            "textVersion": app.consent.text_version,
            "recordedAt": app.consent.recorded_at,
        },
        "createdAt": app.created_at,
        "updatedAt": app.updated_at,
        "reasons": reasons_item(app.reasons),
    }
    if app.location is not None:
        item["location"] = {"lat": app.location.lat, "lon": app.location.lon}
    if app.offer:
        item["offer"] = offer_item(app.offer)
    if app.accepted_at:
        item["acceptedAt"] = app.accepted_at
    if app.trail:
        item["trail"] = to_dynamo(app.trail)
    return item


def from_item(item: dict[str, Any]) -> Application:
    p, loc = item["profile"], item.get("location")
    return Application(
        application_id=item["applicationId"],
        user_id=item["userId"],
        document_id=item["documentId"],
        status=Status(item["status"]),
        amount_fen=int(item["amountFen"]),
        term_months=int(item["termMonths"]),
        purpose=item["purpose"],
        profile=Profile(
            employment=p["employment"],
            employment_years=int(p["employmentYears"]),
            monthly_income_fen=int(p["monthlyIncomeFen"]),
            housing=p["housing"],
            dependants=int(p["dependants"]),
            city=p["city"],
            residence_years=int(p["residenceYears"]),
            property=p.get("property", "none"),
        ),
        device=Device(item["device"]["fingerprint"], item["device"]["ip"]),
        location=Location(Decimal(loc["lat"]), Decimal(loc["lon"])) if loc else None,
        consent=Consent(
            text_version=item["consent"]["textVersion"],
            recorded_at=item["consent"]["recordedAt"],
            credit_report=item["consent"].get("creditReport", "granted"),
        ),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        reasons=reasons_from(item.get("reasons")),
        offer=offer_from(item["offer"]) if item.get("offer") else None,
        accepted_at=item.get("acceptedAt"),
        trail=from_dynamo(item.get("trail") or {}),
    )


def pii_item(pii: ApplicantPii) -> dict[str, Any]:
    return {
        "PK": f"APP#{pii.application_id}",
        "SK": PII_SK,
        "type": "ApplicantPii",
        "applicationId": pii.application_id,
        "name": pii.name,
        "idNumber": pii.id_number,
        "phone": pii.phone,
        "card": dict(pii.card),
    }


def pii_from(item: dict[str, Any]) -> ApplicantPii:
    return ApplicantPii(
        item["applicationId"], item["name"], item["idNumber"], item["phone"], dict(item["card"])
    )


def step_item(application_id: str, step: str, result: StepResult) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(result, BureauReport):
        body: dict[str, Any] = result.as_dict()
    elif isinstance(result, ScoreRecord):
        body = {
            # six places: the PD's precision everywhere it is shown or compared
            "pd": Decimal(f"{result.pd:.6f}"),
            "score": result.score,
            "grade": result.grade,
            "reasons": reasons_item(result.reasons),
            "day": result.day.isoformat(),
        }
        # the drift check reads what was scored by day (scoring/records.py)
        extra = {
            **scored_index(result.day, application_id),
            FEATURES: features_text(result.features),
        }
    else:
        body = {"reasons": reasons_item(result)}
    return {
        "PK": f"APP#{application_id}",
        "SK": STEP_SK + step,
        "type": "ApplicationStep",
        "applicationId": application_id,
        "step": step,
        "result": body,
        **extra,
    }


def steps_from(items: list[dict[str, Any]]) -> StepRecords:
    steps = {i["step"]: i for i in items if i["SK"].startswith(STEP_SK)}
    found = {step: i["result"] for step, i in steps.items()}
    score = found.get("score")
    return StepRecords(
        identity=reasons_from((found.get("identity") or {}).get("reasons")),
        fraud=reasons_from((found.get("fraud") or {}).get("reasons")),
        offer=reasons_from((found.get("offer") or {}).get("reasons")),
        bureau=BureauReport.from_dict(found["bureau"]) if "bureau" in found else None,
        score=ScoreRecord(
            pd=float(score["pd"]),
            score=int(score["score"]),
            grade=str(score["grade"]),
            reasons=reasons_from(score["reasons"]),
            day=date.fromisoformat(score["day"]),
            features=json.loads(steps["score"][FEATURES]),
        )
        if score
        else None,
    )


def review_item(r: Review) -> dict[str, Any]:
    item: dict[str, Any] = {
        **review_key(r.application_id),
        "type": "Review",
        "applicationId": r.application_id,
        "taskToken": r.task_token,
        "openedAt": r.opened_at,
        "reasons": reasons_item(r.reasons),
        "state": r.state,
    }
    if r.state == "PENDING":
        item |= {"GSI1PK": "REVIEW#PENDING", "GSI1SK": f"{r.opened_at}#{r.application_id}"}
    return item


def review_from(item: dict[str, Any]) -> Review:
    return Review(
        application_id=item["applicationId"],
        task_token=item["taskToken"],
        opened_at=item["openedAt"],
        reasons=reasons_from(item.get("reasons")),
        state=item["state"],
        outcome=item.get("outcome"),
        closed_at=item.get("closedAt"),
    )


def to_dynamo(value: Any) -> Any:
    """DynamoDB has no float: numbers go in as int or Decimal (floats by their repr)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


# --- request builders ---------------------------------------------------------------------


def _new_only() -> dict[str, Any]:
    return {
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def create_request(
    table: str, app: Application, pii: ApplicantPii, after: str | None = None
) -> dict[str, Any]:
    """All three records or none: a crash between puts must not leave half an application.

    The user's latest-application pointer moves only from the one the caller saw (`after`), so of
    two submissions racing for one user exactly one is written."""
    latest = {
        **latest_key(app.user_id),
        "applicationId": app.application_id,
        "updatedAt": app.created_at,
    }
    moved_from: dict[str, Any] = (
        _new_only()
        if after is None
        else {
            "ConditionExpression": "#id = :after",
            "ExpressionAttributeNames": {"#id": "applicationId"},
            "ExpressionAttributeValues": {":after": after},
        }
    )
    return {
        "TransactItems": [
            {"Put": {"TableName": table, "Item": to_item(app), **_new_only()}},
            {"Put": {"TableName": table, "Item": pii_item(pii), **_new_only()}},
            {"Put": {"TableName": table, "Item": latest, **moved_from}},
        ]
    }


def move_request(
    table: str,
    application_id: str,
    new: Status,
    now: str,
    reasons: tuple[Reason, ...] | None = None,
    offer: Offer | None = None,
    trail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """UpdateItem: the status moves only from a status TRANSITIONS allows, with the outcome."""
    names = {"#status": "status", "#updatedAt": "updatedAt", "#pk": "PK"}
    values: dict[str, Any] = {":new": new.value, ":now": now}
    sets = ["#status = :new", "#updatedAt = :now"]
    for name, value in (
        ("reasons", None if reasons is None else reasons_item(reasons)),
        ("offer", None if offer is None else offer_item(offer)),
        ("trail", None if trail is None else to_dynamo(trail)),
    ):
        if value is not None:
            names[f"#{name}"] = name
            values[f":{name}"] = value
            sets.append(f"#{name} = :{name}")
    froms = []
    for i, status in enumerate(allowed_from(new)):
        values[f":from{i}"] = status.value
        froms.append(f":from{i}")
    return {
        "TableName": table,
        "Key": app_key(application_id),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": f"attribute_exists(#pk) AND #status IN ({', '.join(froms)})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
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


def close_review_request(table: str, application_id: str, outcome: str, now: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": review_key(application_id),
        "UpdateExpression": (
            "SET #state = :closed, #outcome = :outcome, #closedAt = :now REMOVE #g1pk, #g1sk"
        ),
        "ConditionExpression": "#state = :pending",
        "ExpressionAttributeNames": {
            "#state": "state",
            "#outcome": "outcome",
            "#closedAt": "closedAt",
            "#g1pk": "GSI1PK",
            "#g1sk": "GSI1SK",
        },
        "ExpressionAttributeValues": {
            ":closed": "CLOSED",
            ":pending": "PENDING",
            ":outcome": outcome,
            ":now": now,
        },
        "ReturnValues": "ALL_NEW",
    }

"""The main job for a newcomer: realistic applicants through the live local API, outcomes
printed."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests


class Api:
    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self.url = cloud.api_url
        self.http = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        user: str,
        body: Any = None,
        *,
        ops: bool = False,
        key: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.cloud.token(user, ('ops',) if ops else ())}"}
        if key:
            headers["Idempotency-Key"] = key
        r = self.http.request(method, self.url + path, json=body, headers=headers, timeout=60)
        data = r.json() if r.content else {}
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {r.status_code}: {data}")
        return data


def _offer_line(app: dict[str, Any]) -> str:
    o = app.get("offer")
    if not o:
        return ""
    return f"line ¥{o['creditLimit']}  grade {o['grade']}  APR {o['apr']}%  daily {o['dailyRate']}%"


def _reasons(app: dict[str, Any]) -> str:
    return "; ".join(f"{r['code']}: {r['text']}" for r in app.get("reasons", [])[:3])


def upload_documents(api: Api, applicants: list[Any]) -> dict[str, str]:
    """Each applicant's ID-card photo uploaded, and read by OCR: label -> document id."""
    from localcloud.client import upload_photo

    docs = {}
    for a in applicants:
        doc = api.call("POST", "/v1/documents", a.user_id, {"contentType": "image/jpeg"})
        upload_photo(doc, a.photo()).raise_for_status()
        docs[a.label] = doc["documentId"]
    for a in applicants:
        deadline = time.monotonic() + 60
        while (
            api.call("GET", f"/v1/documents/{docs[a.label]}", a.user_id)["status"]
            == "AWAITING_UPLOAD"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("OCR did not finish within 60 s")
            time.sleep(0.1)
    return docs


def apply(api: Api, a: Any, document_id: str) -> tuple[dict[str, Any], float]:
    """Submit `a`'s application and wait for the decision: the application and the seconds."""
    started = time.perf_counter()
    # One request from submit to decision, as a phone would ask; a review outlasts the wait.
    app = api.call(
        "POST",
        "/v1/applications?waitSeconds=20",
        a.user_id,
        a.application(document_id),
        key=str(uuid.uuid4()),
    )
    if app["status"] == "PENDING":
        app = api.call("GET", f"/v1/applications/{app['applicationId']}?waitSeconds=20", a.user_id)
    return app, time.perf_counter() - started


def run(cloud: Any) -> bool:
    from demo.personas import cast

    api = Api(cloud)
    print(
        "Choosing demo applicants (invented people; the sandbox bureau knows each ID number)...",
        flush=True,
    )
    applicants = cast()

    print(
        f"\n1. {len(applicants)} applicants photograph their ID cards; "
        "OCR runs as each photo lands.",
        flush=True,
    )
    docs = upload_documents(api, applicants)

    print("\n2. Each applies; the decision workflow answers without a human.\n", flush=True)
    ok = True
    results: dict[str, dict[str, Any]] = {}
    for a in applicants:
        app, took = apply(api, a, docs[a.label])
        results[a.label] = app
        detail = _offer_line(app) if app["status"] == "APPROVED" else _reasons(app)
        print(f"  {a.label:<28} {app['status']:<10} {took * 1000:6.0f} ms  {detail}", flush=True)
        ok &= app["status"] in {"APPROVED", "DECLINED", "IN_REVIEW"}

    review = next((a for a in applicants if a.label.startswith("borderline")), None)
    if review and results[review.label]["status"] == "IN_REVIEW":
        app_id = results[review.label]["applicationId"]
        print(
            "\n3. An analyst approves the borderline case "
            "(lending review approve APP_ID does the same):",
            flush=True,
        )
        pending = api.call("GET", "/v1/ops/reviews", "analyst-1", ops=True)["reviews"]
        print(f"   pending reviews: {[r['applicationId'] for r in pending]}", flush=True)
        api.call(
            "POST",
            f"/v1/ops/reviews/{app_id}",
            "analyst-1",
            {"decision": "approve", "note": "income verified"},
            ops=True,
        )
        app = api.call("GET", f"/v1/applications/{app_id}?waitSeconds=20", review.user_id)
        while app["status"] == "IN_REVIEW":
            app = api.call("GET", f"/v1/applications/{app_id}", review.user_id)
            time.sleep(0.05)
        results[review.label] = app
        print(
            f"   {review.label:<28} {app['status']:<10} {_offer_line(app) or _reasons(app)}",
            flush=True,
        )

    from . import demo_life, demo_money

    bank = _bank(cloud)
    ok = demo_money.run(api, bank, applicants, results) and ok
    first = _first_borrower(api, applicants, results)
    story = demo_life.run(api, bank, _clock(cloud), bank_table(cloud), first=first)
    return story is not None and story.as_told and ok


def _first_borrower(
    api: Api, applicants: list[Any], results: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]] | None:
    """The journey's borrower (steps 4-6) and their open loan, if the journey got that far."""
    for a in applicants:
        if results.get(a.label, {}).get("status") != "APPROVED":
            continue
        for loan in api.call("GET", "/v1/loans", a.user_id)["loans"]:
            if loan["status"] == "ACTIVE":
                return a.user_id, api.call("GET", f"/v1/loans/{loan['loanId']}", a.user_id)
        return None
    return None


def bank_table(cloud: Any) -> Any:
    """The cloud's table, reached in this process (the demo runs in it)."""
    import boto3

    return boto3.resource("dynamodb").Table(cloud.env["LENDING_TABLE"])


def _bank(cloud: Any) -> Any:
    """The sandbox bank over the cloud's table."""
    from chalicelib import wiring

    from .bank import Bank

    opening = wiring.container().settings.opening_balance_fen() or 0
    return Bank.over(bank_table(cloud), opening)


def _clock(cloud: Any) -> Any:
    """The business clock and the close of business, as `lending clock advance` reaches them."""
    import boto3

    from .clock import LocalCloud

    return LocalCloud.over(bank_table(cloud), physical=cloud.physical, client=boto3.client)

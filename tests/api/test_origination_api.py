"""The mobile API through chalice's test client (authorizer included), services over fakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.applications.port import Status
from chalicelib.auth import issue_local_token
from chalicelib.documents.port import DocumentStatus, object_key
from chalicelib.errors import StoreBusy
from localcloud.workflows_only import WorkflowsOnly
from tests.api.conftest import auth

ROOT = Path(__file__).resolve().parents[2]


def new_document(
    client: Client, c: wiring.Container, user: str = "user-1", *, uploaded: bool = True
) -> str:
    """A document slot, and (unless told otherwise) its photo PUT to the upload URL."""
    r = client.http.post(
        "/v1/documents", headers=auth(c, user), body=json.dumps({"contentType": "image/jpeg"})
    )
    assert r.status_code == 201, r.body
    document_id = r.json_body["documentId"]
    if uploaded:
        c.blobs.objects[object_key(document_id)] = b"\xff\xd8 a photo, not yet read"
    return document_id


def application_body(document_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "documentId": document_id,
        "amount": "5000.00",
        "termMonths": 12,
        "purpose": "consumption",
        "declared": {
            "name": "张三",
            "idNumber": "11010519900307001X",
            "phone": "13800138000",
            "employment": "employed",
            "employmentYears": 5,
            "monthlyIncome": "12000.00",
            "housing": "rent",
            "dependants": 1,
            "city": "北京",
            "residenceYears": 3,
        },
        "device": {"fingerprint": "dev-abcdef123", "ip": "10.1.2.3"},
        "location": {"lat": 39.9, "lon": 116.4},
        "consent": {"creditReport": True, "textVersion": "2026-01"},
    }
    body.update(changes)
    return body


def post_application(
    client: Client, c: wiring.Container, body: Any, key: str = "key-0000001", user: str = "user-1"
) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.http.post(
        "/v1/applications", headers=auth(c, user, **{"Idempotency-Key": key}), body=raw
    )


def test_no_token_or_a_bad_one_is_401(client: Client, container: wiring.Container) -> None:
    assert client.http.get("/v1/applications").status_code == 401
    assert (
        client.http.get("/v1/applications", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    forged = issue_local_token(
        container.settings.__class__(**{**container.settings.__dict__, "auth_local_key": "x" * 32}),
        "user-1",
    )
    assert (
        client.http.get(
            "/v1/applications", headers={"Authorization": f"Bearer {forged}"}
        ).status_code
        == 401
    )
    nobody = issue_local_token(container.settings, "")
    assert (
        client.http.get(
            "/v1/applications", headers={"Authorization": f"Bearer {nobody}"}
        ).status_code
        == 401
    )
    assert (
        client.http.get(
            "/v1/applications", headers={"Authorization": f"Basic {forged}"}
        ).status_code
        == 401
    )


def test_the_auth_scheme_is_case_insensitive(client: Client, container: wiring.Container) -> None:
    token = issue_local_token(container.settings, "user-1")
    assert (
        client.http.get(
            "/v1/applications", headers={"Authorization": f"bearer {token}"}
        ).status_code
        == 200
    )


def test_submit_starts_the_workflow_with_ids_only(
    client: Client, container: wiring.Container
) -> None:
    doc = new_document(client, container)
    r = post_application(client, container, application_body(doc))
    assert r.status_code == 202, r.body
    app_id = r.json_body["applicationId"]
    assert r.json_body["status"] == "PENDING"
    ((_arn, name, payload),) = container.workflows.started
    assert name == app_id and payload == {"applicationId": app_id}
    got = client.http.get(f"/v1/applications/{app_id}", headers=auth(container))
    assert got.status_code == 200
    assert got.json_body["requestedAmount"] == "5000.00"
    assert "张三" not in json.dumps(got.json_body)


def test_a_repeated_idempotency_key_returns_the_first_response(
    client: Client, container: wiring.Container
) -> None:
    doc = new_document(client, container)
    first = post_application(client, container, application_body(doc))
    again = post_application(client, container, application_body(doc))
    assert again.status_code == 202 and again.json_body == first.json_body
    assert len(container.workflows.started) == 1
    other = post_application(client, container, application_body(doc, amount="6000.00"))
    assert other.status_code == 422 and other.json_body["field"] == "Idempotency-Key"


def test_an_application_whose_answer_was_lost_is_decided_after_the_retry(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an application whose write lands but whose answer is lost (DynamoDB's 500: the
    # table client raises StoreBusy), so its decision was never started (found by the chaos run)
    doc = new_document(client, container)
    create = container.applications.create

    def lands_then_lost(*args: Any, **kw: Any) -> None:
        create(*args, **kw)
        raise StoreBusy("DynamoDB TransactWriteItems: InternalServerError")

    monkeypatch.setattr(container.applications, "create", lands_then_lost)
    first = post_application(client, container, application_body(doc), key="lost-app-01")
    assert first.status_code == 503 and container.workflows.started == []
    monkeypatch.undo()
    # WHEN the phone asks again with the same key
    again = post_application(client, container, application_body(doc), key="lost-app-01")
    # THEN it is the same application, and its decision is started now (once)
    assert again.status_code == 202, again.body
    app_id = again.json_body["applicationId"]
    assert [a.application_id for a in container.applications.list_for_user("user-1")] == [app_id]
    ((_arn, name, _payload),) = container.workflows.started
    assert name == app_id
    post_application(client, container, application_body(doc), key="lost-app-01")
    assert len(container.workflows.started) == 1


def test_another_users_application_is_not_found(
    client: Client, container: wiring.Container
) -> None:
    doc = new_document(client, container)
    app_id = post_application(client, container, application_body(doc)).json_body["applicationId"]
    r = client.http.get(f"/v1/applications/{app_id}", headers=auth(container, "user-2"))
    assert r.status_code == 404
    r = client.http.get(
        f"/v1/applications/{app_id}?waitSeconds=1", headers=auth(container, "user-2")
    )
    assert r.status_code == 404
    # Nor can anyone apply with someone else's document.
    r = post_application(client, container, application_body(doc), key="key-0000002", user="user-2")
    assert r.status_code == 404 and r.json_body["field"] == "documentId"


@pytest.mark.parametrize(
    ("raw", "field", "status"),
    [
        ("{not json", "body", 400),
        ("[]", "body", 400),
        ("", "body", 400),
        ({"amount": "5000.00"}, "documentId", 400),
        ("EXTRA", "surprise", 400),
        ("AMOUNT:49.99", "amount", 400),
        ("AMOUNT:200000.01", "amount", 400),
        ("AMOUNT:12.345", "amount", 400),
        ("AMOUNT:5000", None, 202),
        ("TERM:37", "termMonths", 400),
        ("TERM:abc", "termMonths", 400),
        ("ID:12345", "declared.idNumber", 400),
        ("CONSENT:false", "consent.creditReport", 400),
        ("IP:999.1.1.1", "device.ip", 400),
        ("LAT:91", "location.lat", 400),
        ("DOC:doc_00000000000000000000000000", "documentId", 404),
        ("BIG", None, 413),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field(
    client: Client, container: wiring.Container, raw: Any, field: str | None, status: int
) -> None:
    doc = new_document(client, container)
    body: Any = raw
    if (isinstance(raw, str) and raw.isupper()) or (
        isinstance(raw, str) and ":" in raw and raw.split(":")[0].isupper()
    ):
        b = application_body(doc)
        kind, _, value = raw.partition(":")
        if kind == "EXTRA":
            b["surprise"] = 1
        elif kind == "AMOUNT":
            b["amount"] = value
        elif kind == "TERM":
            b["termMonths"] = int(value) if value.isdigit() else value
        elif kind == "ID":
            b["declared"]["idNumber"] = value
        elif kind == "CONSENT":
            b["consent"]["creditReport"] = False
        elif kind == "IP":
            b["device"]["ip"] = value
        elif kind == "LAT":
            b["location"]["lat"] = float(value)
        elif kind == "DOC":
            b["documentId"] = value
        elif kind == "BIG":
            b["purpose"] = "x" * 20000
        body = b
    r = post_application(client, container, body)
    assert r.status_code == status, r.body
    if status >= 400:
        assert r.json_body["status"] == status
        if field:
            assert r.json_body["field"] == field
        assert "Traceback" not in r.body.decode()
    if status >= 400 and status != 404:
        assert container.workflows.started == []  # nothing half-started


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("amount", " 5000"),  # no trimming
        ("amount", "5000\n"),
        ("amount", "５０００"),  # fullwidth digits
        ("amount", "٥٠٠٠"),  # Arabic-Indic digits
        ("termMonths", True),  # no coercion to 1
        ("termMonths", "12"),
        ("termMonths", 12.5),  # 12.0 is 12, as JSON Schema's integer (test_request_semantics)
        ("declared.dependants", 1.5),
        ("declared.phone", "1３８00138000"),
        ("declared.dependants", "0"),
        ("location.lat", "NaN"),
    ],
)
def test_values_are_taken_exactly_as_documented_or_refused(
    client: Client, container: wiring.Container, path: str, value: Any
) -> None:
    body = application_body(new_document(client, container))
    *parents, leaf = path.split(".")
    target = body
    for p in parents:
        target = target[p]
    target[leaf] = value
    r = post_application(client, container, body)
    assert r.status_code == 400 and r.json_body["field"] == path, r.body
    assert container.workflows.started == []


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 5000 + "]" * 5000,  # deeper than Python's recursion limit
        '{"termMonths": ' + "9" * 5001 + "}",  # past Python's 4,300-digit integer limit
        '{"amount": NaN}',  # a Python extension, not JSON
        '{"amount": Infinity}',
    ],
)
def test_bodies_python_cannot_or_should_not_parse_are_400_not_500(
    client: Client, container: wiring.Container, raw: str
) -> None:
    r = post_application(client, container, raw)
    assert r.status_code == 400 and r.json_body["field"] == "body", r.body


def test_applying_before_the_photo_is_uploaded_is_409_naming_the_document(
    client: Client, container: wiring.Container
) -> None:
    doc = new_document(client, container, uploaded=False)
    r = post_application(client, container, application_body(doc))
    assert r.status_code == 409 and r.json_body["field"] == "documentId", r.body
    assert (
        container.workflows.started == [] and container.applications.list_for_user("user-1") == []
    )
    # once the photo lands, the same request goes through, even before OCR has read it
    container.blobs.objects[object_key(doc)] = b"\xff\xd8 a photo"
    assert (
        post_application(client, container, application_body(doc), key="key-0000002").status_code
        == 202
    )


def test_one_application_at_a_time(client: Client, container: wiring.Container) -> None:
    from chalicelib.applications.port import Offer

    def submit(key: str) -> Any:
        return post_application(
            client, container, application_body(new_document(client, container)), key=key
        )

    first = submit("one-at-a-time-1").json_body["applicationId"]
    # while it is being decided (PENDING, then IN_REVIEW)
    for status in (None, Status.IN_REVIEW):
        if status:
            container.applications.move(first, status, "2026-03-01T00:00:00.000Z")
        r = submit("one-at-a-time-2")
        assert (
            r.status_code == 409
            and first in r.json_body["detail"]
            and "being decided" in r.json_body["detail"]
        )
    # while its offer is open, and once it has expired
    container.applications.move(
        first,
        Status.APPROVED,
        "2026-03-01T00:00:01.000Z",
        offer=Offer("B", "0.1080", "0.0003", 2_000_000, "2099-01-01T00:00:00.000Z"),
    )
    r = submit("one-at-a-time-3")
    assert r.status_code == 409 and "offer open until 2099-01-01" in r.json_body["detail"]
    container.applications._apps[first]["offer"]["expiresAt"] = (
        "2020-01-01T00:00:00.000Z"  # the fake's item
    )
    second = submit("one-at-a-time-4")
    assert second.status_code == 202, second.body
    # after a decline one may apply again; with a line, there is no need
    container.applications.move(
        second.json_body["applicationId"], Status.DECLINED, "2026-03-01T00:00:02.000Z"
    )
    third = submit("one-at-a-time-5").json_body["applicationId"]
    container.applications.move(
        third,
        Status.APPROVED,
        "2026-03-01T00:00:03.000Z",
        offer=Offer("B", "0.1080", "0.0003", 2_000_000, "2099-01-01T00:00:00.000Z"),
    )
    container.applications.mark_accepted(third, "2026-03-01T00:00:04.000Z")
    r = submit("one-at-a-time-6")
    assert r.status_code == 409 and "already have a credit line" in r.json_body["detail"]
    assert len(container.workflows.started) == 3


def test_a_first_application_reads_no_earlier_one_and_a_second_still_does(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most applicants apply once: their application is written without reading the user's
    latest first (the create's condition would say there was one), saving a request per
    decision; a second application still finds the first (test_one_application_at_a_time)."""
    reads: list[str] = []
    latest_for_user = container.applications.latest_for_user

    def spy(user_id: str) -> str | None:
        reads.append(user_id)
        return latest_for_user(user_id)

    monkeypatch.setattr(container.applications, "latest_for_user", spy)
    body = application_body(new_document(client, container))
    first = post_application(client, container, body, key="first-and-only-1")
    assert first.status_code == 202 and reads == []
    body = application_body(new_document(client, container))
    second = post_application(client, container, body, key="first-and-only-2")
    assert second.status_code == 409 and len(reads) == 1


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_json_is_a_415_problem_naming_the_header(
    client: Client, container: wiring.Container, content_type: str
) -> None:
    body = json.dumps(application_body(new_document(client, container)))
    headers = {
        **auth(container, **{"Idempotency-Key": "not-json-0001"}),
        "Content-Type": content_type,
    }
    r = client.http.post("/v1/applications", headers=headers, body=body)
    assert r.status_code == 415 and r.headers["Content-Type"] == "application/problem+json", r.body
    assert r.json_body["field"] == "Content-Type" and container.workflows.started == []
    # JSON with a charset, or a JSON subtype, is JSON
    for ok in ("application/json; charset=utf-8", "application/merge-patch+json"):
        headers = {
            **auth(container, **{"Idempotency-Key": f"json-{len(ok):08d}"}),
            "Content-Type": ok,
        }
        assert (
            client.http.post(
                "/v1/documents", headers=headers, body='{"contentType": "image/png"}'
            ).status_code
            == 201
        )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("HEAD", "/v1/applications/app_x"), ("HEAD", "/v1/credit-line")],
)
def test_a_path_or_a_method_the_gateway_does_not_route_is_a_404_problem_that_echoes_no_token(
    client: Client, container: wiring.Container, method: str, path: str
) -> None:
    headers = auth(container)
    r = client.http.request(method, path, headers=headers, body=b"")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json", r.body
    assert r.json_body["detail"] == f"no route for {method} {path}"
    assert headers["Authorization"].split()[1] not in r.body.decode()


def test_missing_idempotency_key_is_400(client: Client, container: wiring.Container) -> None:
    doc = new_document(client, container)
    r = client.http.post(
        "/v1/applications", headers=auth(container), body=json.dumps(application_body(doc))
    )
    assert r.status_code == 400 and r.json_body["field"] == "Idempotency-Key"


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space!", "ключ-ключ-ключ"])
def test_a_malformed_idempotency_key_is_400(
    client: Client, container: wiring.Container, key: str
) -> None:
    # The rule the OpenAPI document states: 8-64 ASCII letters, digits, '-' or '_'.
    doc = new_document(client, container)
    r = post_application(client, container, application_body(doc), key=key)
    assert r.status_code == 400 and r.json_body["field"] == "Idempotency-Key", r.json_body


def test_workflow_outage_is_a_503_and_a_visible_failed_application(
    client: Client, container: wiring.Container
) -> None:
    container.workflows.fail = True
    doc = new_document(client, container)
    r = post_application(client, container, application_body(doc))
    assert r.status_code == 503
    (app,) = container.applications.list_for_user("user-1")
    assert app.status.value == "FAILED"
    # The key is released, so the client can retry.
    container.workflows.fail = False
    assert post_application(client, container, application_body(doc)).status_code == 202


def test_openapi_is_served_and_the_committed_copy_is_current(client: Client) -> None:
    from chalicelib.api.openapi import openapi_document

    r = client.http.get("/v1/openapi.json")
    assert r.status_code == 200 and r.json_body["openapi"].startswith("3.")
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(openapi_document())), (
        "run: PYTHONPATH=functions python -m chalicelib.api.openapi > docs/openapi.json"
    )


def test_openapi_document_is_valid() -> None:
    from openapi_spec_validator import validate

    from chalicelib.api.openapi import openapi_document

    validate(openapi_document())


def test_document_status_is_the_owners_only(client: Client, container: wiring.Container) -> None:
    doc = new_document(client, container)
    r = client.http.get(f"/v1/documents/{doc}", headers=auth(container))
    assert r.status_code == 200 and r.json_body["status"] == "AWAITING_UPLOAD"
    assert (
        client.http.get(f"/v1/documents/{doc}", headers=auth(container, "user-2")).status_code
        == 404
    )


@pytest.mark.parametrize("wait", ["abc", "-1", "21", "1e1", "inf", "NaN", "٣", " 5", "20.0001"])
def test_a_bad_wait_is_400_naming_it(
    client: Client, container: wiring.Container, wait: str
) -> None:
    doc = new_document(client, container)
    app_id = post_application(client, container, application_body(doc)).json_body["applicationId"]
    r = client.http.get(f"/v1/applications/{app_id}?waitSeconds={wait}", headers=auth(container))
    assert r.status_code == 400 and r.json_body["field"] == "waitSeconds"


def test_a_long_poll_returns_when_the_status_moves(
    client: Client, container: wiring.Container
) -> None:
    import threading
    import time

    doc = new_document(client, container)
    app_id = post_application(client, container, application_body(doc)).json_body["applicationId"]
    mover = threading.Timer(
        0.3, lambda: container.applications.move(app_id, Status.DECLINED, "t", reasons=())
    )
    mover.start()
    started = time.monotonic()
    r = client.http.get(f"/v1/applications/{app_id}?waitSeconds=5", headers=auth(container))
    assert r.json_body["status"] == "DECLINED"
    assert 0.25 < time.monotonic() - started < 3


def test_a_submit_may_wait_for_its_decision_in_the_same_request(
    client: Client, container: wiring.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`POST /v1/applications?waitSeconds=N`: one request from the phone from submit to
    decision (201), or the application as it stands after N seconds (202)."""
    import threading

    start = container.workflows.start

    def decide_soon(arn: str, name: str, payload: dict[str, Any]) -> None:
        start(arn, name, payload)
        mover = threading.Timer(
            0.2, lambda: container.applications.move(name, Status.DECLINED, "t", reasons=())
        )
        mover.start()

    def submit(key: str, wait: str) -> Any:
        user = f"waiter-{key}"
        body = json.dumps(application_body(new_document(client, container, user)))
        headers = auth(container, user, **{"Idempotency-Key": key})
        return client.http.post(f"/v1/applications?waitSeconds={wait}", headers=headers, body=body)

    r = submit("waits-for-no-decision", "0.3")  # the fake workflow decides nothing
    assert r.status_code == 202 and r.json_body["status"] == "PENDING", r.body
    assert r.json_body["requestedAmount"] == "5000.00"  # the application, as GET shows it
    monkeypatch.setattr(container.workflows, "start", decide_soon)
    r = submit("waits-for-its-decision", "5")
    assert r.status_code == 201 and r.json_body["status"] == "DECLINED", r.body
    started = len(container.workflows.started)
    r = submit("waits-badly-00001", "1e1")
    assert r.status_code == 400 and r.json_body["field"] == "waitSeconds"
    assert len(container.workflows.started) == started  # refused before anything was written


def _assert_in_the_applicants_terms(texts: list[str]) -> None:
    assert texts
    for text in texts:
        # the model sees half the amount, and "radio/television" for consumption; age is no reason
        assert (
            "4000" not in text and "radio/television" not in text and not text.startswith("Age")
        ), text
        assert "张三" not in text and "11010519" not in text and "13800138000" not in text, text


@pytest.mark.parametrize(
    ("sequence", "status"),
    [
        (10, "DECLINED"),
        (1, "DECLINED"),
        (19, "IN_REVIEW"),
    ],  # sandbox bureau files for these ID numbers
)
def test_reasons_quote_what_the_applicant_declared(
    client: Client,
    container: wiring.Container,
    engine: WorkflowsOnly,
    sequence: int,
    status: str,
) -> None:
    import datetime as dt

    from chalicelib.kyc.fields import ExtractedFields
    from chalicelib.kyc.idnumber import make_id_number
    from chalicelib.origination.reading import fields_to_item

    # GIVEN ¥8,000.00 requested for consumption, with an ID card OCR read as declared
    id_number = make_id_number("110105", dt.date(1993, 3, 7), sequence)
    doc = new_document(client, container)
    card = ExtractedFields(
        name="张三", id_number=id_number, long_term=True, name_confidence=0.99, id_confidence=0.99
    )
    container.documents.save_reading(doc, DocumentStatus.READ, fields_to_item(card), 1.0)
    declared = dict(application_body(doc)["declared"], idNumber=id_number)
    r = post_application(
        client, container, application_body(doc, amount="8000.00", declared=declared)
    )
    assert r.status_code == 202, r.body
    app_id = r.json_body["applicationId"]
    # WHEN the workflow (the real ASL) verifies, screens, scores and decides it
    mine = client.http.get(
        f"/v1/applications/{app_id}?waitSeconds=20", headers=auth(container)
    ).json_body
    # THEN the applicant reads the amount and purpose they gave, and never age
    assert mine["status"] == status
    if status == "DECLINED":
        by_code = {x["code"]: x["text"] for x in mine["reasons"]}
        assert "¥8,000.00" in by_code["LOAN_AMOUNT"]
        assert "LOAN_PURPOSE" not in by_code or "(consumption)" in by_code["LOAN_PURPOSE"]
        assert "AGE" not in by_code
        _assert_in_the_applicants_terms(list(by_code.values()))
    # AND so does the analyst
    ops = auth(container, "analyst-1")
    ops["Authorization"] = (
        f"Bearer {issue_local_token(container.settings, 'analyst-1', groups=('ops',))}"
    )
    reviews = client.http.get("/v1/ops/reviews", headers=ops).json_body["reviews"]
    if status == "IN_REVIEW":
        (review,) = [x for x in reviews if x["applicationId"] == app_id]
        shown = [*review["score"]["reasons"], *review["decision"]["reasons"]]
        assert "AGE" not in {x["code"] for x in shown}
        assert any("¥8,000.00" in x["text"] for x in shown if x["code"] == "LOAN_AMOUNT")
        _assert_in_the_applicants_terms([x["text"] for x in shown])

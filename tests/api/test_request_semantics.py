"""What a client can rely on about a request, whatever tool sent it (issue 13, part 5): a
repeated Idempotency-Key is compared by what the request means, not its bytes; duplicate keys
are refused; an integral JSON number is an integer, as the published schema says; a body
without Content-Type is refused; a method a path does not take is a 405 that says which do."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from chalice.test import Client

from chalicelib import wiring
from tests.api.conftest import auth

DRAW = {"amount": "300.00", "termMonths": 6, "method": "equal-installment"}


def open_line(c: wiring.Container, user: str = "user-1") -> None:
    c.credit_lines.open_line(user, 2_000_000, Decimal("0.1080"), "B", f"app-{user}")


def post_raw(
    client: Client, c: wiring.Container, path: str, raw: str, key: str, user: str = "user-1"
) -> object:
    return client.http.post(path, headers=auth(c, user, **{"Idempotency-Key": key}), body=raw)


def test_the_same_fields_in_another_order_with_the_same_key_get_the_first_answer(
    client: Client, container: wiring.Container
) -> None:
    # GIVEN a draw sent once
    open_line(container)
    first = post_raw(client, container, "/v1/loans", json.dumps(DRAW), "reorder-0001")
    assert first.status_code == 202, first.body  # type: ignore[attr-defined]
    # WHEN the same request is sent again, its fields in another order, spaced differently
    again = json.dumps(dict(reversed(list(DRAW.items()))), indent=2)
    assert again != json.dumps(DRAW)
    second = post_raw(client, container, "/v1/loans", again, "reorder-0001")
    # THEN it is the same request: the first answer, and one draw
    assert second.status_code == 202, second.body  # type: ignore[attr-defined]
    assert second.json_body == first.json_body  # type: ignore[attr-defined]
    assert len(container.workflows.started) == 1
    # ... while another amount under the same key is still another request
    other = post_raw(
        client, container, "/v1/loans", json.dumps({**DRAW, "amount": "301.00"}), "reorder-0001"
    )
    assert other.status_code == 422, other.body  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            '{"amount": "50.00", "termMonths": 6, "method": "equal-installment", '
            '"amount": "99999.00"}',
            "amount",
        ),
        (
            '{"amount": "50.00", "termMonths": 6, "termMonths": 6, "method": "equal-principal"}',
            "termMonths",
        ),
    ],
)
def test_a_body_with_a_key_twice_is_a_400_naming_it(
    client: Client, container: wiring.Container, raw: str, field: str
) -> None:
    # A proxy that reads the first "amount" and our server the last would see two requests.
    open_line(container)
    r = post_raw(client, container, "/v1/loans", raw, "duplicate-0001")
    assert r.status_code == 400, r.body  # type: ignore[attr-defined]
    assert r.json_body["field"] == field  # type: ignore[attr-defined]
    assert "more than once" in r.json_body["detail"]  # type: ignore[attr-defined]
    assert container.workflows.started == []


def test_a_key_twice_inside_a_nested_object_is_refused_too(
    client: Client, container: wiring.Container
) -> None:
    raw = '{"contentType": "image/png", "x": {"a": 1, "a": 2}}'
    r = client.http.post("/v1/documents", headers=auth(container), body=raw)
    assert r.status_code == 400 and r.json_body["field"] == "x.a", r.body


def test_an_integral_number_is_an_integer_as_the_schema_says(
    client: Client, container: wiring.Container
) -> None:
    # JSON Schema's "integer" is any number with no fraction: 3.0 and 3e0 are 3.
    from chalicelib.api.openapi import openapi_document

    schema = openapi_document()["components"]["schemas"]["LoanRequest"]["properties"]
    assert schema["termMonths"]["type"] == "integer"
    open_line(container)
    raw = '{"amount": "300.00", "termMonths": 3.0, "method": "equal-installment"}'
    r = post_raw(client, container, "/v1/loans", raw, "integral-0001")
    assert r.status_code == 202, r.body  # type: ignore[attr-defined]
    loan_id = r.json_body["loanId"]  # type: ignore[attr-defined]
    assert container.money_requests.get_draw(loan_id).term_months == 3
    # the same request written with 3 is the same request
    same = post_raw(
        client, container, "/v1/loans", json.dumps({**DRAW, "termMonths": 3}), "integral-0001"
    )
    assert same.status_code == 202 and same.json_body["loanId"] == loan_id  # type: ignore[attr-defined]


@pytest.mark.parametrize("term", ["3.5", "true", '"3"', "1e400"])
def test_what_is_not_an_integer_stays_a_400(
    client: Client, container: wiring.Container, term: str
) -> None:
    open_line(container)
    raw = f'{{"amount": "300.00", "termMonths": {term}, "method": "equal-installment"}}'
    r = post_raw(client, container, "/v1/loans", raw, "not-integer-01")
    assert r.status_code == 400 and r.json_body["field"] in ("termMonths", "body"), r.body  # type: ignore[attr-defined]


def test_a_post_without_content_type_is_a_415_problem(
    client: Client, container: wiring.Container
) -> None:
    headers = {k: v for k, v in auth(container).items() if k != "Content-Type"}
    r = client.http.post("/v1/documents", headers=headers, body='{"contentType": "image/png"}')
    assert r.status_code == 415 and r.headers["Content-Type"] == "application/problem+json", r.body
    assert r.json_body["field"] == "Content-Type"
    # a POST that carries no body needs no type
    r = client.http.post("/v1/applications/app_nope/accept", headers=headers)
    assert r.status_code == 404, r.body


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/applications/app_x", "GET"),
        ("POST", "/v1/credit-line", "GET"),
        ("PUT", "/v1/loans", "GET, POST"),
        ("PATCH", "/v1/loans/loan_x/repayments", "POST"),
        ("GET", "/v1/applications/app_x/accept", "POST"),
    ],
)
def test_a_method_a_known_path_does_not_take_is_a_405_problem_with_allow(
    client: Client, container: wiring.Container, method: str, path: str, allow: str
) -> None:
    r = client.http.request(method, path, headers=auth(container), body=b"")
    assert r.status_code == 405, r.body
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.headers["Allow"] == allow
    body = r.json_body
    assert body["status"] == 405 and body["type"].endswith("/method-not-allowed")
    assert body["detail"].startswith(f"{method} is not allowed") and allow in body["detail"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/nope"), ("DELETE", "/v1/nope/x")])
def test_an_unknown_path_stays_a_404_problem_that_echoes_no_token(
    client: Client, container: wiring.Container, method: str, path: str
) -> None:
    headers = auth(container)
    r = client.http.request(method, path, headers=headers, body=b"")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json", r.body
    assert r.json_body["detail"] == f"no route for {method} {path}"
    assert headers["Authorization"].split()[1] not in r.body.decode()


def test_a_caller_without_a_token_learns_only_401_of_a_path(client: Client) -> None:
    assert client.http.request("DELETE", "/v1/loans", body=b"").status_code == 401
    # the public document's path needs no token to say what it takes
    r = client.http.request("POST", "/v1/openapi.json", body=b"")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"

"""Request parsing and error bodies: every refusal is a 4xx problem body naming the field."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import DomainError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 16 * 1024


def problem(status: int, code: str, detail: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://errors.weili.dev/{code}",
        "title": code.replace("-", " "),
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    return body


def problem_for(exc: DomainError) -> dict[str, Any]:
    return problem(exc.status, exc.code, exc.detail, exc.field)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def parse_body(model: type[M], raw: bytes | None) -> M:
    raw = raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    if not raw.strip():
        raise InvalidRequest("request body is empty; a JSON object is required", field="body")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise InvalidRequest("request body is nested too deeply", field="body") from None
    except ValueError as exc:  # bad JSON or UTF-8, NaN, an integer of over 4,300 digits
        raise InvalidRequest(f"request body is not valid JSON: {exc}", field="body") from None
    return parse_data(model, data)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def require_json(method: str, headers: Any, raw: bytes | None) -> None:
    """A body sent with POST must be JSON. Chalice checks this itself, but answers in a shape of
    its own ({"Code": ...}); routes accept any type so that the refusal is a problem body too."""
    if method not in ("POST", "PUT", "PATCH") or not raw:
        return
    ctype = (headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType(
            f"Content-Type {ctype} is not supported; send application/json", field="Content-Type"
        )


def parse_data(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise InvalidRequest("request body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _field_path(tuple(first["loc"]))
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown field"
        elif first["type"] == "missing":
            msg = "field required"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise InvalidRequest(f"{where}: {msg}{more}", field=where) from None


IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


def idempotency_key(headers: Any) -> str:
    key = headers.get("idempotency-key") or headers.get("Idempotency-Key")
    if not key:
        raise InvalidRequest("header Idempotency-Key is required", field="Idempotency-Key")
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise InvalidRequest(
            "Idempotency-Key must be 8-64 letters, digits, '-' or '_'", field="Idempotency-Key"
        )
    return key


MAX_WAIT_SECONDS = 20
WAIT_SECONDS_PATTERN = r"^[0-9]{1,2}(\.[0-9]{1,3})?$"


def wait_seconds(query: Any) -> float:
    """`?waitSeconds=N` (0-20): how long a GET may wait for the application to change."""
    raw = (query or {}).get("waitSeconds")
    if raw is None:
        return 0.0
    # Plain decimal seconds only, as for money: float() would also take "1e1", "inf" and "٣".
    if not re.fullmatch(WAIT_SECONDS_PATTERN, raw):
        raise InvalidRequest(
            "waitSeconds must be a number of seconds, such as 10 or 2.5", field="waitSeconds"
        )
    value = float(raw)
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise InvalidRequest(
            f"waitSeconds must be between 0 and {MAX_WAIT_SECONDS}", field="waitSeconds"
        )
    return value

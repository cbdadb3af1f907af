"""The HTTP edge: routes that turn refusals into 4xx problem bodies naming the field (and never
leak a trace), request parsing, and `Idempotency-Key`."""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from ..errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidRequest,
    PayloadTooLarge,
    TransientError,
    Unprocessable,
    UnsupportedMediaType,
)
from ..idempotency.port import ABANDONED_AFTER_SECONDS, Claim, IdempotencyStore, request_hash

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 16 * 1024


def problem(
    status: int, code: str, detail: str, field: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://errors.weili.dev/{code}",
        "title": code.replace("-", " "),
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    if reason:
        body["code"] = reason
    return body


def problem_for(exc: DomainError) -> dict[str, Any]:
    return problem(exc.status, exc.code, exc.detail, exc.field, exc.reason)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


def as_bytes(raw: bytes | str | None) -> bytes:
    """A request body as bytes (chalice gives str or bytes, by content type)."""
    return raw.encode() if isinstance(raw, str) else raw or b""


def parse_body(model: type[M], raw: bytes | str | None) -> M:
    raw = as_bytes(raw)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    if not raw.strip():
        raise InvalidRequest("request body is empty; a JSON object is required", field="body")
    try:
        data = json.loads(raw, parse_constant=_no_constants, object_pairs_hook=_Members.of)
        twice = _first_duplicate(data)
    except RecursionError:
        raise InvalidRequest("request body is nested too deeply", field="body") from None
    except ValueError as exc:  # bad JSON or UTF-8, NaN, an integer of over 4,300 digits
        raise InvalidRequest(f"request body is not valid JSON: {exc}", field="body") from None
    if twice is not None:
        # Parsers disagree on which one wins (we took the last, many proxies the first), so a
        # body with a key twice could mean one thing to a gateway or a log and another to us.
        raise InvalidRequest(f"{twice}: the key appears more than once", field=twice)
    return parse_data(model, data)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _Members(dict[str, Any]):
    """A JSON object as parsed, remembering any key it was given more than once."""

    repeated: str | None = None

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _Members:
        obj = cls(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    obj.repeated = key
                    break
                seen.add(key)
        return obj


def _first_duplicate(value: Any, path: tuple[str, ...] = ()) -> str | None:
    """Where the first key given twice is (`declared.name`), or None."""
    if isinstance(value, _Members):
        if value.repeated is not None:
            return ".".join((*path, value.repeated))
        items: Any = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, inner in items:
        found = _first_duplicate(inner, (*path, key))
        if found is not None:
            return found
    return None


def require_json(method: str, headers: Any, raw: bytes | str | None) -> None:
    """A body sent with POST must be JSON. Chalice checks this itself, but answers in a shape of
    its own ({"Code": ...}); routes accept any type so that the refusal is a problem body too."""
    if method not in ("POST", "PUT", "PATCH") or not raw:
        return
    sent = headers.get("content-type")
    if not sent:
        raise UnsupportedMediaType(
            "Content-Type is missing; send application/json", field="Content-Type"
        )
    ctype = sent.split(";")[0].strip().lower()
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
    key: str | None = headers.get("idempotency-key") or headers.get("Idempotency-Key")
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


PAGE_LIMIT_PATTERN = r"^[0-9]{1,3}$"


def page_params(query: Any, default: int, maximum: int) -> tuple[str | None, int]:
    """`?cursor=...&limit=N` of a paged list: the cursor as sent (its service knows what it
    handed out), N a whole number from 1 to `maximum`."""
    q = query or {}
    raw = q.get("limit")
    if raw is None:
        return q.get("cursor"), default
    if not re.fullmatch(PAGE_LIMIT_PATTERN, raw) or not 1 <= int(raw) <= maximum:
        raise InvalidRequest(f"limit must be a whole number from 1 to {maximum}", field="limit")
    return q.get("cursor"), int(raw)


# --- responses and routes ------------------------------------------------------------------

View = Callable[..., Response]


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(body, status_code=status, headers={"Content-Type": "application/json"})


def problem_response(status: int, body: dict[str, Any]) -> Response:
    return Response(body, status_code=status, headers={"Content-Type": "application/problem+json"})


BUSY_RETRY_AFTER_SECONDS = 1


def busy_response() -> Response:
    """503 with Retry-After: a dependency was busy; the same request (and Idempotency-Key) asked
    again shortly is answered."""
    body = problem(
        503,
        "service-unavailable",
        "we were busy for a moment; retry shortly with the same Idempotency-Key",
    )
    return Response(
        body,
        status_code=503,
        headers={
            "Content-Type": "application/problem+json",
            "Retry-After": str(BUSY_RETRY_AFTER_SECONDS),
        },
    )


def require_ops(is_ops: bool) -> None:
    if not is_ops:
        raise Forbidden("this endpoint is for the operations team")


def current(app: Chalice) -> Request:
    """The request being served (chalice sets it before calling a view)."""
    req = app.current_request
    if req is None:
        raise RuntimeError("no request is being served")
    return req


def router(app: Chalice) -> Callable[..., Callable[[View], View]]:
    """`app.route` whose views' DomainErrors become 4xx problem bodies; anything else is a 500
    problem body, logged, and no stack trace ever reaches a client."""

    def route(path: str, **kwargs: Any) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            @functools.wraps(view)
            def guarded(*args: Any, **kw: Any) -> Response:
                try:
                    req = current(app)
                    require_json(req.method, req.headers, req.raw_body)
                    return view(*args, **kw)
                except DomainError as exc:
                    return problem_response(exc.status, problem_for(exc))
                except TransientError as exc:
                    # The table was busy for a moment (throttled, an item held by a transaction):
                    # nothing is lost by asking again, and every write is keyed to be asked again.
                    log.warning("busy on %s: %s", path, exc)
                    return busy_response()
                except Exception:
                    log.exception("unhandled error on %s", path)
                    return problem_response(
                        500, problem(500, "internal-error", "something went wrong on our side")
                    )

            for method in kwargs.get("methods", ["GET"]):
                if _is_not_allowed(app.routes[path].get(method)):
                    del app.routes[path][method]
            registered: View = app.route(path, **{"content_types": ["*/*"], **kwargs})(guarded)
            _answer_other_methods(app, path, kwargs.get("authorizer"))
            return registered

        return decorate

    return route


# The methods API Gateway routes. One a known path does not take is answered here, 405 with
# `Allow`, on AWS as locally: without a view for it the gateway would answer its own 403 (a 404
# problem body through resources.yaml), which tells a client nothing about the methods there are.
ROUTABLE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_NOT_ALLOWED = "method_not_allowed"


def _is_not_allowed(entry: Any) -> bool:
    return entry is not None and entry.view_name == _NOT_ALLOWED


def _answer_other_methods(app: Chalice, path: str, authorizer: Any) -> None:
    """Give `path` a 405 view for each routable method no route takes (kept up to date as routes
    on the same path are added: a real route replaces its placeholder), behind the path's
    authorizer: whoever may not call the path learns nothing of it beyond the 401."""

    def method_not_allowed(**_params: str) -> Response:
        allowed = [m for m in ROUTABLE_METHODS if not _is_not_allowed(app.routes[path].get(m))]
        allow = ", ".join(allowed)
        body = problem(
            405,
            "method-not-allowed",
            f"{current(app).method} is not allowed on {path}; it takes {allow}",
        )
        return Response(
            body,
            status_code=405,
            headers={"Content-Type": "application/problem+json", "Allow": allow},
        )

    for method in ROUTABLE_METHODS:
        if method not in app.routes[path]:
            app.route(
                path,
                methods=[method],
                content_types=["*/*"],
                authorizer=authorizer,
                name=_NOT_ALLOWED,
            )(method_not_allowed)


# --- Idempotency-Key ---------------------------------------------------------------------------


def idempotent(
    store: IdempotencyStore,
    user_id: str,
    headers: Any,
    route: str,
    request: BaseModel,
    new_resource_id: Callable[[], str],
    create: Callable[[str], None],
    exists: Callable[[str], bool],
    respond: Callable[[str], tuple[int, dict[str, Any]]],
) -> Response:
    """Run `create(id)` at most once per (user, Idempotency-Key); answer `respond(id)`.

    The key is claimed for a new resource id before anything is written; a repeat of the same
    request (compared as parsed: `canonical`) answers with that id once its resource exists
    (409 while the first request is still writing it); a claim whose request died before
    writing is taken over after a while, with the same id, so a resource is never created
    twice. A request refused (4xx) frees the key;
    one that failed on our side leaves its id to the retry at once."""
    key = idempotency_key(headers)
    digest = request_hash(route, canonical(request))
    now = int(time.time())
    rid = new_resource_id()
    mine = Claim(digest, rid, now)
    try:
        held = store.claim(user_id, key, mine)
    except BaseException:
        # The claim may have landed with its answer lost: leave it resumable (below).
        _resumable(store, user_id, key, mine)
        raise
    if held is not None:
        if held.request_hash != digest:
            raise Unprocessable(
                "Idempotency-Key was already used with a different request",
                field="Idempotency-Key",
            )
        rid = held.resource_id
        if exists(rid):
            return _answer(respond(rid))
        busy = Conflict(
            "a request with this Idempotency-Key is still in progress; retry shortly",
            field="Idempotency-Key",
        )
        if now - held.claimed_at < ABANDONED_AFTER_SECONDS:
            raise busy
        mine = Claim(digest, rid, now)
        try:
            taken = store.take_over(user_id, key, held, mine)
        except BaseException:
            # As for the claim: the take-over may have landed with its answer lost.
            _resumable(store, user_id, key, mine)
            raise
        if not taken:
            raise busy
    try:
        create(rid)
    except DomainError:
        # Refused: nothing was made, and the key is free for a corrected request. If the table
        # fails the release, the claim is left resumable instead: the retry runs the same
        # request at once and meets the same refusal, rather than 409s for half a minute.
        try:
            store.release(user_id, key, rid)
        except Exception:
            _resumable(store, user_id, key, mine)
        raise
    except BaseException:
        # Failed on our side (a 5xx) after it may have written part of the resource: the retry
        # with this key resumes the same id at once, so what this attempt wrote is found and
        # finished (every create is idempotent on its id), never left behind under a new one.
        _resumable(store, user_id, key, mine)
        raise
    return _answer(respond(rid))


def canonical(request: BaseModel) -> bytes:
    """The request as it was understood, in one spelling: the same fields in another order,
    other spacing, 3.0 for 3 or a default written out are the same request."""
    return json.dumps(
        request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _resumable(store: IdempotencyStore, user_id: str, key: str, claim: Claim) -> None:
    """Date our claim back by ABANDONED_AFTER_SECONDS (it keeps its 24 h), so the next request
    with the key takes it over with its resource id at once; best effort: a claim left as it
    was is taken over after ABANDONED_AFTER_SECONDS all the same."""
    abandoned = claim.claimed_at - ABANDONED_AFTER_SECONDS
    for _ in range(3):  # the table that just failed the request may fail this write too
        try:
            store.take_over(
                user_id, key, claim, Claim(claim.request_hash, claim.resource_id, abandoned)
            )
            return
        except Exception:
            time.sleep(0.05)
    log.warning("idempotency claim %s left as it was", claim.resource_id)


def _answer(status_body: tuple[int, dict[str, Any]]) -> Response:
    status, body = status_body
    return json_response(body, status)

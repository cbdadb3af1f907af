"""The local API's HTTP server: chalice local's gateway behind a server that takes bursts.

chalice local serves with `http.server` (a listen backlog of 5, a thread per connection, a new
route table built for every request). Under a burst the backlog overflowed: 50 concurrent
POSTs left 27 connections reset, and a connection whose SYN was dropped waited 1-3 s for the
retransmission (issue 13). Here the same gateway (the same routing, authorizer and Lambda
events, with api_semantics.py's answers) runs as a WSGI application under waitress: a listen
backlog of 1,024, a pool of worker threads, connections held by one I/O loop while they wait.

Each request is what chalice local's handler made of it: the request target as sent (path
and query, still percent-encoded), headers, body; the answer is the gateway's status, headers
(multi-value ones repeated) and body. `limits` (localcloud/limits.py) answers first, as
API Gateway's throttling and WAF do before the API is reached.
"""

from __future__ import annotations

import base64
import http
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .limits import ApiLimits

# Enough for every request of a 100-request burst to be in flight at once, and for long-polls
# (GET ...?waitSeconds=20 holds its thread) not to starve the rest. API Gateway's payload limit.
THREADS = 100
BACKLOG = 1024
CONNECTION_LIMIT = 1000
MAX_BODY_BYTES = 10 * 1024 * 1024

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _target(environ: dict[str, Any]) -> str:
    return str(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/")


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _status(code: int) -> str:
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def _typed(headers: dict[str, Any]) -> dict[str, Any]:
    """An answer's headers with a Content-Type: chalice local's handler, like API Gateway, says
    application/json when the answer names none (its 401 and 403 do not)."""
    if any(name.lower() == "content-type" for name in headers):
        return dict(headers)
    return {"Content-Type": "application/json", **headers}


def _header_list(
    headers: dict[str, Any], multi: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for source in (headers, multi or {}):
        for name, value in source.items():
            for one in value if isinstance(value, list) else [value]:
                out.append((name, str(one)))
    return out


@dataclass
class GatewayApp:
    """chalice local's gateway as a WSGI application."""

    gateway: Any  # chalice.local.LocalGateway
    limits: ApiLimits | None = None
    clock: Callable[[], float] = time.monotonic

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        from chalice.local import LocalGatewayException

        headers = _headers(environ)
        if self.limits is not None:
            refused = self.limits.admit(headers, self.clock())
            if refused is not None:
                start_response(_status(refused.status), list(refused.headers.items()))
                return [refused.body]
        body = environ["wsgi.input"].read() if environ.get("CONTENT_LENGTH") else None
        try:
            response = self.gateway.handle_request(
                method=environ["REQUEST_METHOD"], path=_target(environ), headers=headers, body=body
            )
        except LocalGatewayException as error:
            start_response(_status(error.CODE), _header_list(_typed(error.headers or {})))
            return [error.body or b""]
        out = response.get("body")
        if response.get("isBase64Encoded"):
            out = base64.b64decode(out)
        elif isinstance(out, str):
            out = out.encode("utf-8")
        start_response(
            _status(response["statusCode"]),
            _header_list(_typed(response.get("headers", {})), response.get("multiValueHeaders")),
        )
        return [out or b""]


class ApiServer:
    """waitress serving a WSGI app (`GatewayApp`) on a thread of its own."""

    def __init__(self, app: WsgiApp, host: str, port: int, threads: int = THREADS) -> None:
        from waitress.server import create_server

        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            backlog=BACKLOG,
            connection_limit=CONNECTION_LIMIT,
            max_request_body_size=MAX_BODY_BYTES,
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
            ident="weili-local",
        )
        self._thread = threading.Thread(target=self._server.run, name="local-api", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.socket.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown()

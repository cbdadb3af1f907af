"""Make chalice local answer like our API Gateway where it does not already.

1. API Gateway returns 401 when a token authorizer raises an error whose message is exactly
   "Unauthorized"; chalice local lets the exception escape as a 500. The authorizer call is
   wrapped so the local API, and chalice's test client, answer 401 as AWS does.
2. A path no route takes, or a method API Gateway does not route to the app: the gateway
   answers MISSING_AUTHENTICATION_TOKEN (a 403 that echoes the caller's Authorization header),
   which infra/resources.yaml turns into a 404 problem body (GatewayResponses). chalice local
   imitates the bare gateway instead, and for a known path with such a method (HEAD, TRACE,
   BREW) answers chalice's own 405, which on AWS never happens (the gateway stops the request
   first). Both become the same 404 here. (A routable method a known path does not take, say
   DELETE, is the app's own 405 problem with `Allow`, on AWS as here: `api.http.router`.)
"""

from __future__ import annotations

import json
from typing import Any

_installed = False


def no_route_body(method: str, path: str) -> bytes:
    """The body resources.yaml's MISSING_AUTHENTICATION_TOKEN gateway response renders."""
    return json.dumps(
        {
            "type": "https://errors.weili.dev/not-found",
            "title": "not found",
            "status": 404,
            "detail": f"no route for {method} {path}",
        }
    ).encode()


def _bytes(body: Any) -> bytes:
    return body.encode() if isinstance(body, str) else body or b""


def install_gateway_semantics() -> None:
    global _installed
    if _installed:
        return
    from chalice import local

    class NoRoute(local.LocalGatewayException):
        CODE = 404

        def __init__(self, method: str, path: str) -> None:
            super().__init__(
                {"Content-Type": "application/problem+json"},
                no_route_body(method, path.split("?")[0]),
            )

    gateway_answer = (b"Missing Authentication Token", b"requires 'Credential'")
    handle = local.LocalGateway.handle_request

    def handle_request(self: Any, method: str, path: str, headers: Any, body: Any) -> Any:
        try:
            response = handle(self, method, path, headers, body)
        except local.ForbiddenError as exc:
            if any(text in (exc.body or b"") for text in gateway_answer):
                raise NoRoute(method, path) from None
            raise
        if response.get("statusCode") == 405 and b"MethodNotAllowedError" in _bytes(
            response.get("body")
        ):
            raise NoRoute(method, path)
        return response

    local.LocalGateway.handle_request = handle_request  # type: ignore[method-assign]

    original = local.LocalGatewayAuthorizer.authorize

    def authorize(self: Any, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        try:
            return original(self, raw_path, lambda_event, lambda_context)
        except local.LocalGatewayException:
            raise
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise local.NotAuthorizedError(
                    {
                        "x-amzn-RequestId": lambda_context.aws_request_id,
                        "x-amzn-ErrorType": "UnauthorizedException",
                    },
                    b'{"message":"Unauthorized"}',
                ) from None
            raise

    local.LocalGatewayAuthorizer.authorize = authorize  # type: ignore[method-assign]
    _installed = True


def give_each_thread_its_own_request(app: Any) -> None:
    """One request per Lambda container on AWS; many threads in one process under chalice local.

    Chalice keeps `app.current_request` (and `lambda_context`) on the app object, so two
    concurrent local requests overwrite each other's: a long-poll then reads another user's
    token. Backing both attributes by a thread-local gives each server thread what a
    container would have had to itself.
    """
    import threading

    if getattr(type(app), "_thread_local_requests", False):
        return
    local = threading.local()

    def attr(name: str) -> property:
        return property(
            lambda self: getattr(local, name, None), lambda self, value: setattr(local, name, value)
        )

    app.__class__ = type(
        type(app).__name__,
        (type(app),),
        {
            "current_request": attr("current_request"),
            "lambda_context": attr("lambda_context"),
            "_thread_local_requests": True,
        },
    )

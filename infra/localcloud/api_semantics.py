"""Make chalice local answer like API Gateway where it does not already.

API Gateway returns 401 when a token authorizer raises an error whose message is exactly
"Unauthorized"; chalice local lets the exception escape as a 500. This wraps its
authorizer call so the local API, and chalice's test client, answer 401 as AWS does.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install_authorizer_semantics() -> None:
    global _installed
    if _installed:
        return
    from chalice import local

    original = local.LocalGatewayAuthorizer.authorize

    def authorize(self: Any, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        try:
            return original(self, raw_path, lambda_event, lambda_context)
        except local.LocalGatewayException:
            raise
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise local.NotAuthorizedError(
                    {"x-amzn-RequestId": lambda_context.aws_request_id, "x-amzn-ErrorType": "UnauthorizedException"},
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
        return property(lambda self: getattr(local, name, None), lambda self, value: setattr(local, name, value))

    app.__class__ = type(
        type(app).__name__,
        (type(app),),
        {"current_request": attr("current_request"), "lambda_context": attr("lambda_context"), "_thread_local_requests": True},
    )

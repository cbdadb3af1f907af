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

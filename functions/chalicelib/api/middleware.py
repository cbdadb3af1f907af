"""One chalice middleware for every route, workflow step and scheduled job: the invocation's
log lines carry its correlation ids (chalicelib/observability.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import CloudWatchEvent, LambdaFunctionEvent, Request

from ..observability import correlation_keys, id_like, lambda_keys, run_logged


def correlated_logs(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """For `app.register_middleware(..., "all")`."""
    if isinstance(event, LambdaFunctionEvent):
        keys = {**lambda_keys(event.context), **correlation_keys(event.event)}
    elif isinstance(event, Request):
        keys = {**lambda_keys(event.lambda_context), **correlation_keys(event.uri_params or {})}
        # The API request id: API Gateway's access log has it too.
        request_id = (event.context or {}).get("requestId")
        if id_like(request_id):
            keys["correlation_id"] = request_id
    elif isinstance(event, CloudWatchEvent):
        keys = {**lambda_keys(event.context), "correlation_id": event.event_id}
    else:
        keys = lambda_keys(getattr(event, "context", None))
    return run_logged(keys, lambda: get_response(event))

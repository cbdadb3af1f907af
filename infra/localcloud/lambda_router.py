"""Lambda, in-process: invoke our Chalice `@app.lambda_function` handlers with Lambda's semantics.

A handler that raises is reported the way Lambda reports it: `FunctionError: Unhandled`
and a payload `{"errorType": <exception class name>, "errorMessage": ...}`. Step Functions
reads `errorType` as the error name, so ASL `Retry`/`Catch` match our exception classes
exactly as they do on AWS.

With a pool (`use_pool`, lambda_pool.py), a function that has a handler string runs in a Lambda
container of its own process instead, with the same answers.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import calls

if TYPE_CHECKING:
    from .lambda_pool import LambdaPool

log = logging.getLogger("localcloud.lambda")

Handler = Callable[[Any, Any], Any]


def handler_for(handler_string: str) -> Handler:
    """`module.attribute`, as Lambda resolves a function's Handler (or an image's CMD)."""
    module, attribute = handler_string.rsplit(".", 1)
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]


class FunctionNotFound(Exception):
    pass


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers use."""

    function_name: str
    timeout_seconds: int = 60
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = (
            f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    function: str
    seconds: float
    error_type: str | None
    # Run in a container of the pool: its CPU there, and how much of it was inside boto3 calls.
    cpu_s: float | None = None
    cpu_in_aws_calls_s: float | None = None


class InProcessLambda:
    """A stand-in for a boto3 Lambda client whose `invoke` calls our handlers directly."""

    def __init__(
        self,
        handlers: dict[str, Handler],
        name_prefix: str = "",
        handler_strings: dict[str, str] | None = None,
    ) -> None:
        self._handlers = dict(handlers)
        # What Lambda would load for each function (module.attribute): what a container of the
        # pool loads, if there is one (use_pool). Functions without one run in this process.
        self._handler_strings = dict(handler_strings or {})
        self._pool: LambdaPool | None = None
        self._prefix = name_prefix
        self._lock = threading.Lock()
        self.invocations: list[Invocation] = []
        # Functions whose first response to the workflow engine is still to be lost (see
        # lose_first_responses); empty unless asked for.
        self._to_lose: set[str] | None = None

    @classmethod
    def from_chalice(cls, app: Any, name_prefix: str) -> InProcessLambda:
        # What Lambda runs is the handler string's module attribute, which carries chalice's
        # middleware; `pure_lambda_functions` keeps the bare function, without it.
        strings = {fn.name: fn.handler_string for fn in app.pure_lambda_functions}
        return cls({n: handler_for(h) for n, h in strings.items()}, name_prefix, strings)

    def register(self, name: str, handler: Handler, handler_string: str | None = None) -> None:
        self._handlers[name] = handler
        if handler_string is None:
            self._handler_strings.pop(name, None)
        else:
            self._handler_strings[name] = handler_string

    def use_pool(self, pool: LambdaPool | None) -> None:
        """Run every function that has a handler string in `pool`'s containers (lambda_pool.py)."""
        self._pool = pool

    @property
    def pool(self) -> LambdaPool | None:
        return self._pool

    def runs_in_pool(self, function_name: str) -> bool:
        name = self.resolve(function_name)[0]
        return self._pool is not None and name in self._handler_strings

    def lose_first_responses(self) -> None:
        """From now on, the first time the workflow engine invokes each function, the function
        runs and its response is lost: the engine sees `Lambda.ServiceException`, which every
        Task of our ASL retries, so the step runs a second time with the same input, as a
        Step Functions retry after a Lambda service error or a lost response would run it.
        tests/infra/tour.py uses it so that each step's retry branch (the read-back after a
        conditional write that already happened) is walked, and so granted.

        A step invoked for a task token is left alone: the workflow waits for its token, not
        its response, and a retry would hand the analysts a second token.
        """
        with self._lock:
            self._to_lose = set(self._handlers)

    def _lose(self, name: str, event: Any) -> bool:
        with self._lock:
            if self._to_lose is None or name not in self._to_lose:
                return False
            if isinstance(event, dict) and "taskToken" in event:
                return False
            self._to_lose.discard(name)
            return True

    def function_names(self) -> Iterable[str]:
        return self._handlers.keys()

    def resolve(self, function_name: str) -> tuple[str, Handler]:
        # Accept a bare name, a prefixed deployed name, or a full ARN (with optional qualifier).
        name = function_name
        if name.startswith("arn:"):
            parts = name.split(":")
            name = parts[6] if len(parts) > 6 else parts[-1]
        name = name.removeprefix(self._prefix)
        try:
            return name, self._handlers[name]
        except KeyError:
            raise FunctionNotFound(f"no Lambda function {function_name!r}") from None

    def call(self, function_name: str, event: Any) -> tuple[Any, str | None]:
        """Run the handler; return (payload, function_error) as Lambda would."""
        name, handler = self.resolve(function_name)
        pool, handler_string = self._pool, self._handler_strings.get(name)
        if pool is not None and handler_string is not None:
            return self._call_in(pool, name, handler_string, event)
        # In this process: the caller's thread is the container.
        started = time.perf_counter()
        error_type = None
        rec = calls.recorder()
        if rec is not None:
            rec.invocation(name)
        try:
            with calls.running(name):
                result = handler(event, LambdaContext(function_name=name))
            # Lambda serialises the result; do the same so nothing non-JSON leaks through.
            payload = json.loads(json.dumps(result))
        except Exception as exc:
            error_type = type(exc).__name__
            payload = {"errorType": error_type, "errorMessage": str(exc), "stackTrace": []}
            log.info("function %s failed with %s", name, error_type)
        with self._lock:
            self.invocations.append(Invocation(name, time.perf_counter() - started, error_type))
        return payload, ("Unhandled" if error_type else None)

    def _call_in(
        self, pool: LambdaPool, name: str, handler_string: str, event: Any
    ) -> tuple[Any, str | None]:
        started = time.perf_counter()
        outcome = pool.invoke(name, handler_string, event)
        if outcome.error_type:
            log.info("function %s failed with %s", name, outcome.error_type)
        invocation = Invocation(
            name,
            time.perf_counter() - started,
            outcome.error_type,
            outcome.cpu_s,
            outcome.cpu_in_aws_calls_s,
        )
        with self._lock:
            self.invocations.append(invocation)
        return outcome.payload, ("Unhandled" if outcome.error_type else None)

    # --- the boto3 Lambda client surface that moto's Step Functions engine uses ------------

    def invoke(self, FunctionName: str, Payload: Any = None, **_: Any) -> dict[str, Any]:
        if isinstance(Payload, (bytes, bytearray)):
            event = json.loads(Payload or b"{}")
        elif isinstance(Payload, str):
            event = json.loads(Payload or "{}")
        else:
            event = Payload if Payload is not None else {}
        payload, function_error = self.call(FunctionName, event)
        if function_error is None and self._lose(self.resolve(FunctionName)[0], event):
            payload = {
                "errorType": "Lambda.ServiceException",
                "errorMessage": "the function ran; its response was lost (lose_first_responses)",
                "stackTrace": [],
            }
            function_error = "Unhandled"
        response: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "Payload": io.BytesIO(json.dumps(payload).encode()),
        }
        if function_error:
            response["FunctionError"] = function_error
        return response

"""Which AWS calls each of our Lambda functions makes, recorded while it runs in the local cloud.

Every botocore call, and every pre-signed URL, passes `BaseClient._emit_api_params`; which
function is running is a context variable that the Lambda router, the API door and the
authorizer set around each invocation. Each call becomes the IAM grants it needs, an action
on a resource named as infra/permissions.yaml names it (`LendingTable`,
`DocumentsBucket/id-cards/*`, ...): the recorder resolves that file's ARN patterns to the
local cloud's names and finds the one each call's ARN falls under.

tests/infra/test_least_privilege.py runs every function this way and compares what was
called with what infra/permissions.yaml declares, which is what `lending package` grants.
Nothing but resource names is kept: never an item, a key's value or a secret.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_running: ContextVar[str | None] = ContextVar("lambda_function", default=None)


@contextlib.contextmanager
def running(function: str) -> Iterator[None]:
    """Attribute the AWS calls made inside to `function` (its chalice name, `verify_identity`)."""
    token = _running.set(function)
    try:
        yield
    finally:
        _running.reset(token)


def current_function() -> str | None:
    return _running.get()


@dataclass(frozen=True, order=True)
class Grant:
    function: str
    action: str
    resource: str  # a name from infra/permissions.yaml's `resources`, or an ARN none matched


class NoIamMapping(Exception):
    pass


@dataclass
class Recorder:
    """Turns calls into grants. `patterns`: resource name -> its ARN pattern, in local names."""

    patterns: dict[str, str]
    region: str
    account: str
    # A SecureString's parameter ARN -> the ARN of the key that decrypts it.
    parameter_keys: dict[str, str] = field(default_factory=dict)
    # State machines that hand out task tokens (their ASL has a .waitForTaskToken task).
    token_machines: list[str] = field(default_factory=list)
    # Table items only the local cloud has (the settable business clock: on AWS the business
    # date is the wall clock's), whose reads are the local cloud's, not the function's.
    local_only_keys: list[dict[str, str]] = field(default_factory=list)
    grants: Counter[Grant] = field(default_factory=Counter)
    invoked: Counter[str] = field(default_factory=Counter)
    unattributed: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what a call needs ----------------------------------------------------------------

    def name_of(self, arn: str) -> str:
        """The most specific resource name whose pattern the ARN falls under, else the ARN."""
        matches = [n for n, p in self.patterns.items() if fnmatch.fnmatchcase(arn, p)]
        return max(matches, key=lambda n: len(self.patterns[n])) if matches else arn

    def _table(self, name: str, index: str | None = None) -> str:
        arn = f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
        return f"{arn}/index/{index}" if index else arn

    def _bus(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return f"arn:aws:events:{self.region}:{self.account}:event-bus/{name_or_arn}"

    def needs(self, service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        """(IAM action, resource ARN) pairs one call needs."""
        if service == "dynamodb":
            if operation in {"TransactWriteItems", "TransactGetItems"}:
                # Authorised item by item, each by the action of its kind.
                kinds = {
                    "Put": "PutItem",
                    "Update": "UpdateItem",
                    "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem",
                    "Get": "GetItem",
                }
                return [
                    (f"dynamodb:{kinds[kind]}", self._table(op["TableName"]))
                    for item in params.get("TransactItems", [])
                    for kind, op in item.items()
                ]
            if operation in {"BatchGetItem", "BatchWriteItem"}:
                return [
                    (f"dynamodb:{operation}", self._table(t))
                    for t in params.get("RequestItems", {})
                ]
            return [
                (
                    f"dynamodb:{operation}",
                    self._table(params["TableName"], params.get("IndexName")),
                )
            ]
        if service == "s3":
            bucket = f"arn:aws:s3:::{params['Bucket']}"
            obj = f"{bucket}/{params['Key']}" if "Key" in params else None
            if operation == "HeadObject" and obj:
                # Without ListBucket a photo not yet uploaded is a 403, not the 404 the code
                # reads as "not uploaded yet".
                return [("s3:GetObject", obj), ("s3:ListBucket", bucket)]
            if operation in {"ListObjects", "ListObjectsV2"}:
                return [("s3:ListBucket", bucket)]
            if operation in {"PutObject", "GetObject", "DeleteObject"} and obj:
                return [(f"s3:{operation}", obj)]
        if service == "stepfunctions":
            if operation == "StartExecution":
                return [("states:StartExecution", params["stateMachineArn"])]
            if operation in {"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}:
                # The token names no machine; IAM checks the machine that issued it.
                return [(f"states:{operation}", self.patterns[m]) for m in self.token_machines]
        if service == "events" and operation == "PutEvents":
            buses = {e.get("EventBusName", "default") for e in params.get("Entries", [])}
            return [("events:PutEvents", self._bus(name)) for name in sorted(buses)]
        if service == "ssm" and operation == "GetParameter":
            name = params["Name"].split(":", 1)[0]  # `name:version` selects a version
            arn = f"arn:aws:ssm:{self.region}:{self.account}:parameter{name}"
            out = [("ssm:GetParameter", arn)]
            if params.get("WithDecryption"):
                out.append(("kms:Decrypt", self.parameter_keys.get(arn, "unknown-kms-key")))
            return out
        raise NoIamMapping(f"no IAM mapping for {service}:{operation}; add it to {__name__}")

    # --- recording -------------------------------------------------------------------------

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        function = current_function()
        if function is None or self._local_only(service, params):
            # The local cloud's own calls (the Step Functions engine, provisioning, tests).
            with self._lock:
                self.unattributed[f"{service}:{operation}"] += 1
            return
        try:
            needs = self.needs(service, operation, params)
        except (NoIamMapping, KeyError) as exc:
            needs = [(f"{service}:{operation}", f"unmapped ({exc})")]
        with self._lock:
            for action, arn in needs:
                self.grants[Grant(function, action, self.name_of(arn))] += 1

    def _local_only(self, service: str, params: dict[str, Any]) -> bool:
        if service != "dynamodb" or not isinstance(params.get("Key"), dict):
            return False
        # A resource's plain values ({"PK": "CLOCK"}) or the client's typed ones ({"S": ...}).
        key = {k: v.get("S") if isinstance(v, dict) else v for k, v in params["Key"].items()}
        return key in self.local_only_keys

    def found_nothing(self, service: str, operation: str, params: dict[str, Any]) -> None:
        """A read S3 answered with NoSuchKey: it could tell "not there" only because the
        function may list the bucket (without s3:ListBucket, S3 answers 403 for a missing key,
        which the code would not read as "not there")."""
        if service == "s3" and operation == "GetObject":
            self.record("s3", "ListObjectsV2", {"Bucket": params["Bucket"]})

    def invocation(self, function: str) -> None:
        with self._lock:
            self.invoked[function] += 1

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "grants": [
                    {"function": g.function, "action": g.action, "resource": g.resource, "calls": n}
                    for g, n in sorted(self.grants.items())
                ],
                "invoked": dict(sorted(self.invoked.items())),
            }

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.as_json(), indent=1))
        tmp.replace(path)


_recorder: Recorder | None = None
_patched = False


def install(recorder: Recorder) -> None:
    """Record every botocore call made while one of our functions runs, from now on."""
    global _recorder, _patched
    _recorder = recorder
    if _patched:
        return
    from botocore.client import BaseClient

    original = BaseClient._emit_api_params

    def emit_api_params(self: Any, api_params: Any, operation_model: Any, context: Any) -> Any:
        rec = _recorder
        if rec is not None and current_function() is not None and not _posting.get():
            rec.record(self.meta.service_model.service_name, operation_model.name, api_params)
        return original(self, api_params, operation_model, context)

    BaseClient._emit_api_params = emit_api_params  # type: ignore[method-assign]
    _record_missing_objects()
    _record_presigned_posts()
    _patched = True


def _record_missing_objects() -> None:
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    original = BaseClient._make_api_call

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        try:
            return original(self, operation_name, api_params)
        except ClientError as exc:
            rec = _recorder
            code = exc.response.get("Error", {}).get("Code")
            if rec is not None and current_function() is not None and code == "NoSuchKey":
                service = self.meta.service_model.service_name
                rec.found_nothing(service, operation_name, api_params)
            raise

    BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]


# Set while a pre-signed POST is built: botocore names it CreateBucket, without the key.
_posting: ContextVar[bool] = ContextVar("presigned_post", default=False)


def _record_presigned_posts() -> None:
    """A pre-signed POST lets the phone do a PutObject with the function's credentials, so it
    needs s3:PutObject on the key. botocore builds it from a CreateBucket model with only the
    bucket (`generate_presigned_post`), so the call is recorded here, as what it signs."""
    from botocore import signers

    original = signers.generate_presigned_post

    def generate_presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kw: Any) -> Any:
        rec = _recorder
        if rec is not None and current_function() is not None:
            rec.record("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
        token = _posting.set(True)
        try:
            return original(self, Bucket, Key, *args, **kw)
        finally:
            _posting.reset(token)

    # Clients made from now on take it (botocore adds it to each new S3 client class).
    signers.generate_presigned_post = generate_presigned_post


def recorder() -> Recorder | None:
    return _recorder


def attribute_api_requests() -> None:
    """chalice local runs the API handler and the authorizer as two functions, as AWS does."""
    from chalice import local

    if getattr(local.LocalGateway.handle_request, "_attributed", False):
        return
    handle = local.LocalGateway.handle_request
    authorize = local.LocalGatewayAuthorizer.authorize

    def handle_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _recorder is not None:
            _recorder.invocation(API_HANDLER)
        with running(API_HANDLER):
            return handle(self, *args, **kwargs)

    def authorize_request(self: Any, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        route = self._route_for_event(lambda_event)
        if route is None or route.authorizer is None:
            return authorize(self, raw_path, lambda_event, lambda_context)
        name = route.authorizer.name
        if _recorder is not None:
            _recorder.invocation(name)
        with running(name):
            return authorize(self, raw_path, lambda_event, lambda_context)

    handle_request._attributed = True  # type: ignore[attr-defined]
    local.LocalGateway.handle_request = handle_request  # type: ignore[method-assign]
    local.LocalGatewayAuthorizer.authorize = authorize_request  # type: ignore[method-assign]


# chalice's name for the function behind every route (logical id APIHandler).
API_HANDLER = "api_handler"

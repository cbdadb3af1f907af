"""Faults injected into a running local cloud, at every adapter, the way AWS and a bank fail.

Three layers fail, each through the same surface the product meets on AWS:

- DynamoDB, at the botocore layer of the one table client the API and the functions share
  (`wiring.container().clients.table`): a `before-call` handler answers instead of the table
  with the error DynamoDB sends (the parsed shape botocore raises as the modeled exception),
  so nothing is written: a `TransactionCanceledException` whose reasons say
  `TransactionConflict` (or `ThrottlingError`), a `TransactionConflictException` for a single
  write on an item in a transaction, `ProvisionedThroughputExceededException` and
  `ThrottlingException` on any request. Injected above botocore's retry loop, they are what an
  adapter sees once the SDK's own retries gave up. A fraction of writes go through and then
  lose their answer (an `after-call` handler raises `InternalServerError`): the write happened,
  the caller got an error: an unknown outcome.
- Lambda, as the Step Functions engine invokes our functions: `ServiceException` and
  `TooManyRequestsException` from the Lambda service before the function runs (the errors the
  ASL's Retry names, as `Lambda.ServiceException` and `Lambda.TooManyRequestsException`), the
  same after the function ran and its answer was lost, and a function that dies mid-way, after
  its first table writes (`Runtime.ExitError`, as Lambda reports a runtime that exited).
- The bank: the sandbox rail's own faults (decline, 5xx, timeouts before and after the money
  moved, latency), seeded from the same plan; its book is the bank's, so it is kept on a
  table client of its own that DynamoDB faults do not touch.

`python -m localcloud --faults PLAN.json` installs a plan (`RemoteCloud.spawn(faults=...)`);
what was injected is counted by kind and written to the plan's `log` file every second and at
shutdown. Only the local cloud ever runs this.
"""

from __future__ import annotations

import io
import json
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .lambda_router import InProcessLambda

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


@dataclass(frozen=True)
class FaultPlan:
    """Probabilities per request or invocation; a seed for every draw."""

    seed: int = 0
    # DynamoDB, per request of the shared table client
    ddb_conflict: float = 0.0  # writes: a concurrent transaction holds the item
    ddb_throttle: float = 0.0  # any request: throttled (the SDK's retries exhausted)
    ddb_lost_answer: float = 0.0  # writes: applied, then the answer lost (500)
    # Lambda, per invocation by the Step Functions engine
    lambda_service: float = 0.0  # Lambda.ServiceException before the function runs
    lambda_throttle: float = 0.0  # Lambda.TooManyRequestsException before it runs
    lambda_lost_answer: float = 0.0  # the function ran; Lambda.ServiceException to the caller
    lambda_crash: float = 0.0  # the function dies after its first write(s): Runtime.ExitError
    # the bank (sandbox rail), per transfer
    rail_decline: float = 0.0
    rail_5xx: float = 0.0
    rail_timeout_before: float = 0.0
    rail_timeout_after: float = 0.0
    rail_latency_ms: int = 0
    log: str = ""  # where the counts of what was injected are written

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> FaultPlan:
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**raw)


class FaultLog:
    """What was injected, by kind ("dynamodb.throttle") and by kind and target."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.kinds: Counter[str] = Counter()
        self.targets: Counter[str] = Counter()

    def add(self, kind: str, target: str) -> None:
        with self._lock:
            self.kinds[kind] += 1
            self.targets[f"{kind} {target}"] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {"kinds": dict(self.kinds), "targets": dict(self.targets)}


class FunctionCrashed(BaseException):
    """The function's runtime died (not an exception our code could catch: a BaseException, so
    no `except Exception` in a step runs, as none would in a killed process)."""


_invocation = threading.local()  # per engine thread: writes left before the function dies


class _Draws:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self) -> float:
        with self._lock:
            return self._rng.random()

    def choice(self, options: list[Any]) -> Any:
        with self._lock:
            return self._rng.choice(options)


def _http(status: int) -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://dynamodb.local.invalid/", status, {}, None)


def _error(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0},
        **extra,
    }


def _cancelled(n_items: int, reason: str, draws: _Draws) -> dict[str, Any]:
    """A TransactionCanceledException as DynamoDB words it: one reason per item, in order."""
    hit = draws.choice(list(range(n_items))) if n_items else 0
    messages = {
        "TransactionConflict": "Transaction is ongoing for the item",
        "ThrottlingError": "Throughput exceeds the current capacity for one or more global "
        "secondary indexes. DynamoDB is automatically scaling your index so please try again "
        "shortly.",
    }
    reasons = [
        {"Code": reason, "Message": messages[reason]} if i == hit else {"Code": "None"}
        for i in range(max(n_items, 1))
    ]
    words = ", ".join(r["Code"] for r in reasons)
    return _error(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{words}]",
        400,
        CancellationReasons=reasons,
    )


def _items(request: dict[str, Any]) -> int:
    """How many items a TransactWriteItems request carries (its body is the JSON sent)."""
    body = request.get("body") or b"{}"
    return len(json.loads(body).get("TransactItems", []))


class DynamoFaults:
    """botocore handlers on one DynamoDB client: errors instead of the table, or after it."""

    def __init__(self, plan: FaultPlan, log: FaultLog, seed: int) -> None:
        self.plan = plan
        self.log = log
        self.draws = _Draws(seed)
        self.enabled = True

    def install(self, client: Any) -> None:
        self._client = client
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: Any, context: dict[str, Any], **_: Any) -> Any:
        op = model.name
        if not self.enabled or (op not in WRITES and op not in READS):
            return None
        p = self.plan
        roll = self.draws.roll()
        if op in WRITES and roll < p.ddb_conflict:
            self.log.add("dynamodb.conflict", op)
            if op == "TransactWriteItems":
                return _http(400), _cancelled(_items(params), "TransactionConflict", self.draws)
            return _http(400), _error(
                "TransactionConflictException",
                "Operation was rejected because there is an ongoing transaction for the item.",
                400,
            )
        roll -= p.ddb_conflict
        if roll < p.ddb_throttle:
            self.log.add("dynamodb.throttle", op)
            if op == "TransactWriteItems" and self.draws.roll() < 0.5:
                return _http(400), _cancelled(_items(params), "ThrottlingError", self.draws)
            if self.draws.roll() < 0.5:
                return _http(400), _error(
                    "ThrottlingException", "Rate of requests exceeds the allowed throughput.", 400
                )
            return _http(400), _error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. "
                "Consider increasing your provisioning level with the UpdateTable API.",
                400,
            )
        roll -= p.ddb_throttle
        if op in WRITES and roll < p.ddb_lost_answer:
            # The write goes to the table; its answer is replaced by DynamoDB's 500, which the
            # client's after-call handlers see as they would on AWS.
            http, parsed = self._client._endpoint.make_request(model, params)
            if http.status_code >= 300:
                return http, parsed  # refused on its own (a condition): that answer stands
            self.log.add("dynamodb.lost_answer", op)
            return _http(500), _error("InternalServerError", "Internal server error", 500)
        return None

    def _after(self, http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code >= 300 or model.name not in WRITES:
            return
        left = getattr(_invocation, "writes_left", None)
        if left is not None:
            _invocation.writes_left = left - 1
            if left - 1 <= 0:
                raise FunctionCrashed(f"the runtime died after a {model.name}")


def _lambda_error(code: str, message: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(_error(code, message, status), "Invoke")


class FaultyLambda:
    """The in-process Lambda router, failing as the Lambda service and its runtimes do."""

    def __init__(self, inner: InProcessLambda, plan: FaultPlan, log: FaultLog, seed: int) -> None:
        self.inner = inner
        self.plan = plan
        self.log = log
        self.draws = _Draws(seed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def call(self, function_name: str, event: Any) -> tuple[Any, str | None]:
        # S3 invokes asynchronously, and Lambda retries a failed asynchronous event twice.
        for _ in range(3):
            payload, error = self.inner.call(function_name, event)
            if error is None:
                break
        return payload, error

    def invoke(self, FunctionName: str, Payload: Any = None, **kw: Any) -> dict[str, Any]:
        p = self.plan
        name = FunctionName.rsplit(":", 1)[-1]
        roll = self.draws.roll()
        if roll < p.lambda_service:
            self.log.add("lambda.service_exception", name)
            raise _lambda_error("ServiceException", "Lambda encountered an internal error.", 500)
        roll -= p.lambda_service
        if roll < p.lambda_throttle:
            self.log.add("lambda.too_many_requests", name)
            raise _lambda_error("TooManyRequestsException", "Rate Exceeded.", 429)
        roll -= p.lambda_throttle
        if roll < p.lambda_crash:
            self.log.add("lambda.crash", name)
            return self._crashing(FunctionName, Payload, self.draws.choice([1, 1, 2]), **kw)
        roll -= p.lambda_crash
        response = self.inner.invoke(FunctionName=FunctionName, Payload=Payload, **kw)
        if roll < p.lambda_lost_answer:
            self.log.add("lambda.lost_answer", name)
            raise _lambda_error("ServiceException", "Lambda encountered an internal error.", 500)
        return response

    def _crashing(self, function: str, payload: Any, writes: int, **kw: Any) -> dict[str, Any]:
        """Run the function until its `writes`-th table write has landed, then kill it; one
        that writes less dies just before answering."""
        _invocation.writes_left = writes
        try:
            self.inner.invoke(FunctionName=function, Payload=payload, **kw)
        except FunctionCrashed:
            pass
        finally:
            _invocation.writes_left = None
        died = {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: chaos Error: Runtime exited with error: signal: killed",
        }
        return {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "ExecutedVersion": "$LATEST",
            "Payload": io.BytesIO(json.dumps(died).encode()),
        }


@dataclass
class Installed:
    plan: FaultPlan
    log: FaultLog
    dynamodb: DynamoFaults
    lambdas: FaultyLambda
    _stop: threading.Event

    rail: Any = None

    def snapshot(self) -> dict[str, dict[str, int]]:
        out = self.log.snapshot()
        if self.rail is not None:
            with self.rail._rng_lock:
                out["kinds"] |= {f"rail.{k}": n for k, n in self.rail.injected.items()}
        return out

    def write_log(self) -> None:
        if self.plan.log:
            path = Path(self.plan.log)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.snapshot()))
            tmp.replace(path)

    def stop(self) -> None:
        self._stop.set()
        self.write_log()


def install(router: InProcessLambda, plan: FaultPlan) -> Installed:
    """Fail the running local cloud's table client, Lambda router and bank as `plan` says."""
    import boto3

    from chalicelib import wiring
    from chalicelib.rail.dynamo import DynamoRailBook
    from chalicelib.rail.sandbox import Faults, SandboxRail

    from . import engine

    log = FaultLog()
    container = wiring.container()
    dynamodb = DynamoFaults(plan, log, plan.seed)
    dynamodb.install(container.clients.table.meta.client)
    # The bank's book is the bank's: a client of its own, which DynamoDB faults never touch.
    bank_table = boto3.session.Session().resource("dynamodb").Table(container.settings.table_name)
    opening = container.settings.opening_balance_fen()
    container.rail = SandboxRail(
        DynamoRailBook(bank_table),
        Faults(
            decline=plan.rail_decline,
            error_5xx=plan.rail_5xx,
            timeout_before=plan.rail_timeout_before,
            timeout_after=plan.rail_timeout_after,
            latency_s=(plan.rail_latency_ms / 2000, plan.rail_latency_ms / 1000),
            seed=plan.seed + 1,
        ),
        opening_fen=opening or 0,
    )
    lambdas = FaultyLambda(router, plan, log, plan.seed + 2)
    engine.install(lambdas)  # type: ignore[arg-type]
    stop = threading.Event()
    installed = Installed(plan, log, dynamodb, lambdas, stop, container.rail)

    def flush() -> None:
        while not stop.wait(1.0):
            installed.write_log()

    threading.Thread(target=flush, name="fault-log", daemon=True).start()
    return installed

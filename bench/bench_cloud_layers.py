"""Where one decision's CPU goes inside the local cloud, layer by layer.

bench_origination.py gives the totals; this shows what they are made of, measured rather
than sampled: each layer's entry point is wrapped and its thread CPU (time.thread_time)
summed, so the figures are exact for the work done on that layer's own thread.

    .venv/bin/python bench/bench_cloud_layers.py [--applications 80] [--concurrency 4]

The local cloud runs in this process (the wrappers must be in its interpreter); the
client's own CPU (its HTTP calls) is measured the same way and taken off the process total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "infra"), str(ROOT / "bench")]

from bench_origination import make_applicants, run_ours, upload_all  # noqa: E402

from localcloud.cloud import LocalCloud  # noqa: E402

_spent: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_lock = threading.Lock()
_inside = threading.local()
# DynamoDB requests by (who made it, operation): who = the Lambda function running on this
# thread, or "api" for the API's own requests (the long-poll's status reads among them)
_requests: dict[tuple[str, str, str], int] = defaultdict(int)
_phase = {"name": "decision"}


def measure(
    owner: Any, attr: str, layer: str, only: Callable[..., bool] = lambda *a, **k: True
) -> None:
    """Wrap owner.attr so its thread CPU is added to `layer` (outermost call only)."""
    original = getattr(owner, attr)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_inside, layer, 0)
        if depth or not only(*args, **kwargs):
            return original(*args, **kwargs)
        setattr(_inside, layer, 1)
        t0 = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent = time.thread_time() - t0
            setattr(_inside, layer, 0)
            with _lock:
                _spent[layer] += spent
                _calls[layer] += 1

    setattr(owner, attr, wrapper)


CLIENT = "this bench's own HTTP calls (taken off)"
LAYERS = [  # (name, indent): printed in this order
    ("our Lambda functions, with all they call", 0),
    ("DynamoDB requests, from any caller", 0),
    ("botocore client to moto's stub and back", 1),
    ("moto's stub: request to response", 1),
    ("moto's DynamoDB handler and backend", 2),
    ("TransactWriteItems in moto's backend", 3),
]


def instrument() -> None:
    from botocore.client import BaseClient
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    from localcloud.lambda_router import InProcessLambda

    measure(requests.Session, "request", CLIENT)
    measure(InProcessLambda, "call", LAYERS[0][0])
    call = InProcessLambda.call

    def named_call(self: Any, function_name: str, event: Any) -> Any:
        _inside.function = self.resolve(function_name)[0]
        try:
            return call(self, function_name, event)
        finally:
            _inside.function = None

    InProcessLambda.call = named_call  # type: ignore[method-assign]
    make_api_call = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            who = getattr(_inside, "function", None) or "api"
            if stand_in(params):
                who += STAND_IN_MARK
            with _lock:
                _requests[(_phase["name"], who, operation)] += 1
        return make_api_call(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    measure(
        BaseClient,
        "_make_api_call",
        LAYERS[1][0],
        only=lambda client, *a, **k: client.meta.service_model.service_name == "dynamodb",
    )
    # botocore emits hooks with keyword arguments only
    measure(
        BotocoreStubber,
        "__call__",
        LAYERS[3][0],
        only=lambda stub, **k: "dynamodb" in k["request"].url,
    )
    measure(DynamoHandler, "call_action", LAYERS[4][0])
    measure(DynamoDBBackend, "transact_write_items", LAYERS[5][0])


def run_draws(client: Any, cloud: LocalCloud, applicants: list[Any], most: int) -> int:
    """Accept each approved offer, then draw once and wait for the disbursement workflow to
    end, watching the execution (Step Functions), not the loan, so every DynamoDB request of
    the draw phase is the API's POST or a workflow step's."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = cloud.physical["DisbursementStateMachine"]
    done = 0
    for a in applicants:
        if done == most:
            break
        app_id = client.call("GET", "/v1/applications", a.user_id).json()["applications"][0]
        if app_id["status"] != "APPROVED":
            continue
        done += 1
        _phase["name"] = "accept"
        ok = client.call("POST", f"/v1/applications/{app_id['applicationId']}/accept", a.user_id)
        if ok.status_code != 201:
            raise RuntimeError(f"accept -> {ok.status_code}: {ok.text}")
        _phase["name"] = "draw"
        r = requests.post(
            f"{cloud.api_url}/v1/loans",
            json={"amount": "100.00", "termMonths": 6, "method": "equal-installment"},
            headers={
                "Authorization": f"Bearer {cloud.token(a.user_id)}",
                "Idempotency-Key": f"bench-{a.user_id}",
            },
            timeout=60,
        )
        if r.status_code != 202:
            raise RuntimeError(f"POST /v1/loans -> {r.status_code}: {r.text}")
        loan_id = r.json()["loanId"]
        execution = f"{arn.replace(':stateMachine:', ':execution:')}:{loan_id}"
        while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
            time.sleep(0.01)
        _phase["name"] = "idle"
    return done


# Items that exist only on the local cloud: the settable business clock (the wall clock on AWS)
# and the sandbox bank's own book and card balances (a payment rail's, on AWS).
STAND_IN_PARTITIONS = ("CLOCK", "RAIL#", "BANK#")
STAND_IN_MARK = " (local stand-in)"


def _partitions(params: Any) -> list[str]:
    """The PK of every item a DynamoDB request names, typed or not."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "PK":
                    found.append(str(inner.get("S") if isinstance(inner, dict) else inner))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk({k: v for k, v in params.items() if k in ("Key", "Item", "TransactItems", "RequestItems")})
    return found


def stand_in(params: Any) -> bool:
    pks = _partitions(params)
    return bool(pks) and all(pk.startswith(STAND_IN_PARTITIONS) for pk in pks)


def print_requests(phase: str, per: int) -> None:
    rows = {(who, op): n for (ph, who, op), n in _requests.items() if ph == phase}
    total = sum(rows.values())
    local = sum(n for (who, _), n in rows.items() if who.endswith(STAND_IN_MARK))
    per = max(per, 1)
    print(
        f"\nDynamoDB requests per {phase}: {(total - local) / per:.1f} as on AWS "
        f"(+{local / per:.1f} to the local cloud's stand-ins: business clock, sandbox bank; "
        f"{per} {phase}s)"
    )
    for (who, op), n in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {who:40}{op:22}{n / per:>6.2f}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--applications", type=int, default=80)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--draws", type=int, default=10, help="approved applicants who then draw")
    args = p.parse_args()

    cloud = LocalCloud.start()
    cloud.serve_api(port=0)

    class Client:  # what bench_origination's helpers need from a cloud
        api_url = cloud.api_url
        token = staticmethod(cloud.token)

        @staticmethod
        def call(method: str, path: str, user: str, body: Any = None) -> requests.Response:
            return requests.request(
                method,
                f"{cloud.api_url}{path}",
                json=body,
                timeout=60,
                headers={"Authorization": f"Bearer {cloud.token(user)}"},
            )

    try:
        warm = 8
        applicants = make_applicants(args.applications + warm, dt.date.today())
        docs = upload_all(Client, applicants)
        run_ours(Client, applicants[:warm], docs, args.concurrency)
        time.sleep(1)  # let the warm-up's last steps finish
        instrument()
        c0 = time.process_time()
        lat, wall, statuses, _ = run_ours(Client, applicants[warm:], docs, args.concurrency)
        time.sleep(0.5)  # Record steps may still be running after the last status is visible
        process = time.process_time() - c0
        draws = run_draws(Client, cloud, applicants[warm:], args.draws)
    finally:
        cloud.stop()

    n = len(lat)
    cloud_cpu = process - _spent[CLIENT]
    _spent[LAYERS[2][0]] = _spent[LAYERS[1][0]] - _spent[LAYERS[3][0]]
    _calls[LAYERS[2][0]] = _calls[LAYERS[1][0]]
    rest = "the API and the Step Functions engine (the rest)"
    _spent[rest] = cloud_cpu - _spent[LAYERS[0][0]]
    print(
        f"{n} applications, {args.concurrency} concurrent: {n / wall:.1f} per s, "
        f"outcomes { ({s: statuses.count(s) for s in sorted(set(statuses))}) }"
    )
    print(f"{'ms of CPU per decision':58}{'ms':>8}{'share':>8}{'calls':>8}")
    print(f"{'the local cloud, all threads':58}{cloud_cpu / n * 1000:>8.1f}{'100%':>8}")
    for name, indent in [LAYERS[0], (rest, 0), *LAYERS[1:]]:
        calls = f"{_calls[name] / n:.1f}" if _calls[name] else ""
        print(
            f"{'  ' * indent + name:58}{_spent[name] / n * 1000:>8.1f}"
            f"{_spent[name] / cloud_cpu:>8.0%}{calls:>8}"
        )
    print_requests("decision", n)
    print_requests("draw", draws)
    return 0


if __name__ == "__main__":
    sys.exit(main())

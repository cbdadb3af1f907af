"""One close of business at scale on the local cloud, side by side with its floor.

A portfolio of N open loans is seeded straight into the local cloud's table, as it stands the
evening of business day D after closing every night before it (a realistic mix: terms 3-36
months, both methods, ¥500-¥50,000, APR 7.2%-24%, due days spread over the month, a few percent
overdue by one to three installments, every earlier installment paid on its due date). Then the
real close-of-business execution of D runs on the engine (the ASL, the Distributed Map, our
functions), and the morning's auto-debits it starts run to their end on the repayment workflow.
In the same process and run, the floor (bench_cob_floor: the same ASL with no-op functions over
N ids) runs too, so the ratio is between figures taken on the same machine at the same time.

Two kinds of day, each in a fresh process:
- quiet: D is the 28th of a 31-day month and due days are the 3rd-27th: no installment is due
  on D or D+1 and no reminder falls due (what the "4 DynamoDB requests per loan on a day with
  nothing due" target is about); overdue loans still meet their retry days;
- typical: D is the 14th, due days the 1st-28th: about 1 loan in 28 is billed, debited,
  reminded;
- month_end: D is the 31st: every loan's deferred days are posted (money/nightly.py), a write
  per loan; once a month.

Counted in this process: every DynamoDB request (botocore's _make_api_call, by the function
running on the thread and by operation), the request units it would consume on AWS (from the
items' sizes, DynamoDB's rounding), thread CPU of our functions with and without the time inside
AWS calls (moto's, here), the process's CPU. The cost of one COB per 100,000 loans at AWS list
prices follows from those counts (PRICES, with its date; the assumptions are in `aws_cost`).

`--lambda-processes N` runs the functions in N Lambda containers of their own
(localcloud/lambda_pool.py); several values run side by side, each in a fresh process. Then a
container's requests are counted as the local cloud answers them (the bytes on the wire, priced
after the night), its CPU as it reports it at the end of each invocation, and the night's CPU is
the local cloud's and the containers' together.

    .venv/bin/python bench/bench_cob.py [--loans 10000 100000] [--days quiet typical]
                                        [--lambda-processes 0 4]

Results: bench/results/cob-{date}.json and .txt (or --name STEM).
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "infra"), str(ROOT / "bench")]

RESULTS = ROOT / "bench" / "results"
CREATED_AT = "2026-01-01T00:00:00Z"

# --- AWS list prices (us-east-1, on-demand), as published on 2026-11-30 ------------------------
PRICES_DATE = "2026-11-30"
PRICES = {
    "sfn_standard_per_transition": 0.025 / 1000,
    "sfn_express_per_request": 1.00 / 1_000_000,
    "sfn_express_per_gb_second": 0.00001667,  # billed in 64 MB steps, 100 ms
    "lambda_per_request": 0.20 / 1_000_000,
    "lambda_per_gb_second": 0.0000166667,  # x86
    "dynamodb_per_wru": 0.625 / 1_000_000,  # on-demand since 2024-11-01
    "dynamodb_per_rru": 0.125 / 1_000_000,
    "s3_per_put": 0.005 / 1000,
    "s3_per_get": 0.0004 / 1000,
    "eventbridge_per_event": 1.00 / 1_000_000,
}
# Latencies a Lambda in the region waits on per call (assumed, typical p50s), for its duration
LATENCY_S = {
    "BatchGetItem": 0.012,
    "GetItem": 0.005,
    "Query": 0.008,
    "PutItem": 0.006,
    "UpdateItem": 0.006,
    "DeleteItem": 0.006,
    "TransactWriteItems": 0.012,
}
OTHER_CALL_LATENCY_S = 0.02  # StartExecution, S3, PutEvents
LAMBDA_GB = 1.0  # the COB functions' memory (about 0.58 vCPU at 1 GB)
LAMBDA_VCPU = 1024 / 1769

COB_FUNCTIONS = (
    "write_work_list",
    "close_loans",
    "close_lines",
    "write_day_summary",
    "start_reports",
)
DEBIT_FUNCTIONS = (
    "quote_repayment",
    "collect_repayment",
    "post_repayment",
    "restore_line",
    "record_repayment_failure",
    "notify_repayment",
)
DAYS = {
    "quiet": (dt.date(2026, 3, 28), (3, 27)),
    "typical": (dt.date(2026, 3, 14), (1, 28)),
    "month_end": (dt.date(2026, 3, 31), (1, 28)),
}


# --- the portfolio -------------------------------------------------------------------------


def _months_back(day: dt.date, months: int) -> dt.date:
    from chalicelib.money.schedule import add_months

    return add_months(day, -months)


def portfolio(n: int, day: dt.date, due_days: tuple[int, int], seed: int = 7) -> Iterator[Any]:
    """n LoanRecords as they stand the evening of `day` after closing every night before it
    (money/nightly.py: each was last posted on its last due date or month end before `day`)."""
    from chalicelib.loans.port import ACTIVE, LoanRecord
    from chalicelib.money.accrual import Book, expected_receivables
    from chalicelib.money.delinquency import standing
    from chalicelib.money.schedule import (
        ACTUAL_360,
        EQUAL_INSTALLMENT,
        EQUAL_PRINCIPAL,
        build_schedule,
    )
    from chalicelib.money.servicing import Payment, positions

    rng = random.Random(seed)
    rates = [Decimal(x) for x in ("0.072", "0.108", "0.144", "0.18", "0.216", "0.24")]
    for i in range(n):
        term = rng.choices([3, 6, 12, 24, 36], weights=[20, 30, 30, 12, 8])[0]
        method = EQUAL_INSTALLMENT if rng.random() < 0.7 else EQUAL_PRINCIPAL
        amount = round(math.exp(rng.uniform(math.log(500), math.log(50_000)))) * 100
        due_day = rng.randint(*due_days)
        anchor = day.replace(day=due_day)
        if anchor > day:
            anchor = _months_back(anchor, 1)
        k = rng.randint(0, term - 1)  # installments fallen due by `day` (its morning's debit ran)
        start = _months_back(anchor, k)
        s = build_schedule(amount, rng.choice(rates), term, start, method, ACTUAL_360)
        loan_id = f"loan_{i:026d}"
        user_id = f"bench-{i // 4 * 3 + i % 4 % 3:07d}"  # a few borrowers hold two loans
        missed = min(k, rng.randint(1, 3)) if k and rng.random() < 0.04 else 0
        paid = [
            Payment(
                f"auto-{loan_id}-{d:%Y%m%d}-0",
                d,
                p + s.interest[j],
                0,
                s.interest[j],
                p,
            )
            for j, (d, p) in enumerate(zip(s.due_dates[: k - missed], s.principal, strict=False))
        ]
        rec = LoanRecord.from_schedule(loan_id, user_id, s, f"card-{user_id}", CREATED_AT)
        loan = replace(rec.servicing(), payments=tuple(paid))
        # the nights posted: due dates and month ends before `day`; a debit collected on `day`
        # closed the days before it first (post_collection)
        forced = [d for d in s.due_dates if d < day]
        forced += [p.on - dt.timedelta(days=1) for p in paid if p.on == day]
        month_end = day.replace(day=1) - dt.timedelta(days=1)
        last_closed = max(forced + ([month_end] if month_end >= start else []), default=None)
        status = ACTIVE
        if last_closed is not None:
            (pos,) = positions(loan, [last_closed + dt.timedelta(days=1)])
            status = standing(ACTIVE, pos).status
        ri, rp = expected_receivables(loan, last_closed, False)
        paid_i = sum(p.interest_fen for p in paid)
        book = Book(
            interest_accrued_fen=ri + paid_i,
            interest_settled_fen=paid_i,
            penalty_accrued_fen=rp,
        )
        yield (
            replace(
                rec,
                status=status,
                outstanding_principal_fen=amount - sum(p.principal_fen for p in paid),
                payments=tuple(paid),
                book=book,
                last_closed=last_closed,
                version=2 + len(paid),
            ),
            missed,
        )


def seed(table: Any, n: int, day: dt.date, due_days: tuple[int, int]) -> dict[str, Any]:
    """Write the portfolio (loans and their open-loan markers, a credit line per borrower with
    its markers: frozen while a loan is overdue, its next review date) and the cards of the
    overdue borrowers, most of them empty; every other card opens with the cloud's opening
    balance."""
    from chalicelib.loans.records import loan_item, open_loan_marker_item

    t0 = time.perf_counter()
    sizes: list[int] = []
    overdue = empty = 0
    emptied: set[str] = set()
    borrowers: dict[str, list[Any]] = {}
    with table.batch_writer() as w:
        for rec, missed in portfolio(n, day, due_days):
            item = loan_item(rec)
            sizes.append(item_size(item))
            w.put_item(Item=item)
            w.put_item(Item=open_loan_marker_item(rec.loan_id))
            borrowers.setdefault(rec.user_id, []).append(rec)
            if missed:  # they are overdue because their card is empty: retries find nothing
                overdue += 1
                if rec.account_ref in emptied:
                    continue
                emptied.add(rec.account_ref)
                empty += 1
                w.put_item(
                    Item={
                        "PK": f"BANK#{rec.account_ref}",
                        "SK": "ACCOUNT",
                        "type": "BANK_ACCOUNT",
                        "balanceFen": 0,
                    }
                )
        lines = frozen = 0
        for item in line_items(borrowers, day):
            w.put_item(Item=item)
            lines += item["type"] == "LINE"
            frozen += item["type"] == "FROZEN_LINE"
    return {
        "lines": lines,
        "frozen_lines": frozen,
        "seconds": round(time.perf_counter() - t0, 1),
        "loan_item_bytes_avg": round(sum(sizes) / len(sizes)),
        "overdue": overdue,
        "empty_cards": empty,
    }


def line_items(borrowers: dict[str, list[Any]], day: dt.date) -> Iterator[dict[str, Any]]:
    """Each borrower's credit line as its store writes it (lines/records.py): opened with the
    first loan, the limit twice what is drawn within the product's range, FROZEN with its
    marker when a loan is overdue, and the marker of its next review date (after `day`, so the
    lines whose review is the next morning are the night's reviews, about one in thirty)."""
    from chalicelib.lines.freeze import LINE_ACTIVE, LINE_FROZEN
    from chalicelib.lines.port import CreditLine
    from chalicelib.lines.records import (
        frozen_marker_key,
        line_item,
        review_marker_key,
    )
    from chalicelib.lines.review import next_review_date
    from chalicelib.loans.port import OVERDUE

    for user_id, loans in borrowers.items():
        opened = min(r.start for r in loans)
        drawn = sum(r.outstanding_principal_fen for r in loans)
        limit = min(20_000_000, max(5_000_000, drawn * 2 // 100 * 100))
        late = [r.loan_id for r in loans if r.status == OVERDUE]
        line = CreditLine(
            user_id,
            limit,
            limit - drawn,
            drawn,
            loans[0].apr,
            "C",
            LINE_FROZEN if late else LINE_ACTIVE,
            1,
            f"app-{user_id}",
            opened_on=opened,
            next_review_on=next_review_date(opened, day),
            status_reason=f"Loan {late[0]} is overdue." if late else "",
        )
        yield line_item(line, CREATED_AT)
        assert line.next_review_on is not None
        yield {**review_marker_key(user_id, line.next_review_on), "type": "LINE_REVIEW"}
        if late:
            yield {**frozen_marker_key(user_id), "type": "FROZEN_LINE"}


# --- counting what the night costs ---------------------------------------------------------


def item_size(value: Any, top: bool = True) -> int:
    """DynamoDB's item size, nearly: attribute names and values (numbers ~1 byte per 2 digits)."""
    if isinstance(value, dict):
        inner = sum(len(str(k)) + item_size(v, False) for k, v in value.items())
        return inner if top else inner + 3
    if isinstance(value, (list, tuple, set)):
        return 3 + sum(item_size(v, False) + 1 for v in value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return 1 + (len(str(value)) + 1) // 2
    return len(str(value).encode())


class Meter:
    """DynamoDB requests and request units, and CPU, by the function running on the thread."""

    def __init__(self, loan_bytes: int) -> None:
        self.loan_bytes = loan_bytes
        self.on = False
        self.lock = threading.Lock()
        self.requests: dict[tuple[str, str], int] = defaultdict(int)
        self.rru: dict[str, float] = defaultdict(float)
        self.wru: dict[str, float] = defaultdict(float)
        self.other_calls: dict[tuple[str, str], int] = defaultdict(int)
        self.cpu: dict[str, float] = defaultdict(float)  # our functions, all of it
        self.cpu_in_aws: dict[str, float] = defaultdict(float)  # ... of which inside AWS calls
        self.calls: dict[str, int] = defaultdict(int)
        self.notifications = 0  # inbox items stored (each also an event on the bus)
        # updates and deletes, priced after the run: (function, table, key, units per KB)
        self.unsized: list[tuple[str, str, dict[str, Any], int]] = []
        self.latency: dict[str, float] = defaultdict(float)  # what AWS calls would wait
        self.wire: list[tuple[str, str, bytes, bytes]] = []  # a pool's requests (observe)
        self.router: Any = None
        self.first_invocation = 0
        # the function running, kept in the context (not the thread), so the threads a function
        # hands work to (the loan book's parallel scan) count as that function
        self.function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            "bench_function", default=None
        )

    def who(self) -> str:
        return self.function.get() or "bench"

    def install(self, router: Any) -> None:
        """Count in this process; with a Lambda pool (lambda_pool.py), also each container's
        requests as the local cloud answers them, and its CPU as it reports it (`stop`)."""
        from botocore.client import BaseClient

        from localcloud.lambda_router import InProcessLambda

        meter = self
        call = InProcessLambda.call
        self.router = router
        if router.pool is not None:
            router.pool.observers.append(self.observe)

        def timed_call(router: Any, function_name: str, event: Any) -> Any:
            if router.runs_in_pool(function_name):
                return call(router, function_name, event)  # its CPU is its container's
            name = router.resolve(function_name)[0]
            running = meter.function.set(name)
            t0 = time.thread_time()
            try:
                return call(router, function_name, event)
            finally:
                spent = time.thread_time() - t0
                meter.function.reset(running)
                if meter.on:
                    with meter.lock:
                        meter.cpu[name] += spent
                        meter.calls[name] += 1

        InProcessLambda.call = timed_call  # type: ignore[method-assign]
        make_api_call = BaseClient._make_api_call

        def counted(client: Any, operation: str, params: Any) -> Any:
            if not meter.on:
                return make_api_call(client, operation, params)
            who = meter.who()
            service = client.meta.service_model.service_name
            t0 = time.thread_time()
            response = make_api_call(client, operation, params)
            spent = time.thread_time() - t0
            with meter.lock:
                meter.cpu_in_aws[who] += spent
                if service == "dynamodb":
                    meter.requests[(who, operation)] += 1
                    sk = str((params.get("Item") or {}).get("SK", ""))
                    if operation == "PutItem" and "NOTE#" in sk:
                        meter.notifications += 1
                    meter.latency[who] += LATENCY_S.get(operation, 0.006)
                    r, w = meter.units(operation, params, response, who)
                    meter.rru[who] += r
                    meter.wru[who] += w
                else:
                    meter.other_calls[(who, f"{service}.{operation}")] += 1
                    meter.latency[who] += OTHER_CALL_LATENCY_S
            return response

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def observe(self, who: str, what: str, body: bytes, response: bytes) -> None:
        """A container's AWS request, kept as it went over the wire; priced in `stop`, after
        the timed night, so that the counting costs the local cloud nothing while it runs."""
        if self.on:
            self.wire.append((who, what, body, response))

    def start(self) -> None:
        self.first_invocation = len(self.router.invocations)
        self.on = True

    def stop(self) -> None:
        """Stop counting; add the containers' invocations and requests (a pool's)."""
        self.on = False
        for inv in self.router.invocations[self.first_invocation :]:
            if inv.cpu_s is None:
                continue
            self.cpu[inv.function] += inv.cpu_s
            self.cpu_in_aws[inv.function] += inv.cpu_in_aws_calls_s or 0.0
            self.calls[inv.function] += 1
        for who, what, body, response in self.wire:
            self.count(who, what, body, response)
        self.wire.clear()

    def count(self, who: str, what: str, body: bytes, response: bytes) -> None:
        """One request from the wire, counted as `install`'s counted() counts a call."""
        service, _, operation = what.partition(".")
        if service != "DynamoDB_20120810":
            self.other_calls[(who, what if operation else "http")] += 1
            self.latency[who] += OTHER_CALL_LATENCY_S
            return
        params, answer = plain_json(json.loads(body)), plain_json(json.loads(response or b"{}"))
        self.requests[(who, operation)] += 1
        if operation == "PutItem" and "NOTE#" in str(params.get("Item", {}).get("SK", "")):
            self.notifications += 1
        self.latency[who] += LATENCY_S.get(operation, 0.006)
        r, w = self.units(operation, params, answer, who)
        self.rru[who] += r
        self.wru[who] += w

    def units(
        self, operation: str, params: Any, response: Any, who: str = "bench"
    ) -> tuple[float, float]:
        """(read, write) request units DynamoDB on-demand would charge for this request. An
        update or delete is billed by its item's size, which the request does not carry: it is
        noted (`unsized`) and priced after the run by the item as the table holds it then
        (`price_unsized`), so the measuring costs nothing inside the timed night."""
        kb4, kb1 = 4096, 1024

        def read(items: list[Any], consistent: bool, per_item: bool = True) -> float:
            f = 1.0 if consistent else 0.5
            if per_item:
                return sum(f * max(1, math.ceil(item_size(i) / kb4)) for i in items)
            return f * max(1, math.ceil(sum(item_size(i) for i in items) / kb4))

        def written(
            item_key: dict[str, Any], item: dict[str, Any] | None, factor: int = 1, table: str = ""
        ) -> int:
            if item is None:
                self.unsized.append((who, table or params.get("TableName", ""), item_key, factor))
                return 0
            return factor * max(1, math.ceil(item_size(item) / kb1))

        if operation == "BatchGetItem":
            got = [i for items in response.get("Responses", {}).values() for i in items]
            consistent = any(v.get("ConsistentRead") for v in params["RequestItems"].values())
            return read(got, consistent), 0
        if operation == "GetItem":
            item = response.get("Item")
            return read([item] if item else [{}], bool(params.get("ConsistentRead"))), 0
        if operation == "Query":
            return read(response.get("Items", []), bool(params.get("ConsistentRead")), False), 0
        if operation == "PutItem":
            return 0, written(params["Item"], params["Item"])
        if operation in ("UpdateItem", "DeleteItem"):
            return 0, written(params["Key"], None)
        if operation == "TransactWriteItems":
            w = 0
            for t in params["TransactItems"]:
                ((_, body),) = t.items()
                key = body.get("Key") or body.get("Item", {})
                w += written(key, body.get("Item"), 2, body.get("TableName", ""))
            return 0, w
        if operation == "BatchWriteItem":
            return 0, sum(
                written(r["PutRequest"]["Item"], r["PutRequest"]["Item"])
                for reqs in params["RequestItems"].values()
                for r in reqs
                if "PutRequest" in r
            )
        return 0, 0

    def price_unsized(self) -> None:
        """Price the noted updates and deletes by their items as the table holds them now, after
        the night: a loan's size after its last write (a loan's payments and counters only
        grow in a night, so about the larger of before and after, which DynamoDB bills). A
        deleted item (a closed loan's marker) is priced as the portfolio's average loan if it
        is a loan, else as a 300-byte item."""
        for who, table_name, key, factor in self.unsized:
            size = stored_size(table_name, key)
            if size is None:
                loan = str(_plain(key.get("PK", ""))).startswith("LOAN#")
                size = self.loan_bytes if loan and _plain(key.get("SK")) == "LOAN" else 300
            self.wru[who] += factor * max(1, math.ceil(size / 1024))
        self.unsized.clear()


_ITEMS = ("Item", "Key")


def plain_json(message: Any) -> Any:
    """A DynamoDB request or response as the wire has it, with its items and keys as the
    resource client hands them to `Meter.units` (boto3's deserializer): Item, Key, Items,
    TransactItems' Put/Update/Delete/ConditionCheck, RequestItems' PutRequest/DeleteRequest/Keys,
    Responses."""
    from boto3.dynamodb.types import TypeDeserializer

    des = TypeDeserializer()

    def item(av: dict[str, Any]) -> dict[str, Any]:
        return {k: des.deserialize(v) for k, v in av.items()}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for k, v in node.items():
            if k in _ITEMS and isinstance(v, dict):
                out[k] = item(v)
            elif k in ("Items", "Keys") and isinstance(v, list):
                out[k] = [item(i) for i in v]
            elif k == "Responses" and isinstance(v, dict):
                out[k] = {t: [item(i) for i in items] for t, items in v.items()}
            else:
                out[k] = walk(v)
        return out

    return walk(message)


def _plain(value: Any) -> Any:
    """A key value as the resource client has it ("x") or the low-level one ({"S": "x"})."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, v),) = value.items()
        if kind in ("S", "N", "B"):
            return v
    return value


def stored_size(table_name: str, key: dict[str, Any]) -> int | None:
    """The size of the item under `key` as the engine's table holds it now (moto's own measure
    of an item), read off the engine, not counted as a request; None if it is not there."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables.get(table_name)
    if table is None:
        return None
    pk, sk = (DynamoType({"S": str(_plain(key[a]))}) for a in ("PK", "SK"))
    item = table.get_item(pk, sk)
    return None if item is None else int(item.size())


def process_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# --- one run -------------------------------------------------------------------------------


class InProcess:
    """What bench_cob_floor's helpers expect of a cloud, for the one in this process."""

    def __init__(self, cloud: Any) -> None:
        self.info = {"pid": os.getpid(), "env": cloud.env, "physical": cloud.physical}

    def boto3(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="us-east-1")


def run_one(n: int, kind: str, processes: int = 0) -> dict[str, Any]:
    import boto3
    from bench_cob_floor import floor_machine, run_floor

    from localcloud import engine
    from localcloud.cloud import LocalCloud

    day, due_days = DAYS[kind]
    os.environ["RAIL_SANDBOX_OPENING_BALANCE"] = "100000"  # cards hold money unless seeded empty
    cloud = LocalCloud.start(
        with_floor=True, business_date=day + dt.timedelta(days=1), lambda_processes=processes
    )
    try:
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(
            cloud.physical["LendingTable"]
        )
        seeded = seed(table, n, day, due_days)
        engine.settle_heap()
        meter = Meter(seeded["loan_item_bytes_avg"])
        meter.install(cloud.router)
        here = InProcess(cloud)
        floor = run_floor(here, floor_machine(here, "asl"), n, "2040-01-01")
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        pool_cpu = cloud.pool.cpu_seconds if cloud.pool is not None else (lambda: 0.0)
        meter.start()
        cpu0, t0 = process_cpu_seconds() + pool_cpu(), time.perf_counter()
        arn = sfn.start_execution(
            stateMachineArn=cloud.physical["CloseOfBusinessStateMachine"],
            name=day.isoformat(),
            input=json.dumps({"businessDate": day.isoformat()}),
        )["executionArn"]
        while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        cob_wall = time.perf_counter() - t0
        cob_cpu = process_cpu_seconds() + pool_cpu() - cpu0
        if d["status"] != "SUCCEEDED":
            raise RuntimeError(
                f"the close ended {d['status']}: {d.get('error')}; caught: {_caught(sfn, arn)}"
            )
        summary = json.loads(d["output"])
        repayments = cloud.physical["RepaymentStateMachine"]
        while sfn.list_executions(stateMachineArn=repayments, statusFilter="RUNNING", maxResults=1)[
            "executions"
        ]:
            time.sleep(0.1)
        all_wall = time.perf_counter() - t0
        all_cpu = process_cpu_seconds() + pool_cpu() - cpu0
        meter.stop()
        meter.price_unsized()
        floor_after = run_floor(here, floor_machine(here, "asl"), n, "2040-01-02")
        children = _map_children(sfn, arn)
        debit_runs = [
            e
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=repayments)
            for e in page["executions"]
        ]
        debits = len(debit_runs)
        transitions = transitions_per_run(sfn, debit_runs)
        containers = cloud.pool.containers() if cloud.pool is not None else 0
    finally:
        cloud.stop()
    out = report(
        n,
        kind,
        day,
        seeded,
        floor,
        floor_after,
        summary,
        meter,
        children,
        debits,
        transitions,
        cob_wall,
        cob_cpu,
        all_wall,
        all_cpu,
    )
    out["lambda_processes"] = processes
    out["lambda_containers_started"] = containers
    return out


def transitions_per_run(sfn: Any, runs: list[dict[str, Any]], sample: int = 200) -> float:
    """The state transitions a run is billed for, on average over an even sample of `runs`:
    every state entered, the succeeding or failing end state included, and every retry of a
    task (AWS counts both): a task's attempts are its LambdaFunctionScheduled events."""
    if not runs:
        return 0.0
    step = max(1, len(runs) // sample)
    counts = []
    for run in runs[::step]:
        pages = sfn.get_paginator("get_execution_history").paginate(
            executionArn=run["executionArn"]
        )
        kinds = [e["type"] for page in pages for e in page["events"]]
        entered = sum(k.endswith("StateEntered") for k in kinds)
        retries = kinds.count("LambdaFunctionScheduled") - kinds.count("TaskStateEntered")
        counts.append(entered + max(0, retries))
    return sum(counts) / len(counts)


def _caught(sfn: Any, arn: str) -> Any:
    """The error the machine's Catch handed to Record Failure (the step that failed, and why)."""
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    for page in pages:
        for e in page["events"]:
            details = e.get("stateEnteredEventDetails") or {}
            if details.get("name") == "Record Failure":
                return json.loads(details.get("input") or "{}").get("error")
    return None


def _map_children(sfn: Any, arn: str) -> int:
    """The children of both Maps (the loans', the lines')."""
    runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    return sum(
        int(sfn.describe_map_run(mapRunArn=r["mapRunArn"])["executionCounts"]["total"])
        for r in runs
    )


def report(
    n: int,
    kind: str,
    day: dt.date,
    seeded: dict[str, Any],
    floor: dict[str, Any],
    floor_after: dict[str, Any],
    summary: dict[str, Any],
    meter: Meter,
    children: int,
    debits: int,
    transitions: float,
    cob_wall: float,
    cob_cpu: float,
    all_wall: float,
    all_cpu: float,
) -> dict[str, Any]:
    best_floor = min(floor, floor_after, key=lambda f: f["wall_s"])
    by_group: dict[str, dict[str, float]] = {}
    for group, names in (("cob", COB_FUNCTIONS), ("debits", DEBIT_FUNCTIONS)):
        reqs = sum(v for (who, _), v in meter.requests.items() if who in names)
        by_group[group] = {
            "dynamodb_requests": reqs,
            "dynamodb_requests_per_loan": round(reqs / n, 4),
            "rru": round(sum(meter.rru[w] for w in names), 1),
            "wru": round(sum(meter.wru[w] for w in names), 1),
            "function_cpu_s": round(sum(meter.cpu[w] for w in names), 2),
            "function_cpu_in_aws_calls_s": round(sum(meter.cpu_in_aws[w] for w in names), 2),
        }
    ops: dict[str, int] = defaultdict(int)
    for (who, op), v in meter.requests.items():
        ops[f"{who}.{op}"] += v
    other: dict[str, int] = defaultdict(int)
    for (who, op), v in meter.other_calls.items():
        other[f"{who}.{op}"] += v
    out = {
        "loans": n,
        "day": kind,
        "businessDate": day.isoformat(),
        "seeded": seeded,
        "floor": best_floor,
        "cob_wall_s": round(cob_wall, 2),
        "cob_cpu_s": round(cob_cpu, 2),
        "cob_loans_per_s": round(n / cob_wall),
        "cob_cpu_ms_per_loan": round(cob_cpu / n * 1000, 3),
        "ratio_to_floor_wall": round(cob_wall / best_floor["wall_s"], 1),
        "ratio_to_floor_cpu": round(cob_cpu / max(best_floor["cloud_cpu_s"], 1e-9), 1),
        "with_debits_wall_s": round(all_wall, 2),
        "with_debits_cpu_s": round(all_cpu, 2),
        "map_children": children,
        "debits_started": debits,
        "transitions_per_debit": round(transitions, 2),
        "summary": summary,
        "groups": by_group,
        "dynamodb_by_function_and_operation": dict(sorted(ops.items())),
        "other_calls": dict(sorted(other.items())),
        "function_calls": dict(meter.calls),
        "aws_latency_s": {k: round(v, 2) for k, v in meter.latency.items()},
    }
    out["aws_cost_per_100k_loans"] = aws_cost(out, meter)
    return out


def aws_cost(r: dict[str, Any], m: Meter) -> dict[str, Any]:
    """One COB (and its morning's debits) on AWS at list prices, scaled to 100,000 loans.

    Assumptions: the functions run at 1 GB (0.58 vCPU): a function's duration is our own CPU
    here (its thread CPU outside AWS calls, i.e. not moto's) / 0.58, plus the latency of each
    AWS call it makes (LATENCY_S). An Express child lives as long as its Close Loans call, billed
    at 64 MB. Standard transitions: the COB's own states, one per Map child started, and each
    repayment's states, counted from the histories of the morning's debits (transitions_per_run).
    Request units from item sizes (Meter.units, Meter.price_unsized). S3: the work list, the
    Map's read of it, its result files. EventBridge: one event per notification stored."""
    p, scale = PRICES, 100_000 / r["loans"]

    def duration(names: tuple[str, ...]) -> float:
        own = sum(m.cpu[w] - m.cpu_in_aws[w] for w in names)
        return own / LAMBDA_VCPU + sum(m.latency[w] for w in names)

    cob_s, debit_s = duration(COB_FUNCTIONS), duration(DEBIT_FUNCTIONS)
    cob_calls = sum(m.calls[w] for w in COB_FUNCTIONS)
    debit_calls = sum(m.calls[w] for w in DEBIT_FUNCTIONS)
    close_s = duration(("close_loans",))
    children = r["map_children"]
    lines = {
        "lambda": (cob_calls + debit_calls) * p["lambda_per_request"]
        + (cob_s + debit_s) * LAMBDA_GB * p["lambda_per_gb_second"],
        "express_children": children * p["sfn_express_per_request"]
        + (close_s + 0.05 * children) * 0.0625 * p["sfn_express_per_gb_second"],
        "standard_transitions": (8 + children + r["transitions_per_debit"] * r["debits_started"])
        * p["sfn_standard_per_transition"],
        "dynamodb_reads": sum(m.rru.values()) * p["dynamodb_per_rru"],
        "dynamodb_writes": sum(m.wru.values()) * p["dynamodb_per_wru"],
        "s3": 4 * p["s3_per_put"] + (3 + children) * p["s3_per_get"],
        # one event per notification stored (each is a PutItem of the inbox before it is put)
        "eventbridge": m.notifications * p["eventbridge_per_event"],
    }
    scaled = {k: round(v * scale, 4) for k, v in lines.items()}
    return {
        "total_usd": round(sum(scaled.values()), 4),
        "lines_usd": scaled,
        "lambda_seconds_cob": round(cob_s * scale, 1),
        "lambda_seconds_debits": round(debit_s * scale, 1),
        "prices_date": PRICES_DATE,
    }


# --- the driver -----------------------------------------------------------------------------


def table_of(runs: list[dict[str, Any]]) -> str:
    lines = [
        f"COB on the local cloud, {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores; "
        f"AWS list prices of {PRICES_DATE} (us-east-1)",
        f"{'day':<8} {'loans':>7} {'procs':>5} {'cob s':>7} {'floor s':>8} {'x floor':>8} "
        f"{'loans/s':>8} "
        f"{'cpu ms/loan':>11} {'ddb req/loan':>12} {'+debits s':>10} {'debits':>7} "
        f"{'$/100k':>8}",
    ]
    for r in runs:
        lines.append(
            f"{r['day']:<8} {r['loans']:>7} {r.get('lambda_processes', 0):>5} "
            f"{r['cob_wall_s']:>7} {r['floor']['wall_s']:>8} "
            f"{r['ratio_to_floor_wall']:>8} {r['cob_loans_per_s']:>8} "
            f"{r['cob_cpu_ms_per_loan']:>11} "
            f"{r['groups']['cob']['dynamodb_requests_per_loan']:>12} "
            f"{r['with_debits_wall_s']:>10} {r['debits_started']:>7} "
            f"{r['aws_cost_per_100k_loans']['total_usd']:>8}"
        )
    for r in runs:
        lines.append("")
        procs = r.get("lambda_processes", 0)
        where = f"{procs} Lambda processes" if procs else "functions in the cloud's process"
        lines.append(f"{r['day']} day, {r['loans']} loans ({r['businessDate']}), {where}:")
        lines.append("  summary: " + json.dumps(r["summary"]))
        lines.append("  DynamoDB requests: " + json.dumps(r["dynamodb_by_function_and_operation"]))
        lines.append("  other calls: " + json.dumps(r["other_calls"]))
        lines.append("  groups: " + json.dumps(r["groups"]))
        lines.append("  cost per 100k: " + json.dumps(r["aws_cost_per_100k_loans"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--loans", type=int, nargs="+", default=[10_000])
    p.add_argument("--days", nargs="+", default=["quiet", "typical"], choices=sorted(DAYS))
    p.add_argument(
        "--lambda-processes",
        type=int,
        nargs="+",
        default=[0],
        metavar="N",
        help="run the functions in N Lambda containers of their own (0: in the local cloud's "
        "process); several values run side by side",
    )
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--name", help="results file stem under bench/results (default cob-DATE)")
    args = p.parse_args(argv)
    if args.one:
        print(
            json.dumps(run_one(args.loans[0], args.days[0], args.lambda_processes[0])), flush=True
        )
        return 0
    runs = []
    for n in args.loans:
        for kind, processes in ((k, p) for k in args.days for p in args.lambda_processes):
            # a fresh process for each: moto's state and the heap start from nothing
            one = ["--one", "--loans", str(n), "--days", kind, "--lambda-processes", str(processes)]
            out = subprocess.run(
                [sys.executable, __file__, *one],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                print(out.stderr[-4000:], file=sys.stderr)
                return 1
            result = json.loads(out.stdout.strip().splitlines()[-1])
            keys = ("loans", "day", "lambda_processes", "cob_wall_s")
            print(json.dumps({k: result[k] for k in keys}), flush=True)
            runs.append(result)
    text = table_of(runs)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / (args.name or f"cob-{dt.date.today()}")
    stem.with_suffix(".json").write_text(json.dumps(runs, indent=1))
    stem.with_suffix(".txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

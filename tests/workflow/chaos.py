"""The chaos run of issue 13: borrowers' journeys (apply -> draw -> repay) against a local cloud
that fails at every adapter (localcloud/faults.py: DynamoDB conflicts, throttles and lost
answers; Lambda service errors, throttles, lost answers and crashes mid-way; the bank's
declines, 5xx, timeouts before and after the money moved, latency), then proof that nothing was
lost: no payout twice, every collection booked, every execution ended, the books clean.

Used by tests/workflow/test_chaos.py (a small run) and bench/bench_chaos.py (the full figure).

A journey is one borrower: a line (through origination for `applicants` of them: upload an ID
photo, apply, accept the offer; opened directly for the rest, since OCR costs ~1 s of CPU a
photo), one draw, and repayments of one of these kinds:

- single: one repayment, part or all of the payoff;
- burst: 3-8 repayments at once on the loan, together under the payoff;
- above: 3-6 at once summing to ~1.3x the payoff (some must be refused);
- double-tap: one repayment sent 3 times at once with one Idempotency-Key, then the rest;
- two-loans: two draws, both repaid in full at once (racing on the one line).

The phone behaves as our API asks: a 5xx, a dropped connection or a 409 "in progress" is asked
again with the same Idempotency-Key (bounded), so one request is never made twice.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
import requests

from chalicelib.books.dynamo import scan_all
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.loans.records import loan_from_item
from localcloud.client import RemoteCloud, upload_photo
from localcloud.faults import FaultPlan

KINDS = ("single", "burst", "above", "double-tap", "two-loans")
OPENING_BALANCE_YUAN = "500"  # each card holds this before its payout: repayments cover interest

# The faults of a chaos run: per request, invocation or transfer.
PLAN = FaultPlan(
    ddb_conflict=0.02,
    ddb_throttle=0.02,
    ddb_lost_answer=0.01,
    lambda_service=0.02,
    lambda_throttle=0.02,
    lambda_lost_answer=0.01,
    lambda_crash=0.01,
    rail_decline=0.03,
    rail_5xx=0.05,
    rail_timeout_before=0.05,
    rail_timeout_after=0.05,
    rail_latency_ms=40,
)


def spawn(plan: FaultPlan, log_dir: str) -> RemoteCloud:
    from pathlib import Path

    log = str(Path(log_dir) / "injected.json")
    return RemoteCloud.spawn(
        faults=FaultPlan(**{**plan.__dict__, "log": log}),
        extra_env={"RAIL_SANDBOX_OPENING_BALANCE": OPENING_BALANCE_YUAN},
    )


def table(cloud: RemoteCloud) -> Any:
    """The lending table through moto's server: the harness's own door, no faults on it."""
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return ddb.Table(cloud.info["physical"]["LendingTable"])


@dataclass
class Tally:
    """What the phones saw, and what they asked for."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Counter[str] = field(default_factory=Counter)  # "POST /v1/loans 202"
    journeys: Counter[str] = field(default_factory=Counter)  # by kind
    outcomes: Counter[str] = field(default_factory=Counter)  # how journeys went
    applications: Counter[str] = field(default_factory=Counter)  # decision of each apply
    # per request the phone made (one Idempotency-Key): every id the API answered with
    ids_per_request: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    draws: list[str] = field(default_factory=list)  # loan ids the API admitted
    repayments: list[tuple[str, str]] = field(default_factory=list)  # (loanId, repaymentId)
    gave_up: list[str] = field(default_factory=list)  # requests never answered but 5xx
    errors: list[str] = field(default_factory=list)  # journeys that raised

    def add(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.answers[what] += n


_sessions = threading.local()
# How long a phone keeps asking (beyond the 30 s after which an abandoned claim is taken over).
PATIENCE_SECONDS = 60


class Phone:
    def __init__(self, cloud: RemoteCloud, tally: Tally) -> None:
        self.cloud = cloud
        self.tally = tally

    def _session(self) -> requests.Session:
        s = getattr(_sessions, "s", None)
        if s is None:
            s = _sessions.s = requests.Session()
        return s

    def _call(self, method: str, path: str, user: str, body: Any, headers: dict[str, str]) -> Any:
        h = {"Authorization": f"Bearer {self.cloud.token(user)}", **headers}
        return self._session().request(
            method, self.cloud.api_url + path, json=body, headers=h, timeout=60
        )

    def send(
        self, method: str, path: str, user: str, body: Any = None, *, route: str, key: str = ""
    ) -> requests.Response | None:
        """One request as a phone makes it: asked again on a 5xx, a dropped connection or a 409
        'in progress', with the same Idempotency-Key; None if it never got an answer but 5xx."""
        headers = {"Idempotency-Key": key} if key else {}
        deadline = time.monotonic() + PATIENCE_SECONDS
        last = "no answer"
        attempt = 0
        heard: list[str] = []  # what each attempt got, for the report if it never got an answer
        started = time.monotonic()
        while time.monotonic() < deadline:
            attempt += 1
            try:
                r = self._call(method, path, user, body, headers)
            except requests.ConnectionError:
                self.tally.add(f"{method} {route} dropped")
                heard.append(f"{time.monotonic() - started:.1f}s dropped")
                time.sleep(0.05 * attempt)
                continue
            self.tally.add(f"{method} {route} {r.status_code}")
            heard.append(f"{time.monotonic() - started:.1f}s {r.status_code}")
            if r.status_code >= 500 or (r.status_code == 409 and "in progress" in r.text):
                last = str(r.status_code)
                wait = float(r.headers.get("Retry-After", 0)) or min(2.0, 0.05 * 2**attempt)
                time.sleep(wait * (0.5 + random.random() / 2))
                continue
            return r
        self.tally.gave_up.append(f"{method} {route} {key}: last {last}; heard {heard}")
        return None

    def post_once(
        self, path: str, user: str, body: Any, route: str, key: str | None = None
    ) -> tuple[requests.Response | None, str]:
        key = key or uuid.uuid4().hex
        return self.send("POST", path, user, body, route=route, key=key), key


def _state_machine_arn(cloud: RemoteCloud, logical: str) -> str:
    return str(cloud.info["physical"][logical])


class Executions:
    def __init__(self, cloud: RemoteCloud) -> None:
        self.sfn = cloud.boto3("stepfunctions")
        self.arns = {
            name: _state_machine_arn(cloud, name)
            for name in (
                "OriginationStateMachine",
                "DisbursementStateMachine",
                "RepaymentStateMachine",
            )
        }

    def arn(self, machine: str, name: str) -> str:
        return self.arns[machine].replace(":stateMachine:", ":execution:") + ":" + name

    def wait(self, machine: str, name: str, timeout: float = 300) -> str:
        """Until the execution ends; its status (RUNNING if it never did within `timeout`)."""
        deadline = time.monotonic() + timeout
        arn = self.arn(machine, name)
        while True:
            try:
                status = str(self.sfn.describe_execution(executionArn=arn)["status"])
            except self.sfn.exceptions.ExecutionDoesNotExist:
                status = "MISSING"
            if status not in ("RUNNING", "MISSING") or time.monotonic() > deadline:
                return status
            time.sleep(0.25)

    def all(self) -> list[dict[str, Any]]:
        out = []
        for machine, arn in self.arns.items():
            for page in self.sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
                out += [{**e, "machine": machine} for e in page["executions"]]
        return out

    def settle(self, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            every = self.all()
            if all(e["status"] != "RUNNING" for e in every) or time.monotonic() > deadline:
                return every
            time.sleep(1.0)


class Journeys:
    def __init__(self, cloud: RemoteCloud, seed: int, tally: Tally) -> None:
        self.cloud = cloud
        self.seed = seed
        self.tally = tally
        self.phone = Phone(cloud, tally)
        self.executions = Executions(cloud)
        self.table = table(cloud)

    # --- a line -------------------------------------------------------------------------

    def open_line(self, user: str, rng: random.Random) -> None:
        DynamoCreditLines(self.table).open_line(
            user,
            rng.randint(500_000, 1_500_000),
            Decimal(rng.randint(720, 2400)).scaleb(-4),
            "B",
            f"app-{user}",
        )

    def apply(self, user: str, i: int) -> bool:
        """Through origination: upload the ID photo, apply, accept the offer. True with a line."""
        from demo.idcard import fake_person  # noqa: F401  (the persona module needs it loaded)
        from demo.personas import STEADY, Applicant, find

        _, person = find("good", start_seed=70_000 + 1_000 * i, amount="5000.00")
        a = Applicant(
            f"chaos-{i}",
            person,
            person.name,
            STEADY,
            "北京",
            f"dev-{user}",
            f"198.18.{i % 250}.9",
            amount="5000.00",
        )
        r, _ = self.phone.post_once(
            "/v1/documents", user, {"contentType": "image/jpeg"}, "/v1/documents"
        )
        if r is None or r.status_code != 201:
            self.tally.applications[f"document {r.status_code if r else 'no answer'}"] += 1
            return False
        doc = r.json()
        upload_photo(doc, a.photo(), timeout=60).raise_for_status()
        r, key = self.phone.post_once(
            "/v1/applications", user, a.application(doc["documentId"]), "/v1/applications"
        )
        if r is None or r.status_code != 202:
            self.tally.applications[f"apply {r.status_code if r else 'no answer'}"] += 1
            return False
        app_id = r.json()["applicationId"]
        self.tally.ids_per_request[key].add(app_id)
        status = self.executions.wait("OriginationStateMachine", app_id)
        got = self.phone.send(
            "GET", f"/v1/applications/{app_id}", user, route="/v1/applications/{id}"
        )
        decision = got.json()["status"] if got is not None and got.status_code == 200 else "?"
        self.tally.applications[f"{decision} ({status})"] += 1
        if decision != "APPROVED":
            return False
        r, _ = self.phone.post_once(
            f"/v1/applications/{app_id}/accept", user, None, "/v1/applications/{id}/accept"
        )
        return r is not None and r.status_code == 201

    # --- draws and repayments -------------------------------------------------------------

    def draw(self, user: str, rng: random.Random) -> str | None:
        amount = Decimal(rng.randint(50_000, 300_000)).scaleb(-2)
        body = {
            "amount": str(amount),
            "termMonths": rng.choice([3, 6, 12]),
            "method": rng.choice(["equal-installment", "equal-principal"]),
        }
        r, key = self.phone.post_once("/v1/loans", user, body, "/v1/loans")
        if r is None or r.status_code != 202:
            self.tally.outcomes[f"draw answered {r.status_code if r else 'never'}"] += 1
            return None
        loan_id = str(r.json()["loanId"])
        self.tally.ids_per_request[key].add(loan_id)
        with self.tally.lock:
            self.tally.draws.append(loan_id)
        self.executions.wait("DisbursementStateMachine", loan_id)
        item = self.table.get_item(Key={"PK": f"LOAN#{loan_id}", "SK": "LOAN"}).get("Item")
        if item is None or item["status"] != "ACTIVE":
            self.tally.outcomes[f"draw ended {item['status'] if item else 'without a loan'}"] += 1
            return None
        return loan_id

    def payoff_fen(self, user: str, loan_id: str) -> int | None:
        r = self.phone.send(
            "GET", f"/v1/loans/{loan_id}/payoff-quote", user, route="/v1/loans/{id}/payoff-quote"
        )
        if r is None or r.status_code != 200:
            return None
        return int(Decimal(r.json()["payoff"]) * 100)

    def repay(self, user: str, loan_id: str, amount_fen: int, key: str | None = None) -> str:
        """One repayment as the phone sends it; its answer's status (and the id, tallied)."""
        body = {"amount": str(Decimal(amount_fen).scaleb(-2))}
        r, key = self.phone.post_once(
            f"/v1/loans/{loan_id}/repayments", user, body, "/v1/loans/{id}/repayments", key
        )
        if r is None:
            return "never"
        if r.status_code == 202:
            rid = str(r.json()["repaymentId"])
            with self.tally.lock:
                self.tally.ids_per_request[key].add(rid)
                self.tally.repayments.append((loan_id, rid))
        return str(r.status_code)

    def at_once(self, calls: list[Any]) -> list[Any]:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(lambda f: f(), calls))

    def split(self, total: int, n: int, rng: random.Random) -> list[int]:
        weights = [rng.choice([1, 1, 2, 3, 5]) for _ in range(n)]
        parts = [max(1, total * w // sum(weights)) for w in weights]
        return parts

    def run(self, i: int, kind: str, via_apply: bool) -> None:
        rng = random.Random(self.seed * 100_003 + i)
        user = f"chaos-{self.seed}-{i}"
        self.tally.journeys[kind] += 1
        if via_apply:
            if not self.apply(user, i):
                self.tally.outcomes["no line after applying"] += 1
                return
        else:
            self.open_line(user, rng)
        loans = [self.draw(user, rng)]
        if kind == "two-loans":
            loans.append(self.draw(user, rng))
        loans_drawn = [loan for loan in loans if loan]
        if not loans_drawn:
            return
        answers: list[str] = []
        if kind == "two-loans":
            payoffs = [(loan, self.payoff_fen(user, loan)) for loan in loans_drawn]
            answers = self.at_once(
                [(lambda lo=lo, p=p: self.repay(user, lo, p)) for lo, p in payoffs if p]
            )
        else:
            loan = loans_drawn[0]
            payoff = self.payoff_fen(user, loan)
            if payoff is None:
                self.tally.outcomes["no payoff quote"] += 1
                return
            if kind == "single":
                amount = payoff if rng.random() < 0.4 else rng.randint(1, payoff)
                answers = [self.repay(user, loan, amount)]
            elif kind == "burst":
                parts = self.split(payoff * 7 // 10, rng.randint(3, 8), rng)
                answers = self.at_once([(lambda a=a: self.repay(user, loan, a)) for a in parts])
            elif kind == "above":
                parts = self.split(payoff * 13 // 10, rng.randint(3, 6), rng)
                answers = self.at_once([(lambda a=a: self.repay(user, loan, a)) for a in parts])
            elif kind == "double-tap":
                key = uuid.uuid4().hex
                first = payoff // 3
                answers = self.at_once(
                    [(lambda: self.repay(user, loan, first, key)) for _ in range(3)]
                )
                answers.append(self.repay(user, loan, payoff - first))
        for a in answers:
            self.tally.outcomes[f"repayment answered {a}"] += 1


@dataclass
class Proof:
    """What the table and the bank show, at one moment."""

    double_payouts: list[str]
    payouts_without_loan: list[str]
    payouts: int
    repayment_ends: Counter[str]
    draw_ends: Counter[str]
    failures: Counter[str]  # "REPAYMENT STUCK Runtime.ExitError"
    unbooked_collections: list[str]
    failed_but_collected: list[str]
    reservations_left: list[str]
    collected_fen: int
    booked_fen: int
    accounts_off: list[str]
    stuck: list[str]
    books_ok: bool
    books_offending: list[str]

    @property
    def sound(self) -> bool:
        return (
            not self.double_payouts
            and not self.payouts_without_loan
            and not self.unbooked_collections
            and not self.failed_but_collected
            and not self.reservations_left
            and self.repayment_ends.get("PENDING", 0) == 0
            and not self.stuck
            and self.collected_fen == self.booked_fen
            and not self.accounts_off
            and self.books_ok
        )

    def lines(self) -> list[str]:
        return [
            f"  payouts settled: {self.payouts}; double payouts: {len(self.double_payouts)};"
            f" paid out without an active loan of that principal: {len(self.payouts_without_loan)}",
            f"  draws ended: {dict(sorted(self.draw_ends.items()))}",
            f"  repayments ended: {dict(sorted(self.repayment_ends.items()))}",
            f"  failures: {dict(sorted(self.failures.items()))}",
            f"  collected {self.collected_fen / 100:.2f}, booked {self.booked_fen / 100:.2f};"
            f" unbooked collections {len(self.unbooked_collections)}; FAILED but collected"
            f" {len(self.failed_but_collected)}; loans with reservations left"
            f" {len(self.reservations_left)}",
            f"  STUCK: {len(self.stuck)}; bank accounts off their transfers:"
            f" {len(self.accounts_off)}",
            "  books check: "
            + ("clean" if self.books_ok else "OFF " + str(self.books_offending[:8])),
        ]


@dataclass
class Report:
    seconds: float
    journeys: int
    tally: Tally
    injected: dict[str, Any]
    executions: Counter[str]
    running_after_settle: list[str]
    requests_with_two_ids: list[str]
    before: Proof  # as the workflows left it
    after: Proof  # once StuckResolver finished what was STUCK
    stuck_resolved: int = 0

    @property
    def five_hundreds(self) -> int:
        return sum(n for k, n in self.tally.answers.items() if k.endswith(" 500"))

    @property
    def sound(self) -> bool:
        return (
            not self.running_after_settle
            and not self.requests_with_two_ids
            and self.after.sound
            and self.stuck_resolved == len(self.before.stuck)
            and not self.tally.errors
        )

    def lines(self) -> list[str]:
        t = self.tally
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(t.journeys.items()))
        answers = sum(t.answers.values())
        fivexx = sum(n for k, n in t.answers.items() if k[-3:].startswith("5"))
        return [
            f"journeys: {self.journeys} ({kinds}) in {self.seconds:.0f} s",
            f"applications: {dict(sorted(t.applications.items()))}",
            f"journey outcomes: {dict(sorted(t.outcomes.items()))}",
            f"executions: {sum(self.executions.values())} {dict(sorted(self.executions.items()))}",
            f"  without an end state after settling: {len(self.running_after_settle)}",
            f"faults injected: {sum(self.injected.get('kinds', {}).values())} "
            f"{dict(sorted(self.injected.get('kinds', {}).items()))}",
            f"API: {answers} answers, 5xx {fivexx} (500: {self.five_hundreds}); requests never"
            f" answered but 5xx: {len(t.gave_up)} {t.gave_up[:3]}; requests answered with two ids:"
            f" {len(self.requests_with_two_ids)}",
            "  5xx by route: "
            + str(dict(sorted((k, n) for k, n in t.answers.items() if k[-3:].startswith("5")))),
            "as the workflows left it:",
            *self.before.lines(),
            f"StuckResolver resolved {self.stuck_resolved} of {len(self.before.stuck)}; after:",
            *self.after.lines(),
            f"journeys that raised: {len(t.errors)} {t.errors[:3]}",
        ]


def run(
    cloud: RemoteCloud,
    *,
    journeys: int,
    applicants: int,
    concurrency: int,
    seed: int,
    injected_log: str,
    settle_timeout: float = 600,
) -> Report:
    import json
    from pathlib import Path

    started = time.monotonic()
    tally = Tally()
    j = Journeys(cloud, seed, tally)
    rng = random.Random(seed)
    plan = [(i, KINDS[i % len(KINDS)], i < applicants) for i in range(journeys)]
    rng.shuffle(plan)

    def one(p: tuple[int, str, bool]) -> None:
        try:
            j.run(*p)
        except Exception as exc:  # a journey the harness could not finish is a finding
            with tally.lock:
                tally.errors.append(f"journey {p[0]} ({p[1]}): {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, plan))
    every = j.executions.settle(settle_timeout)
    time.sleep(1.5)  # the fault log is flushed every second
    path = Path(injected_log)
    injected = json.loads(path.read_text()) if path.exists() else {}
    items = scan_all(j.table)
    before = prove(items)
    resolved = _resolve_stuck(cloud, tally, items) if before.stuck else 0
    after = prove(scan_all(j.table)) if before.stuck else before
    return Report(
        seconds=time.monotonic() - started,
        journeys=journeys,
        tally=tally,
        injected=injected,
        executions=Counter(
            f"{e['machine'].removesuffix('StateMachine')} {e['status']}" for e in every
        ),
        running_after_settle=[e["name"] for e in every if e["status"] == "RUNNING"],
        requests_with_two_ids=sorted(k for k, ids in tally.ids_per_request.items() if len(ids) > 1),
        before=before,
        after=after,
        stuck_resolved=resolved,
    )


def prove(items: list[dict[str, Any]]) -> Proof:
    from chalicelib.books.check import check_books

    loans = {i["PK"].removeprefix("LOAN#"): i for i in items if i["SK"] == "LOAN"}
    rail = [i for i in items if i["PK"].startswith("RAIL#")]
    lent = ("ACTIVE", "CLOSED", "OVERDUE", "WRITTEN_OFF")
    payouts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rail:
        if r["kind"] == "payout" and r["status"] == "settled":
            payouts[r["key"].removeprefix("payout:")].append(r)
    double = [lid for lid, ps in payouts.items() if len(ps) > 1]
    without = [
        lid
        for lid, ps in payouts.items()
        if lid not in loans
        or loans[lid]["status"] not in lent
        or sum(int(p["amountFen"]) for p in ps) != int(loans[lid]["principalFen"])
    ]
    # one card per user: all paid out to it is the principal of that user's loans, once
    paid: Counter[str] = Counter()
    for ps in payouts.values():
        paid[ps[0]["accountRef"]] += sum(int(p["amountFen"]) for p in ps)
    owed: Counter[str] = Counter()
    for loan in loans.values():
        if loan["status"] in lent:
            owed[f"card-{loan['userId']}"] += int(loan["principalFen"])
    double += [f"account {a}" for a in paid if paid[a] > owed.get(a, 0)]

    requests_ = [i for i in items if i.get("type") in ("DRAW", "REPAYMENT")]
    repay_items = {i["repaymentId"]: i for i in requests_ if i["type"] == "REPAYMENT"}
    collected = {
        r["key"].removeprefix("collect:"): r
        for r in rail
        if r["kind"] == "collect" and r["status"] == "settled"
    }
    booked = {p.key: p.amount_fen for loan in loans.values() for p in loan_from_item(loan).payments}
    # the bank's own books: each account's balance is its opening and its transfers
    opening = int(Decimal(OPENING_BALANCE_YUAN) * 100)
    moved: Counter[str] = Counter()
    for r in rail:
        if r["status"] == "settled":
            sign = 1 if r["kind"] in ("payout", "deposit") else -1
            moved[r["accountRef"]] += sign * int(r["amountFen"])
    accounts = {
        i["PK"].removeprefix("BANK#"): int(i["balanceFen"])
        for i in items
        if i["PK"].startswith("BANK#")
    }
    books = check_books(items)
    return Proof(
        double_payouts=sorted(double),
        payouts_without_loan=sorted(without),
        payouts=sum(len(ps) for ps in payouts.values()),
        repayment_ends=Counter(str(i["status"]) for i in repay_items.values()),
        draw_ends=Counter(
            f"{i['status']} (loan {loans[i['loanId']]['status'] if i['loanId'] in loans else '-'})"
            for i in requests_
            if i["type"] == "DRAW"
        ),
        failures=Counter(
            f"{i['type']} {i['status']} {i.get('failure')}"
            for i in requests_
            if i["status"] not in ("PENDING", "SUCCEEDED")
        ),
        unbooked_collections=sorted(rid for rid in collected if rid not in booked),
        failed_but_collected=sorted(
            rid for rid, i in repay_items.items() if i["status"] == "FAILED" and rid in collected
        ),
        reservations_left=sorted(
            lid for lid, loan in loans.items() if int(loan.get("reservedFen", 0)) != 0
        ),
        collected_fen=sum(int(r["amountFen"]) for r in collected.values()),
        booked_fen=sum(booked.values()),
        accounts_off=sorted(a for a, b in accounts.items() if b != opening + moved.get(a, 0)),
        stuck=books.stuck,
        books_ok=books.ok,
        books_offending=books.offending,
    )


def _resolve_stuck(cloud: RemoteCloud, tally: Tally, items: list[dict[str, Any]]) -> int:
    """What an operator does: `POST /v1/ops/stuck/resolve` for each STUCK item (faults and all)."""
    from chalicelib.books.check import check_books

    books = check_books(items)
    phone = Phone(cloud, tally)
    resolved = 0
    for ref in (books.refs[i] for i in books.stuck):
        h = {"Authorization": f"Bearer {cloud.token('ops-chaos', ops=True)}"}
        for _ in range(12):
            r = phone._session().post(
                cloud.api_url + "/v1/ops/stuck/resolve", json=ref, headers=h, timeout=60
            )
            tally.add(f"POST /v1/ops/stuck/resolve {r.status_code}")
            if r.status_code < 500:
                resolved += r.status_code == 200 and bool(r.json().get("resolved"))
                break
            time.sleep(0.2)
    return resolved

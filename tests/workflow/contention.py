"""Many repayments at once on one loan, through the live API and the real repayment workflow:
the scenario of issue 13 ("money that left the borrower's account is on their loan, every
time"). Used by tests/workflow/test_repayment_contention.py (a few rounds) and by
bench/bench_repayment_contention.py (many).

A round: one loan drawn and active; `n` repayments of mixed amounts fired at once (together
about 1.3 x the payoff, so some must be refused); wait until every admitted one has ended;
then count what the bank took, what the loan booked, what ended STUCK, and prove the books.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
import requests

from chalicelib.books.dynamo import check_table
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.rail.dynamo import DynamoRailBook
from localcloud.client import RemoteCloud


@dataclass
class Round:
    requests: int
    answers: Counter[int] = field(default_factory=Counter)
    admitted: list[str] = field(default_factory=list)
    ended: Counter[str] = field(default_factory=Counter)
    collected_fen: int = 0
    booked_fen: int = 0
    unbooked: list[str] = field(default_factory=list)
    books_ok: bool = False
    seconds: float = 0.0

    @property
    def sound(self) -> bool:
        return (
            self.ended.get("STUCK", 0) == 0
            and self.ended.get("PENDING", 0) == 0
            and self.collected_fen == self.booked_fen
            and not self.unbooked
            and self.books_ok
        )


def table(cloud: RemoteCloud) -> Any:
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return ddb.Table(cloud.info["physical"]["LendingTable"])


def post(cloud: RemoteCloud, path: str, user: str, body: dict[str, Any]) -> requests.Response:
    """As a phone does: a dropped connection or a 409 'in progress' is asked again with the same
    Idempotency-Key, so one request is never made twice."""
    key = uuid.uuid4().hex
    for attempt in range(10):
        try:
            r = cloud.call("POST", path, user, body, headers={"Idempotency-Key": key})
            if r.status_code != 409 or "in progress" not in r.text:
                return r
        except requests.ConnectionError:
            pass
        time.sleep(0.1 * (attempt + 1))
    return cloud.call("POST", path, user, body, headers={"Idempotency-Key": key})


def active_loan(cloud: RemoteCloud, user: str, amount: str = "3000.00") -> str:
    DynamoCreditLines(table(cloud)).open_line(
        user, 1_000_000, Decimal("0.1080"), "B", f"app-{user}"
    )
    r = post(
        cloud, "/v1/loans", user, {"amount": amount, "termMonths": 6, "method": "equal-installment"}
    )
    assert r.status_code == 202, r.text
    loan_id = str(r.json()["loanId"])
    deadline = time.monotonic() + 60
    while cloud.call("GET", f"/v1/loans/{loan_id}", user).json()["status"] == "PENDING":
        assert time.monotonic() < deadline, "the draw never landed"
        time.sleep(0.05)
    return loan_id


def run_round(cloud: RemoteCloud, user: str, n: int, seed: int) -> Round:
    rng = random.Random(seed)
    loan_id = active_loan(cloud, user)
    payoff = Decimal(cloud.call("GET", f"/v1/loans/{loan_id}/payoff-quote", user).json()["payoff"])
    # mixed amounts: mostly small, a few large, together about 1.3 x the payoff
    weights = [rng.choice([1, 1, 1, 2, 3, 8]) for _ in range(n)]
    scale = payoff * Decimal("1.3") / sum(weights)
    amounts = [max(Decimal("0.01"), (scale * w).quantize(Decimal("0.01"))) for w in weights]
    out = Round(n)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        answers = list(
            pool.map(
                lambda a: post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": str(a)}),
                amounts,
            )
        )
    for r in answers:
        out.answers[r.status_code] += 1
        if r.status_code == 202:
            out.admitted.append(r.json()["repaymentId"])
    deadline = time.monotonic() + 120
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {
            rid: cloud.call("GET", f"/v1/loans/{loan_id}/repayments/{rid}", user).json()["status"]
            for rid in out.admitted
        }
        if all(s != "PENDING" for s in statuses.values()):
            break
        time.sleep(0.2)
    t = table(cloud)
    for rid in out.admitted:  # STUCK shows PENDING to the borrower: read the request itself
        item = t.get_item(Key={"PK": f"LOAN#{loan_id}", "SK": f"REPAY#{rid}"})["Item"]
        out.ended[str(item["status"])] += 1
    book = DynamoRailBook(t)
    collected = [book.get(f"collect:{rid}") for rid in out.admitted]
    out.collected_fen = sum(c.amount_fen for c in collected if c and c.status == "settled")
    loan = DynamoLoans(t).get(loan_id)
    out.booked_fen = sum(p.amount_fen for p in loan.payments if p.key in set(out.admitted))
    report = check_table(t)
    out.unbooked = [
        k for k in report.unbooked_transfers if loan_id in k or k.split(":")[1] in out.admitted
    ]
    out.books_ok = report.ledger.ok and not report.stuck and not report.unbooked_transfers
    out.seconds = time.monotonic() - started
    return out

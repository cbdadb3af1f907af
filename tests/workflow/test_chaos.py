"""Issue 13's chaos run, small: borrowers' journeys against a local cloud failing at every
adapter (DynamoDB, Lambda, the bank), with a fixed seed. Nothing may be lost: no payout twice,
every collection booked, every execution ended, every admitted repayment ended SUCCEEDED or
FAILED with nothing taken, the books check clean. bench/bench_chaos.py runs it at full size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.client import RemoteCloud
from tests.workflow.chaos import PLAN, Report, run, spawn

pytestmark = pytest.mark.slow

SEED = 13


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RemoteCloud, Path]]:
    log_dir = tmp_path_factory.mktemp("chaos")
    plan = PLAN.__class__(**{**PLAN.__dict__, "seed": SEED})
    cloud = spawn(plan, str(log_dir))
    yield cloud, log_dir / "injected.json"
    cloud.stop()


def test_nothing_is_lost_when_every_adapter_fails(chaos: tuple[RemoteCloud, Path]) -> None:
    cloud, log = chaos
    r: Report = run(
        cloud, journeys=45, applicants=1, concurrency=12, seed=SEED, injected_log=str(log)
    )
    print("\n".join(r.lines()))
    # the faults happened, of every kind the plan names (a run that injects nothing proves nothing)
    kinds = r.injected["kinds"]
    for kind in (
        "dynamodb.conflict",
        "dynamodb.throttle",
        "dynamodb.lost_answer",
        "lambda.service_exception",
        "lambda.too_many_requests",
        "lambda.crash",
        "rail.error_5xx",
        "rail.timeout_before",
        "rail.timeout_after",
    ):
        assert kinds.get(kind, 0) > 0, (kind, kinds)
    assert len(r.tally.repayments) >= 60, r.tally.outcomes
    # every execution ended; no request answered with two ids; no phone left without an answer
    assert not r.running_after_settle
    assert not r.requests_with_two_ids
    assert not r.tally.gave_up and not r.tally.errors, (r.tally.gave_up, r.tally.errors)
    assert r.five_hundreds == 0, r.tally.answers
    # money: no payout twice or without its loan, every collection booked, nothing FAILED taken
    proof = r.after
    assert not proof.double_payouts and not proof.payouts_without_loan
    assert not proof.unbooked_collections and not proof.failed_but_collected
    assert proof.collected_fen == proof.booked_fen > 0
    assert set(proof.repayment_ends) <= {"SUCCEEDED", "FAILED"}, proof.repayment_ends
    assert not proof.reservations_left and not proof.accounts_off
    assert r.stuck_resolved == len(r.before.stuck)
    assert proof.books_ok, proof.books_offending
    assert r.sound

"""Hundreds of draws and repayments through the services, with the sandbox bank injecting
declines, 5xx and unknown outcomes, and every step re-run as Step Functions retries and
at-least-once delivery would. Then: no payout twice, no lost money, ledger check clean.

Two tiers: the in-memory fakes carry the full 340 operations (fast); DynamoDB (moto) runs a
smaller batch through the real adapters, because moto deep-copies every table on each
TransactWriteItems (its rollback), which makes a long run quadratic in the table size."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from chalicelib.books.check import check_ledger_items
from chalicelib.books.dynamo import check_ledger
from chalicelib.borrowing.bank import account_ref, payout_key
from chalicelib.borrowing.disbursement import DisbursementSteps
from chalicelib.borrowing.handoffs import DrawState, RepaymentState
from chalicelib.borrowing.repayment import RepaymentSteps, admit
from chalicelib.borrowing.requests.dynamo import DynamoMoneyRequests
from chalicelib.borrowing.requests.memory import InMemoryMoneyRequests
from chalicelib.borrowing.requests.port import Draw, Repayment
from chalicelib.errors import (
    CollectionDeclined,
    NotFound,
    PayoutDeclined,
    TransientError,
    Unprocessable,
)
from chalicelib.ledger.entries import CASH_CLEARING
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import DISBURSED, REPAYABLE, VOID
from chalicelib.money.servicing import position
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.notifications.service import NotificationService
from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import COLLECT, PAYOUT, SETTLED
from chalicelib.rail.records import balance_change
from chalicelib.rail.sandbox import Faults, SandboxRail

MAX_ATTEMPTS = 8  # the ASL's bounded Retry on the transient errors


class Exhausted(Exception):
    pass


class Workflow:
    """A tiny Step Functions: bounded retries on TransientError, and duplicate runs of steps
    that succeeded (a Lambda whose answer was lost is run again with the same input)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.reruns = 0
        self.transient = 0

    def step(self, fn, state):
        for _ in range(MAX_ATTEMPTS):
            try:
                out = fn(state)
            except TransientError:
                self.transient += 1
                continue
            while self.rng.random() < 0.3:
                self.reruns += 1
                assert fn(state) == out, (fn.__name__, out)  # same input, same answer
            return out
        raise Exhausted(fn.__name__)


FAULTS = Faults(decline=0.04, error_5xx=0.1, timeout_before=0.1, timeout_after=0.12, seed=99)


def test_draws_and_repayments_under_faults_fakes() -> None:
    lines, loans = InMemoryCreditLines(), InMemoryLoans()
    rail = SandboxRail(InMemoryRailBook(), FAULTS)
    _run(
        InMemoryMoneyRequests(),
        lines,
        loans,
        rail,
        lambda: check_ledger_items([*lines.items(), *loans.items()]),
        draws=170,
        repayments=170,
        seed=20240601,
    )


def test_draws_and_repayments_under_faults_dynamodb(dynamodb_table) -> None:
    rail = SandboxRail(DynamoRailBook(dynamodb_table), FAULTS)
    _run(
        DynamoMoneyRequests(dynamodb_table),
        DynamoCreditLines(dynamodb_table),
        DynamoLoans(dynamodb_table),
        rail,
        lambda: check_ledger(dynamodb_table),
        draws=20,
        repayments=20,
        seed=7,
    )


def _loan(i: int) -> str:
    return f"loan_{i:026d}"


def _rep(i: int) -> str:
    return f"rep_{i:026d}"


def _run(requests, lines, loans, rail, check, *, draws: int, repayments: int, seed: int) -> None:
    big = draws >= 100
    rng = random.Random(seed)
    clock_n = iter(range(10**9))

    def now() -> str:
        return f"2024-06-01T00:00:{next(clock_n):09d}Z"

    disbursement = DisbursementSteps(requests, lines, loans, rail, now)
    notices = NotificationService(InMemoryNotificationStore(), InMemoryEventBus(), now)
    repayment = RepaymentSteps(requests, lines, loans, rail, now, notices.notify)
    wf = Workflow(rng)
    users = [f"u{i}" for i in range(12)]
    for i, u in enumerate(users):
        lines.open_line(
            u,
            rng.randint(50_000, 2_000_000),
            Decimal(rng.randint(720, 2400)).scaleb(-4),
            "B",
            f"app-{i}",
        )

    today = date(2024, 6, 1)
    outcome = Counter()
    active: list[str] = []
    ops = [("draw", i) for i in range(draws)] + [("repay", i) for i in range(repayments)]
    rng.shuffle(ops)
    ops.sort(key=lambda o: o[0] != "draw" and o[1] < 20)  # a few draws first
    for kind, i in ops:
        today += timedelta(days=rng.choice([0, 0, 1, 3, 10, 35]))
        if kind == "draw":
            user = rng.choice(users)
            loan_id = _loan(i)
            amount = rng.randint(5_000, 400_000)
            method = rng.choice(["equal-installment", "equal-principal"])
            apr = lines.get_line(user).apr
            requests.add_draw(
                Draw(
                    loan_id, user, amount, rng.randint(1, 36), method, today.isoformat(), apr, now()
                )
            )
            state = DrawState(loanId=loan_id)
            try:
                state = state.model_copy(update={"draw": wf.step(disbursement.reserve_line, state)})
            except Unprocessable:
                wf.step(disbursement.release_line, state)
                outcome["draw refused: line"] += 1
                continue
            wf.step(disbursement.create_contract, state)
            try:
                state = state.model_copy(update={"payout": wf.step(disbursement.pay_out, state)})
            except (PayoutDeclined, Exhausted):
                wf.step(disbursement.void_contract, state)
                wf.step(disbursement.release_line, state)
                outcome["draw compensated"] += 1
                continue
            wf.step(disbursement.post_ledger, state)
            card = account_ref(user)
            rail.withdraw(f"spend:{loan_id}", card, rail.balance(card))  # borrowed to spend it
            active.append(loan_id)
            outcome["draw paid out"] += 1
        else:
            if not active:
                continue
            loan_id = rng.choice(active)
            loan = loans.get(loan_id)
            if loan.status not in REPAYABLE:
                continue
            if loan.payments and today < loan.payments[-1].on:
                continue
            pos = position(loan.servicing(), today)
            choice = rng.random()
            if choice < 0.15:
                amount = pos.payoff_fen
            elif choice < 0.2:
                amount = pos.payoff_fen + rng.randint(1, 1000)  # overpayment: refused
            else:
                amount = max(1, min(pos.payoff_fen, rng.randint(1_000, 150_000)))
            rid = _rep(i)
            try:
                admit(
                    loans,
                    loan_id=loan_id,
                    repayment_id=rid,
                    amount_fen=amount,
                    on=today.isoformat(),
                )
            except Unprocessable:
                outcome["repayment refused: over payoff"] += 1
                continue
            requests.add_repayment(
                Repayment(rid, loan_id, loan.user_id, amount, today.isoformat(), now())
            )
            # Most borrowers pay in what they repay, some only part of it, some nothing: those
            # collections are partial, or declined for lack of funds.
            paid_in = rng.choice([amount] * 7 + [amount // 2] * 2 + [0])
            if paid_in:
                rail.deposit(f"deposit:{rid}", account_ref(loan.user_id), paid_in)
            state = RepaymentState(loanId=loan_id, repaymentId=rid)
            state = state.model_copy(update={"quote": wf.step(repayment.quote_repayment, state)})
            try:
                took = wf.step(repayment.collect_repayment, state)
            except (CollectionDeclined, Exhausted):
                wf.step(repayment.record_failure, state)
                outcome["repayment not collected"] += 1
                continue
            if took.amountFen < amount:
                outcome["repayment partial"] += 1
            state = state.model_copy(update={"posted": wf.step(repayment.post_repayment, state)})
            wf.step(repayment.restore_line, state)
            outcome["repayment posted"] += 1

    # THEN: no payout twice, no lost money, ledger clean
    bank = rail.state.all()
    settled_payouts = Counter(r.key for r in bank if r.kind == PAYOUT and r.status == SETTLED)
    assert all(n == 1 for n in settled_payouts.values())
    paid_out_principal = 0
    for lid in (_loan(i) for i in range(draws)):
        try:
            loan = loans.get(lid)
        except NotFound:  # refused before the contract was written
            continue
        if loan.status in DISBURSED:
            assert settled_payouts[payout_key(lid)] == 1
            paid_out_principal += loan.principal_fen
        else:
            assert loan.status == VOID
            assert settled_payouts[payout_key(lid)] == 0
    moved = rail.moved()
    assert moved[PAYOUT] == paid_out_principal
    # every account holds what came in less what went out, and none is overdrawn
    held: Counter[str] = Counter()
    for r in bank:
        held[r.account_ref] += balance_change(r)
    assert all(rail.balance(ref) == fen >= 0 for ref, fen in held.items()), held
    report = check()
    assert report.ok, report.as_dict()
    # the bank's cash and the ledger's cash clearing agree to the fen
    assert report.balances.get(CASH_CLEARING, 0) == moved[COLLECT] - moved[PAYOUT]
    if big:  # the scenario really exercised what it claims to
        assert outcome["draw paid out"] >= 90 and outcome["repayment posted"] >= 90, outcome
        assert outcome["draw compensated"] > 0 and wf.reruns > 100 and wf.transient > 50
        assert outcome["repayment partial"] > 0, outcome
    else:
        assert outcome["draw paid out"] >= 10 and outcome["repayment posted"] >= 6, outcome
    print(dict(outcome), "reruns", wf.reruns, "transient", wf.transient, "bank txns", len(bank))

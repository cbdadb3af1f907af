"""Workflow step services over fakes: GIVEN a line and a sandbox bank, WHEN steps run (and
re-run), THEN money moves once and compensation undoes only what never moved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib import money_services as svc
from chalicelib.errors import (
    CollectionOutcomeUnknown,
    Conflict,
    PayoutDeclined,
    PayoutOutcomeUnknown,
    Unprocessable,
)
from chalicelib.ledger.check import check_ledger_items
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.rail.port import PAYOUT, SETTLED
from chalicelib.rail.sandbox import Faults, InMemoryRailState, SandboxRail


def _ports(faults: Faults | None = None) -> svc.MoneyPorts:
    rail = SandboxRail(InMemoryRailState(), faults or Faults())
    p = svc.MoneyPorts(InMemoryCreditLines(), InMemoryLoans(), rail)
    p.lines.open_line("u", 1_000_000, Decimal("0.12"), "B", "app")
    return p


def _draw(p: svc.MoneyPorts, loan_id="L1", amount=300_000, account="acct") -> None:
    svc.reserve_line(p, user_id="u", loan_id=loan_id, amount_fen=amount)
    svc.create_contract(
        p,
        loan_id=loan_id,
        user_id="u",
        amount_fen=amount,
        months=6,
        start="2024-06-01",
        account_ref=account,
    )


def _clean(p: svc.MoneyPorts) -> bool:
    return check_ledger_items([*p.lines.items(), *p.loans.items()]).ok


def test_happy_draw_and_repayment() -> None:
    p = _ports()
    _draw(p)
    assert svc.pay_out(p, loan_id="L1") == svc.pay_out(p, loan_id="L1")
    assert svc.post_ledger(p, loan_id="L1")["status"] == "ACTIVE"
    assert svc.activate_loan(p, loan_id="L1")["outstandingPrincipalFen"] == 300_000
    q = svc.quote_repayment(p, loan_id="L1", amount_fen=50_000, on="2024-06-11")
    assert q["interestFen"] == 1_000 and q["principalFen"] == 49_000  # 300,000 x 12%/360 x 10
    svc.collect_repayment(p, loan_id="L1", repayment_id="R1", amount_fen=50_000)
    posted = svc.post_repayment(p, loan_id="L1", repayment_id="R1", on="2024-06-11")
    assert posted == svc.post_repayment(p, loan_id="L1", repayment_id="R1", on="2024-06-11")
    assert svc.restore_line(p, loan_id="L1", repayment_id="R1")["availableFen"] == 749_000
    assert svc.restore_line(p, loan_id="L1", repayment_id="R1")["availableFen"] == 749_000
    assert _clean(p)


def test_declined_payout_is_compensated_and_never_paid() -> None:
    p = _ports()
    _draw(p, account="decline-acct")
    with pytest.raises(PayoutDeclined):
        svc.pay_out(p, loan_id="L1")
    svc.release_line(p, user_id="u", loan_id="L1")
    svc.void_contract(p, loan_id="L1")
    assert p.lines.get_line("u").available_fen == 1_000_000
    with pytest.raises(Conflict):
        svc.pay_out(p, loan_id="L1")  # a void loan is never paid out
    assert p.rail.moved()[PAYOUT] == 0 and _clean(p)


def test_unknown_outcome_is_resolved_by_status_not_by_paying_again() -> None:
    p = _ports(Faults(timeout_after=1.0))
    _draw(p)
    # the bank moved the money, then timed out: the step learns it from status()
    out = svc.pay_out(p, loan_id="L1")
    assert out["payout"] == SETTLED and p.rail.moved()[PAYOUT] == 300_000
    with pytest.raises(Conflict):
        svc.release_line(p, user_id="u", loan_id="L1")  # money went out: no compensation
    with pytest.raises(Conflict):
        svc.void_contract(p, loan_id="L1")
    svc.post_ledger(p, loan_id="L1")
    assert _clean(p)


def test_bank_never_reached_stays_unknown_until_retried() -> None:
    p = _ports(Faults(error_5xx=1.0))
    _draw(p)
    with pytest.raises(PayoutOutcomeUnknown):
        svc.pay_out(p, loan_id="L1")
    with pytest.raises(PayoutOutcomeUnknown):
        svc.post_ledger(p, loan_id="L1")  # nothing is booked without a settled payout


def test_post_repayment_needs_settled_collection_and_refuses_overpayment() -> None:
    p = _ports()
    _draw(p)
    svc.pay_out(p, loan_id="L1")
    svc.post_ledger(p, loan_id="L1")
    with pytest.raises(CollectionOutcomeUnknown):
        svc.post_repayment(p, loan_id="L1", repayment_id="R9", on="2024-06-02")
    with pytest.raises(Unprocessable):
        svc.quote_repayment(p, loan_id="L1", amount_fen=10_000_000, on="2024-06-02")


def test_reservation_beyond_the_line_is_unprocessable() -> None:
    p = _ports()
    with pytest.raises(Unprocessable):
        svc.reserve_line(p, user_id="u", loan_id="L1", amount_fen=1_000_001)


def test_money_collected_after_payoff_goes_to_suspense_not_lost() -> None:
    p = _ports()
    _draw(p)
    svc.pay_out(p, loan_id="L1")
    svc.post_ledger(p, loan_id="L1")
    payoff = svc.quote_repayment(p, loan_id="L1", amount_fen=1, on="2024-06-05")["payoffFen"]
    # two repayments quoted against the same balance, both collected (a race)
    svc.collect_repayment(p, loan_id="L1", repayment_id="R1", amount_fen=payoff)
    svc.collect_repayment(p, loan_id="L1", repayment_id="R2", amount_fen=5_000)
    assert (
        svc.post_repayment(p, loan_id="L1", repayment_id="R1", on="2024-06-05")["status"]
        == "CLOSED"
    )
    late = svc.post_repayment(p, loan_id="L1", repayment_id="R2", on="2024-06-05")
    assert late["suspenseFen"] == 5_000 and late["principalFen"] == 0
    svc.restore_line(p, loan_id="L1", repayment_id="R1")
    svc.restore_line(p, loan_id="L1", repayment_id="R2")
    report = check_ledger_items([*p.lines.items(), *p.loans.items()])
    assert report.ok and report.balances["overpayment_suspense:u"] == -5_000
    assert p.lines.get_line("u").available_fen == 1_000_000


def test_a_repayment_reserves_at_admission_and_a_collected_one_keeps_its_reservation() -> None:
    p = _ports()
    _draw(p)
    svc.pay_out(p, loan_id="L1")
    svc.post_ledger(p, loan_id="L1")
    payoff = svc.quote_repayment(p, loan_id="L1", amount_fen=1, on="2024-06-05")["payoffFen"]
    # GIVEN a payoff admitted: nothing more fits, and a repeat of the admission is a no-op
    svc.reserve_repayment(
        p.loans, loan_id="L1", repayment_id="R1", amount_fen=payoff, on="2024-06-05"
    )
    svc.reserve_repayment(
        p.loans, loan_id="L1", repayment_id="R1", amount_fen=payoff, on="2024-06-05"
    )
    with pytest.raises(Unprocessable):
        svc.reserve_repayment(
            p.loans, loan_id="L1", repayment_id="R2", amount_fen=1, on="2024-06-05"
        )
    # WHEN the bank took the money but the booking has not happened (STUCK)
    svc.collect_repayment(p, loan_id="L1", repayment_id="R1", amount_fen=payoff)
    with pytest.raises(Conflict):
        svc.release_repayment(p, loan_id="L1", repayment_id="R1")
    assert p.loans.get("L1").reserved_fen == payoff
    # THEN booking it drops the reservation with the payment, and the loan closes
    assert (
        svc.post_repayment(p, loan_id="L1", repayment_id="R1", on="2024-06-05")["status"]
        == "CLOSED"
    )
    assert p.loans.get("L1").reservations == ()
    svc.restore_line(p, loan_id="L1", repayment_id="R1")
    assert _clean(p)

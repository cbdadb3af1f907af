"""The servicing entries (accrual, repayment split, write-off, recovery) and the receivables
rule of the ledger check."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.ledger.entries import (
    CASH_CLEARING,
    CREDIT_LOSS,
    INTEREST_INCOME,
    LOSS_RECOVERY,
    PENALTY_INCOME,
    Unbalanced,
    accrual_entry,
    interest_receivable,
    loan_principal,
    penalty_receivable,
    recovery_entry,
    repayment_entry,
    write_off_entry,
)
from chalicelib.ledger.receivables import check_receivables, receivable_flows
from chalicelib.ledger.records import entry_item

AT = "2024-03-01T00:00:00.000Z"
DAY = date(2024, 3, 1)


def legs(e):
    return {(p.account, p.debit_fen, p.credit_fen) for p in e.postings}


@given(st.integers(-(10**9), 10**9), st.integers(-(10**9), 10**9))
def test_accrual_entries_are_balanced_both_ways_or_not_written(interest, penalty) -> None:
    if not interest and not penalty:
        with pytest.raises(Unbalanced):
            accrual_entry("u", "l", DAY, interest, penalty, AT)
        return
    e = accrual_entry("u", "l", DAY, interest, penalty, AT)
    assert e.debits == e.credits == abs(interest) + abs(penalty)
    assert e.key == "accrue:l:2024-03-01" and e.owner == "LOAN#l" and e.loan_id == "l"
    by = {p.account: p.debit_fen - p.credit_fen for p in e.postings}
    assert by.get(interest_receivable("l"), 0) == interest == -by.get(INTEREST_INCOME, 0)
    assert by.get(penalty_receivable("l"), 0) == penalty == -by.get(PENALTY_INCOME, 0)


def test_a_repayment_credits_receivables_for_what_was_accrued_and_income_for_the_rest() -> None:
    e = repayment_entry(
        "u", "l", "r1", 9_000, 500, 40, AT, interest_receivable_fen=400, penalty_receivable_fen=40
    )
    assert legs(e) == {
        (CASH_CLEARING, 9_540, 0),
        (loan_principal("l"), 0, 9_000),
        (interest_receivable("l"), 0, 400),
        (INTEREST_INCOME, 0, 100),
        (penalty_receivable("l"), 0, 40),
    }
    # without the split it is the cash-basis entry it always was
    assert legs(repayment_entry("u", "l", "r1", 9_000, 500, 40, AT)) == {
        (CASH_CLEARING, 9_540, 0),
        (loan_principal("l"), 0, 9_000),
        (INTEREST_INCOME, 0, 500),
        (PENALTY_INCOME, 0, 40),
    }
    with pytest.raises(ValueError):
        repayment_entry("u", "l", "r1", 0, 500, 0, AT, interest_receivable_fen=501)


def test_write_off_and_recovery_entries() -> None:
    w = write_off_entry("u", "l", 100_000, 3_000, 200, AT)
    assert w.key == "write-off:l" and w.kind == "write-off"
    assert legs(w) == {
        (CREDIT_LOSS, 103_200, 0),
        (loan_principal("l"), 0, 100_000),
        (interest_receivable("l"), 0, 3_000),
        (penalty_receivable("l"), 0, 200),
    }
    r = recovery_entry("u", "l", "r9", 5_000, AT)
    assert r.key == "repay:r9" and r.kind == "recovery"
    assert legs(r) == {(CASH_CLEARING, 5_000, 0), (LOSS_RECOVERY, 0, 5_000)}


def _items(*entries):
    return [entry_item(e) for e in entries]


def test_the_receivables_rule_per_loan_and_in_total() -> None:
    items = _items(
        accrual_entry("u", "a", DAY, 400, 0, AT),
        accrual_entry("u", "a", date(2024, 3, 2), 400, 30, AT),
        repayment_entry(
            "u", "a", "r1", 0, 900, 30, AT, interest_receivable_fen=800, penalty_receivable_fen=30
        ),
        accrual_entry("u", "b", DAY, 250, 0, AT),
        accrual_entry("u", "c", DAY, 1_000, 100, AT),
        write_off_entry("u", "c", 50_000, 1_000, 100, AT),
    )
    flows = receivable_flows(items)
    assert flows["a"]["interest"].as_dict() == {
        "accruedFen": 800,
        "collectedFen": 800,
        "writtenOffFen": 0,
        "receivableFen": 0,
    }
    report = check_receivables(items, {"a": (0, 0), "b": (250, 0), "c": (0, 0)})
    assert report.ok, report.as_dict()
    assert report.interest.as_dict() == {
        "accruedFen": 2_050,
        "collectedFen": 800,
        "writtenOffFen": 1_000,
        "receivableFen": 250,
    }


def test_the_rule_names_the_loans_that_disagree() -> None:
    items = _items(accrual_entry("u", "a", DAY, 400, 0, AT), accrual_entry("u", "b", DAY, 9, 0, AT))
    report = check_receivables(items, {"a": (399, 0)})  # a's records disagree; b has none
    assert report.loans == ["a", "b"] and not report.ok
    stray = entry_item(accrual_entry("u", "d", DAY, 5, 0, AT)) | {"kind": "line-limit"}
    assert check_receivables([stray]).loans == ["d"]  # only accruals, repayments, write-offs
    assert check_receivables([], {"e": (1, 0)}).loans == ["e"]  # a record with no books


def test_a_write_off_empties_a_receivable_whatever_its_sign() -> None:
    # a collection that ran ahead of a close can leave a receivable briefly below zero
    w = write_off_entry("u", "l", 100_000, -500, 0, AT)
    assert legs(w) == {
        (CREDIT_LOSS, 99_500, 0),
        (loan_principal("l"), 0, 100_000),
        (interest_receivable("l"), 500, 0),
    }

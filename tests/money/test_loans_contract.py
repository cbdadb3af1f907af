"""One contract for the loan store: the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from chalicelib.errors import Conflict, NotFound
from chalicelib.ledger.entries import balances, loan_principal
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import ACTIVE, CLOSED, VOID, LoanRecord
from chalicelib.money.schedule import ACTUAL_360, build_schedule
from chalicelib.money.servicing import book_payment, payoff_quote

AT = "2024-06-01T00:00:00Z"


@pytest.fixture(params=["memory", "dynamodb"])
def loans(request):
    if request.param == "memory":
        return InMemoryLoans()
    return DynamoLoans(request.getfixturevalue("dynamodb_table"))


def _record(loan_id="L1", amount=300_000, created=AT) -> LoanRecord:
    s = build_schedule(amount, Decimal("0.18"), 6, date(2024, 6, 1), day_count=ACTUAL_360)
    return LoanRecord.from_schedule(loan_id, "u1", s, "acct-u1", created)


def test_create_is_idempotent_and_get(loans) -> None:
    a = loans.create(_record())
    assert loans.create(_record(created="later")) == a
    with pytest.raises(Conflict):
        loans.create(_record(amount=400_000))
    got = loans.get("L1")
    assert got.terms() == a.terms() and got.due_dates == a.due_dates
    with pytest.raises(NotFound):
        loans.get("nope")
    loans.create(_record("L2", created="2024-06-02"))
    assert [x.loan_id for x in loans.for_user("u1")] == ["L1", "L2"]


def test_disburse_then_repay_to_close(loans) -> None:
    loans.create(_record())
    loan = loans.disburse("L1", AT)
    assert loan.status == ACTIVE and loan.outstanding_principal_fen == 300_000
    assert loans.disburse("L1", AT) == loan  # retry: no second entry
    assert len(loans.entries("L1")) == 1
    with pytest.raises(Conflict):
        loans.void("L1", AT)
    day = date(2024, 6, 20)
    _, pay = book_payment(loan.servicing(), "r1", day, payoff_quote(loan.servicing(), day))
    closed = loans.post_repayment("L1", pay, 0, loan.version, AT)
    assert closed.status == CLOSED and closed.outstanding_principal_fen == 0
    assert loans.post_repayment("L1", pay, 0, loan.version, AT) == closed  # idempotent on key
    assert balances(loans.entries("L1"))[loan_principal("L1")] == 0


def test_stale_version_is_a_conflict(loans) -> None:
    loans.create(_record())
    loan = loans.disburse("L1", AT)
    _, p1 = book_payment(loan.servicing(), "r1", date(2024, 6, 5), 10_000)
    loans.post_repayment("L1", p1, 0, loan.version, AT)
    _, p2 = book_payment(loan.servicing(), "r2", date(2024, 6, 5), 10_000)
    with pytest.raises(Conflict):
        loans.post_repayment("L1", p2, 0, loan.version, AT)


def test_void_pending_only(loans) -> None:
    loans.create(_record())
    assert loans.void("L1", AT).status == VOID
    assert loans.void("L1", AT).status == VOID
    with pytest.raises(Conflict):
        loans.disburse("L1", AT)

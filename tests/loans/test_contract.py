"""One contract for the loan store: the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.errors import Conflict, NotFound
from chalicelib.ledger.entries import balances, interest_receivable, loan_principal
from chalicelib.loans import posting
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import ACTIVE, CLOSED, VOID, WRITTEN_OFF, LoanRecord
from chalicelib.money.day_close import close_through
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
    closed = loans.post_repayment("L1", pay, loan.version, AT)
    assert closed.status == CLOSED and closed.outstanding_principal_fen == 0
    assert loans.post_repayment("L1", pay, loan.version, AT) == closed  # idempotent on key
    assert balances(loans.entries("L1"))[loan_principal("L1")] == 0


def test_stale_version_is_a_conflict(loans) -> None:
    loans.create(_record())
    loan = loans.disburse("L1", AT)
    _, p1 = book_payment(loan.servicing(), "r1", date(2024, 6, 5), 10_000)
    loans.post_repayment("L1", p1, loan.version, AT)
    _, p2 = book_payment(loan.servicing(), "r2", date(2024, 6, 5), 10_000)
    with pytest.raises(Conflict):
        loans.post_repayment("L1", p2, loan.version, AT)


def test_void_pending_only(loans) -> None:
    loans.create(_record())
    assert loans.void("L1", AT).status == VOID
    assert loans.void("L1", AT).status == VOID
    with pytest.raises(Conflict):
        loans.disburse("L1", AT)


def _active(loans) -> LoanRecord:
    loans.create(_record())
    return loans.disburse("L1", AT)


def test_a_repayment_reservation_is_held_once_and_released_once(loans) -> None:
    # GIVEN an active loan of ¥3,000 (payoff on day one: 300,000 fen + 1 day of interest)
    loan = _active(loans)
    payoff = payoff_quote(loan.servicing(), date(2024, 6, 2))
    # WHEN a repayment reserves the whole payoff (nothing reserved before it)
    held = loans.reserve_repayment("L1", "r1", payoff, payoff - payoff, loan.version)
    # THEN the loan carries it, and repeating the reservation changes nothing
    assert held.reserved_fen == payoff and held.reservations == (("r1", payoff),)
    assert loans.reserve_repayment("L1", "r1", payoff, 0, loan.version) == held
    assert held.version == loan.version  # a reservation is not a money movement
    # a second repayment admitted on the same read (it saw nothing reserved) is refused
    with pytest.raises(Conflict):
        loans.reserve_repayment("L1", "r2", 1, payoff - 1, loan.version)
    assert loans.get("L1").reservations == (("r1", payoff),)
    # WHEN it is released (twice: a retried step) THEN it is gone and the room is back
    assert loans.release_repayment("L1", "r1").reserved_fen == 0
    assert loans.release_repayment("L1", "r1").reservations == ()
    assert loans.reserve_repayment("L1", "r2", 1, payoff - 1, loan.version).reserved_fen == 1
    assert loans.entries("L1")[-1].kind == "disbursement"  # no money was booked by any of it


def test_a_reservation_needs_the_version_it_was_checked_against(loans) -> None:
    loan = _active(loans)
    _, p1 = book_payment(loan.servicing(), "r1", date(2024, 6, 5), 10_000)
    loans.post_repayment("L1", p1, loan.version, AT)
    # the payoff moved since `loan` was read: a reservation checked against it is refused
    with pytest.raises(Conflict):
        loans.reserve_repayment("L1", "r2", 10_000, 0, loan.version)
    assert loans.get("L1").reserved_fen == 0


def test_posting_a_reserved_repayment_releases_its_reservation_atomically(loans) -> None:
    loan = _active(loans)
    day = date(2024, 6, 20)
    payoff = payoff_quote(loan.servicing(), day)
    loans.reserve_repayment("L1", "r1", 50_000, payoff - 50_000, loan.version)
    loans.reserve_repayment("L1", "r2", 20_000, payoff - 20_000, loan.version)
    assert loans.get("L1").reserved_fen == 70_000
    _, pay = book_payment(loan.servicing(), "r1", day, 50_000)
    posted = loans.post_repayment("L1", pay, loan.version, AT)
    # THEN the booked repayment no longer counts as reserved; the other one still does
    assert posted.reservations == (("r2", 20_000),) and posted.reserved_fen == 20_000
    assert loans.post_repayment("L1", pay, loan.version, AT) == posted  # idempotent
    assert loans.release_repayment("L1", "r1") == posted  # nothing left to release


# --- the close of business ------------------------------------------------------------------


def test_the_open_loans_are_the_disbursed_ones_until_they_close(loans) -> None:
    # GIVEN a pending loan and two disbursed ones
    loans.create(_record("P1"))
    for loan_id in ("L1", "L2"):
        loans.create(_record(loan_id))
        loans.disburse(loan_id, AT)
    # THEN the close of business serves the two disbursed loans, listed once each
    assert sorted(loans.open_loan_ids()) == ["L1", "L2"]
    loans.disburse("L1", AT)  # a retried disbursement lists nothing twice
    assert sorted(loans.open_loan_ids()) == ["L1", "L2"]
    # WHEN one is paid off THEN it leaves the list
    loan = loans.get("L2")
    day = date(2024, 6, 20)
    _, pay = book_payment(loan.servicing(), "r1", day, payoff_quote(loan.servicing(), day))
    loans.post_repayment("L2", pay, loan.version, AT)
    assert list(loans.open_loan_ids()) == ["L1"]


def test_many_loans_are_read_in_batches_and_missing_ones_are_left_out(loans) -> None:
    ids = [f"L{i:03d}" for i in range(230)]  # three BatchGetItem calls of at most 100
    for loan_id in ids:
        loans.create(_record(loan_id))
    got = loans.get_many([*ids, "nope", ids[0]])
    assert sorted(got) == ids
    assert got["L007"] == loans.get("L007")


def test_a_close_is_booked_once_with_its_entries_and_only_on_the_version_read(loans) -> None:
    # GIVEN an active loan closed through its tenth day
    loan = _active(loans)
    close = close_through(loan.state(), date(2024, 6, 10), AT)
    booked = loans.book_close(loan, posting.close_loan(loan, close, AT), AT)
    # THEN the record carries the close and one accrual entry holds the ten days' interest
    assert booked.last_closed == date(2024, 6, 10) and loans.get("L1") == booked
    accruals = [e for e in loans.entries("L1") if e.kind == "accrual"]
    assert [e.key for e in accruals] == ["accrue:L1:2024-06-10"]
    assert balances(accruals)[interest_receivable("L1")] == close.accrual.interest_fen > 0
    assert booked.book.interest_receivable_fen == close.accrual.interest_fen
    # WHEN the same close is booked again on the old read THEN it is refused, nothing twice
    with pytest.raises(Conflict):
        loans.book_close(loan, posting.close_loan(loan, close, AT), AT)
    assert len(loans.entries("L1")) == 2
    # and a close computed on a record closed since is refused before it is written
    with pytest.raises(Conflict):
        posting.close_loan(booked, close, AT)


def test_a_close_that_writes_a_loan_off_takes_it_off_the_open_list(loans) -> None:
    loan = _active(loans)
    # never paid: 180 days past the first due date (2024-07-01) it is written off
    close = close_through(loan.state(), date(2024, 12, 31), AT)
    booked = loans.book_close(loan, posting.close_loan(loan, close, AT), AT)
    assert booked.status == WRITTEN_OFF and booked.written_off_on == date(2024, 12, 27)
    assert list(loans.open_loan_ids()) == []
    kinds = sorted(e.kind for e in loans.entries("L1"))
    assert kinds == ["accrual", "disbursement", "write-off"]
    assert balances(loans.entries("L1"))[loan_principal("L1")] == 0


def test_closes_around_a_repayment_keep_every_attribute_they_did_not_move(loans) -> None:
    # GIVEN an active loan closed through its 10th day, then repaid on its 12th by auto-debit
    loan = _active(loans)
    closed = loans.book_close(
        loan, posting.close_loan(loan, close_through(loan.state(), date(2024, 6, 10), AT), AT), AT
    )
    day = date(2024, 6, 12)
    _, pay = book_payment(closed.servicing(), "auto-L1-20240612-0", day, 50_000)
    paid = loans.post_repayment("L1", pay, closed.version, AT)
    # WHEN the nights after close the days (a write of the book and the last day closed alone)
    again = loans.book_close(
        paid, posting.close_loan(paid, close_through(paid.state(), date(2024, 6, 30), AT), AT), AT
    )
    # THEN the stored loan is the one each write computed: the payment and the principal it
    # repaid as posted, the book and the last day closed as the last close left them
    assert loans.get("L1") == again and again.payments == (pay,)
    assert again.outstanding_principal_fen == paid.outstanding_principal_fen < 300_000
    assert again.book != paid.book and again.last_closed == date(2024, 6, 30)
    assert again.version == loan.version + 3

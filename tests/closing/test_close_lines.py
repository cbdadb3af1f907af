"""The lines' part of the close of business over fakes: GIVEN a borrower's loans, WHEN nights
close them, THEN the line is frozen the night its loan goes overdue, listed while frozen,
thawed the night after the cure, reviewed on its date, and a re-run changes nothing twice."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.closing.handoffs import Failure
from chalicelib.lines.freeze import LINE_ACTIVE, LINE_FROZEN
from tests.closing.harness import START, Cob

DAY = timedelta(days=1)
DUE = date(2030, 2, 10)  # the first due date of a loan drawn on START


def test_frozen_the_night_it_goes_overdue_and_reopened_by_the_debit_that_cures_it() -> None:
    cob = Cob()
    loan = cob.lend(1)
    cob.night(DUE - DAY)
    cob.run_debit(f"auto-{loan.loan_id}-20300210-0", loan.loan_id)  # the card is empty
    closed = cob.night(DUE)  # unpaid: overdue in the morning, the line frozen the same night
    line = cob.lines.get_line("u1")
    assert line.status == LINE_FROZEN and loan.loan_id in (line.status_reason or "")
    assert cob.lines_of(DUE) == ["u1"] and cob.lines_night(DUE).linesFrozen == 0
    assert (closed.newlyOverdue, closed.linesFrozen) == (1, 1)  # frozen by the loans' close
    # the D+1 debit finds the money: cured during the day, and its Restore Line step reopens
    # the line at once (the borrower who paid can draw now, not after the night)
    order = f"auto-{loan.loan_id}-20300211-1"
    due = cob.requests.get_repayment(loan.loan_id, order)
    assert due is not None
    cob.rail.deposit("deposit:1", "card-u1", due.amount_fen)
    assert cob.run_debit(order, loan.loan_id).posted is not None
    assert cob.lines.get_line("u1").status == LINE_ACTIVE
    # that night's close has no frozen line left to serve, and a late re-run of the due
    # date's lines (served as of the morning the cure was booked) thaws nothing twice
    assert cob.lines_of(DUE + DAY) == []
    cob.night(DUE + DAY)
    assert cob.lines_night(DUE + DAY).linesThawed == 0
    again = cob.close_lines.close(["u1"], DUE, "2030-02-12T00:00:00.000Z")
    assert (again.linesThawed, again.linesFrozen) == (0, 0)
    assert cob.lines.get_line("u1").status == LINE_ACTIVE
    kinds = [c.kind for c in cob.lines.history("u1", 50, None).items]
    assert kinds.count("STATUS") == 2  # frozen once, thawed once
    changes = [c for c in cob.lines.history("u1", 50, None).items if c.kind == "STATUS"]
    # dated by the business day they take effect: the first day overdue, the cure's day
    assert [(c.status, c.on) for c in changes] == [
        ("ACTIVE", DUE + DAY),
        ("FROZEN", DUE + DAY),
    ]
    assert cob.books_ok()


def test_a_line_is_reviewed_on_its_date_once() -> None:
    cob = Cob()
    cob.lend(1)
    line = cob.lines.get_line("u1")
    review_on = line.next_review_on
    assert review_on is not None and review_on > START
    eve = review_on - 2 * DAY
    assert cob.lines_of(eve) == []
    night = review_on - DAY  # the night before the review date serves the line
    assert cob.lines_of(night) == ["u1"]
    out = cob.lines_night(night)
    assert (out.linesServed, out.linesReviewed) == (1, 1)
    after = cob.lines.get_line("u1")
    assert after.last_reviewed_on == review_on and after.next_review_on > review_on
    assert cob.lines_of(night) == []  # reviewed: the next date holds its marker
    assert cob.lines_night(night).linesReviewed == 0
    kinds = [c.kind for c in cob.lines.history("u1", 50, None).items]
    assert kinds == ["REVIEW", "OPENED"]


def test_reviews_a_failed_night_missed_are_caught_up_and_a_clean_night_reads_one_day() -> None:
    cob = Cob()
    cob.lend(1)
    review_on = cob.lines.get_line("u1").next_review_on
    assert review_on is not None
    night = review_on - DAY
    # the night that should have served the review failed: the next nights still list it
    cob.failure(Failure(businessDate=night.isoformat(), error={"Error": "States.Timeout"}))
    assert cob.lines_of(night + DAY) == ["u1"]
    # after a clean night, only the next morning's reviews are read
    cob.days.record_closed(night + DAY, {"linesNotClosed": 0}, (), "2030-02-11T00:00:00.000Z")
    assert cob.lines_of(night + 2 * DAY) == []
    # a clean night whose lines batch failed: still caught up
    cob.days.record_closed(night + DAY, {"linesNotClosed": 1}, (), "2030-02-11T00:00:00.000Z")
    assert cob.lines_of(night + 2 * DAY) == ["u1"]

"""The close-of-business steps over fakes: GIVEN loans on the books, WHEN a night closes them
(and closes them again), THEN each loan is posted or deferred once, the morning's debits start
once, and the day's record says what happened."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chalicelib.borrowing.repayment import admit
from chalicelib.borrowing.requests.port import FAILED, Repayment
from chalicelib.closing.auto_debit import COVERED, RAN_ALREADY
from chalicelib.closing.handoffs import Failure, Results
from chalicelib.closing.starter import StartCloseOfBusiness, day_to_close
from chalicelib.errors import Conflict
from chalicelib.loans.port import OVERDUE
from chalicelib.money.nightly import nightly_close
from chalicelib.money.notifications import DUE_IN_3_DAYS, DUE_TODAY, OVERDUE_DAY_1
from tests.closing.harness import AT, REPAYMENT_ARN, START, Cob, loan_id

DAY = timedelta(days=1)
DUE = date(2030, 2, 10)  # the first due date of a loan drawn on START


def test_the_work_list_is_the_open_loans_sorted_under_the_day_s_prefix() -> None:
    cob = Cob()
    for n in (3, 1, 2):
        cob.lend(n)
    cob.lend(9, disburse=False)  # a draw still being paid out is not on the books yet
    ids = cob.work(date(2030, 1, 20))
    assert ids == [loan_id(n) for n in (1, 2, 3)]
    assert "close-of-business/2030-01-20/work-list.json" in cob.files.files


def test_a_quiet_night_writes_nothing_and_a_due_date_posts_its_days() -> None:
    cob = Cob()
    loan = cob.lend(1)
    quiet = cob.night(date(2030, 1, 20))
    assert (quiet.model_extra or {})["deferred"] == 1
    assert cob.loans.get(loan.loan_id).version == loan.version  # nothing written
    assert [e.kind for e in cob.loans.entries(loan.loan_id)] == ["disbursement"]
    # the month end posts the days from the draw
    month_end = cob.night(date(2030, 1, 31))
    assert (month_end.model_extra or {})["processed"] == 1
    after = cob.loans.get(loan.loan_id)
    assert after.last_closed == date(2030, 1, 31) and after.version == loan.version + 1
    assert [e.key for e in cob.loans.entries(loan.loan_id) if e.kind == "accrual"] == [
        f"accrue:{loan.loan_id}:2030-01-31"
    ]
    assert cob.books_ok()


def test_the_eve_of_a_due_date_starts_the_auto_debit_and_a_rerun_changes_nothing() -> None:
    cob = Cob()
    loan = cob.lend(1)
    eve = DUE - DAY
    first = cob.night(eve)
    order_id = f"auto-{loan.loan_id}-20300210-0"
    # the debit is a repayment like any other: recorded, admitted on the loan, started by name
    rep = cob.requests.get_repayment(loan.loan_id, order_id)
    assert rep is not None and rep.on == DUE.isoformat() and rep.amount_fen > 0
    assert cob.loans.get(loan.loan_id).reservation(order_id) == rep.amount_fen
    assert cob.workflows.started == [
        (REPAYMENT_ARN, order_id, {"loanId": loan.loan_id, "repaymentId": order_id})
    ]
    assert (first.model_extra or {})["ordered"] == 1
    # and the borrower hears the installment is due today
    kinds = {n.notification.kind for n in cob.store.inbox("u1", None, 10).items}
    assert DUE_TODAY in kinds
    # WHEN the night runs again THEN nothing is written, reserved, started or told twice
    before = (cob.loans.get(loan.loan_id), list(cob.workflows.started), len(cob.bus.entries))
    again = cob.night(eve)
    assert (again.model_extra or {})["alreadyClosed"] == 1 or (again.model_extra or {})[
        "deferred"
    ] == 1
    assert (cob.loans.get(loan.loan_id), cob.workflows.started, len(cob.bus.entries)) == before
    assert cob.books_ok()


def test_reminders_come_three_days_before_and_on_the_first_day_overdue() -> None:
    cob = Cob()
    cob.lend(1)
    cob.night(DUE - 4 * DAY)
    assert [n.notification.kind for n in cob.store.inbox("u1", None, 10).items] == [DUE_IN_3_DAYS]
    cob.night(DUE)  # unpaid at the end of the due date: overdue the next morning
    newest = cob.store.inbox("u1", None, 10).items[0].notification
    assert newest.kind == OVERDUE_DAY_1 and newest.on == DUE + DAY
    assert cob.loans.get(loan_id(1)).status == OVERDUE


def test_a_debit_is_never_placed_twice_even_once_it_ended() -> None:
    cob = Cob()
    loan = cob.lend(1)
    cob.night(DUE - DAY)
    order_id = f"auto-{loan.loan_id}-20300210-0"
    # the debit ran and failed: its reservation released, its request FAILED
    cob.loans.release_repayment(loan.loan_id, order_id)
    cob.requests.end_repayment(loan.loan_id, order_id, FAILED, "CollectionDeclined", AT)
    # a re-run of the night (its record of the loan says it is due) places nothing again
    order = cob.close.loans.get(loan.loan_id)
    night = nightly_close(order.state(), DUE - DAY, AT)
    assert night.collection is not None
    assert cob.debits.place(night.collection, order) == RAN_ALREADY
    assert cob.loans.get(loan.loan_id).reserved_fen == 0
    assert len(cob.workflows.started) == 1


def test_the_borrower_s_own_repayment_under_way_covers_the_debit() -> None:
    cob = Cob()
    loan = cob.lend(1)
    night = nightly_close(loan.state(), DUE - DAY, AT)
    assert night.collection is not None
    # the borrower asked to repay at least what is due, and it is still running
    admit(
        cob.loans,
        loan_id=loan.loan_id,
        repayment_id="rep_" + "1" * 26,
        amount_fen=night.collection.amount_fen,
        on=DUE.isoformat(),
    )
    assert cob.debits.place(night.collection, cob.loans.get(loan.loan_id)) == COVERED
    assert cob.workflows.started == []


def test_a_broken_loan_is_named_and_the_rest_of_its_batch_closes() -> None:
    cob = Cob()
    good = cob.lend(1)
    out = cob.night(date(2030, 1, 31), [good.loan_id, loan_id(404)])
    assert out.failedLoans == [loan_id(404)]
    assert (out.model_extra or {})["errors"] == 1 and (out.model_extra or {})["processed"] == 1
    assert cob.loans.get(good.loan_id).last_closed == date(2030, 1, 31)


def test_a_loan_that_moved_under_its_close_is_read_again_and_closed_once() -> None:
    cob = Cob()
    loan = cob.lend(1)
    book_close = cob.loans.book_close
    moved = []

    def racing(before, booking, at):  # type: ignore[no-untyped-def]
        if not moved:  # a repayment is booked between the batch's read and the close's write
            moved.append(True)
            cob.loans.reserve_repayment(loan.loan_id, "rep_x", 1, 10**9, before.version)
            raise Conflict("moved")
        return book_close(before, booking, at)

    cob.loans.book_close = racing  # type: ignore[method-assign]
    out = cob.night(date(2030, 1, 31))
    assert (out.model_extra or {})["processed"] == 1 and moved
    assert [e.kind for e in cob.loans.entries(loan.loan_id)].count("accrual") == 1


def test_the_day_s_summary_adds_the_children_and_lists_the_loans_of_failed_batches() -> None:
    cob = Cob()
    base = "close-of-business/2030-01-31/results/run/"
    ok = [
        {
            "Input": json.dumps({"Items": ["a", "b"]}),
            "Output": json.dumps({"processed": 2, "accruedInterestFen": 100, "failedLoans": []}),
        },
        {
            "Input": json.dumps({"Items": ["c"]}),
            "Output": json.dumps({"processed": 0, "errors": 1, "failedLoans": ["c"]}),
        },
    ]
    bad = [{"Input": json.dumps({"Items": ["d", "e"]}), "Error": "StoreBusy", "Cause": "x"}]
    cob.files.put_json(base + "SUCCEEDED_0.json", ok)
    cob.files.put_json(base + "FAILED_0.json", bad)
    cob.files.put_json(
        base + "manifest.json",
        {
            "ResultFiles": {
                "SUCCEEDED": [{"Key": base + "SUCCEEDED_0.json"}],
                "FAILED": [{"Key": base + "FAILED_0.json"}],
                "PENDING": [],
            }
        },
    )
    out = cob.summary(
        Results.model_validate(
            {
                "businessDate": "2030-01-31",
                "results": {"Bucket": cob.files.bucket, "Key": base + "manifest.json"},
            }
        )
    )
    assert out["processed"] == 2 and out["accruedInterestFen"] == 100 and out["errors"] == 1
    assert out["failedBatches"] == 1 and out["loansNotClosed"] == 3
    recorded = cob.days.get(date(2030, 1, 31))
    assert recorded is not None and recorded.status == "CLOSED"
    assert recorded.failed_loans == ("c", "d", "e") and recorded.summary == out


def test_a_failed_night_is_recorded_not_closed_with_its_error() -> None:
    cob = Cob()
    out = cob.failure(
        Failure.model_validate(
            {
                "businessDate": "2030-01-31",
                "error": {"Error": "States.ExceedToleratedFailureThreshold", "Cause": "too many"},
            }
        )
    )
    assert out == {"status": "NOT_CLOSED", "error": "States.ExceedToleratedFailureThreshold"}
    day = cob.days.get(date(2030, 1, 31))
    assert day is not None and day.cause == "too many"


def test_the_night_after_midnight_in_shanghai_closes_the_day_that_ended() -> None:
    # 00:30 on 2030-03-02 in Beijing is 16:30 UTC on 2030-03-01
    assert day_to_close("2030-03-01T16:30:00Z", lambda: date(1999, 1, 1)) == date(2030, 3, 1)
    # a manual start without the schedule's time closes yesterday's business date
    assert day_to_close(None, lambda: date(2030, 3, 2)) == date(2030, 3, 1)
    cob = Cob()
    start = StartCloseOfBusiness(cob.workflows, "arn:cob", lambda: date(2030, 3, 2))
    assert start({"scheduledTime": "2030-03-01T16:30:00Z"})["businessDate"] == "2030-03-01"
    start({})  # a second start of the same day is the same execution
    assert cob.workflows.started == [("arn:cob", "2030-03-01", {"businessDate": "2030-03-01"})]
    with pytest.raises(ValueError):
        day_to_close("2030-03-01T16:30:00", lambda: date(2030, 3, 2))


# -- the debit runs on the one collection path -------------------------------------------------


def test_an_empty_card_then_a_partial_debit_then_a_cure_on_the_retry_schedule() -> None:
    cob = Cob()
    loan = cob.lend(1)
    card = "card-u1"
    # due date: the card is empty, the debit is declined (nothing taken, nothing reserved)
    cob.night(DUE - DAY)
    first = cob.run_debit(f"auto-{loan.loan_id}-20300210-0", loan.loan_id)
    assert first.result is not None and first.result.status == FAILED
    assert cob.loans.get(loan.loan_id).reserved_fen == 0
    failed = cob.store.inbox("u1", None, 1).items[0].notification
    assert failed.kind == "COLLECTION_FAILED" and failed.data["nextAttempt"] == "2030-02-11"
    out = cob.night(DUE)
    assert (out.model_extra or {})["failed"] == 1 and (out.model_extra or {})["newlyOverdue"] == 1
    # D+1: the card holds half of what is due: half is taken, the loan stays overdue
    due = cob.requests.get_repayment(loan.loan_id, f"auto-{loan.loan_id}-20300211-1")
    assert due is not None
    cob.rail.deposit("deposit:1", card, due.amount_fen // 2)
    partial = cob.run_debit(due.repayment_id, loan.loan_id)
    assert partial.collection is not None and partial.collection.amountFen == due.amount_fen // 2
    out = cob.night(DUE + DAY)
    assert (out.model_extra or {})["partial"] == 1
    assert cob.loans.get(loan.loan_id).status == OVERDUE
    # nothing on D+2 (not a retry day); D+3: money is there and the loan is cured
    cob.night(DUE + 2 * DAY)
    assert cob.requests.get_repayment(loan.loan_id, f"auto-{loan.loan_id}-20300212-1") is None
    retry = cob.requests.get_repayment(loan.loan_id, f"auto-{loan.loan_id}-20300213-2")
    assert retry is not None
    cob.rail.deposit("deposit:2", card, 10_000_00)
    cured = cob.run_debit(retry.repayment_id, loan.loan_id)
    assert cured.posted is not None and cured.posted.status == "ACTIVE"
    assert cob.rail.balance(card) == 10_000_00 - retry.amount_fen  # never more than was due
    out = cob.night(DUE + 3 * DAY)
    assert (out.model_extra or {})["collected"] == 1
    assert cob.books_ok()


def test_a_debit_finds_nothing_to_collect_once_the_borrower_paid() -> None:
    cob = Cob()
    loan = cob.lend(1)
    cob.night(DUE - DAY)
    order_id = f"auto-{loan.loan_id}-20300210-0"
    # the borrower paid all that is due before the debit ran
    held = cob.loans.get(loan.loan_id).reservation(order_id) or 0
    cob.rail.deposit("deposit:own", "card-u1", held)
    own = "rep_" + "2" * 26
    admit(cob.loans, loan_id=loan.loan_id, repayment_id=own, amount_fen=held, on=DUE.isoformat())
    cob.requests.add_repayment(Repayment(own, loan.loan_id, "u1", held, DUE.isoformat(), AT))
    cob.run_debit(own, loan.loan_id)
    debit = cob.run_debit(order_id, loan.loan_id)
    assert debit.error == {"Error": "NothingToCollect"}
    assert cob.rail.balance("card-u1") == 0 and cob.loans.get(loan.loan_id).reserved_fen == 0
    assert cob.books_ok()


def test_nothing_is_started_for_a_loan_drawn_today() -> None:
    cob = Cob()
    cob.lend(1, start=START)
    out = cob.night(START)
    assert cob.workflows.started == [] and (out.model_extra or {})["processed"] == 0

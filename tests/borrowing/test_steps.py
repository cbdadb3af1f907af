"""The disbursement and repayment steps over fakes: GIVEN a line and a sandbox bank, WHEN steps
run (and re-run) with the workflow's state, THEN money moves once and compensation undoes only
what never moved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from chalicelib.books.check import check_ledger_items
from chalicelib.borrowing.bank import account_ref
from chalicelib.borrowing.disbursement import DisbursementSteps
from chalicelib.borrowing.handoffs import DrawState, Notified, RepaymentState
from chalicelib.borrowing.repayment import RepaymentSteps, admit
from chalicelib.borrowing.requests.memory import InMemoryMoneyRequests
from chalicelib.borrowing.requests.port import Draw, Repayment
from chalicelib.errors import (
    CollectionDeclined,
    CollectionOutcomeUnknown,
    Conflict,
    NotificationsNotPublished,
    PayoutDeclined,
    PayoutOutcomeUnknown,
    Unprocessable,
)
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.standing import standing_on
from chalicelib.money.servicing import position
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.notifications.service import NotificationService
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import INSUFFICIENT_FUNDS, PAYOUT
from chalicelib.rail.sandbox import Faults, SandboxRail

LOAN = "loan_" + "0" * 26
START = "2024-06-01"


def rep_id(n: int) -> str:
    return f"rep_{n:026d}"


@dataclass
class Money:
    requests: InMemoryMoneyRequests
    lines: InMemoryCreditLines
    loans: InMemoryLoans
    rail: SandboxRail
    disbursement: DisbursementSteps
    repayment: RepaymentSteps
    notices: NotificationService
    bus: InMemoryEventBus

    def clean(self) -> bool:
        return check_ledger_items([*self.lines.items(), *self.loans.items()]).ok


def money(faults: Faults | None = None, user: str = "u") -> Money:
    requests, lines, loans = InMemoryMoneyRequests(), InMemoryCreditLines(), InMemoryLoans()
    rail = SandboxRail(InMemoryRailBook(), faults or Faults())
    lines.open_line(user, 1_000_000, Decimal("0.12"), "B", "app")
    now = lambda: "2024-06-01T00:00:00.000Z"  # noqa: E731
    bus = InMemoryEventBus()
    notices = NotificationService(InMemoryNotificationStore(), bus, now)
    return Money(
        requests,
        lines,
        loans,
        rail,
        DisbursementSteps(requests, lines, loans, rail, now),
        RepaymentSteps(requests, lines, loans, rail, now, notices.notify),
        notices,
        bus,
    )


def contract(m: Money, user: str = "u", amount: int = 300_000) -> DrawState:
    """Reserve Line and Create Contract, as the workflow runs them; the state after."""
    m.requests.add_draw(
        Draw(LOAN, user, amount, 6, "equal-installment", START, Decimal("0.12"), "t")
    )
    state = DrawState(loanId=LOAN)
    state = state.model_copy(update={"draw": m.disbursement.reserve_line(state)})
    assert m.disbursement.create_contract(state).status == "PENDING"
    return state


def disbursed(m: Money) -> DrawState:
    state = contract(m)
    state = state.model_copy(update={"payout": m.disbursement.pay_out(state)})
    assert m.disbursement.post_ledger(state).status == "ACTIVE"
    return state


def repayment(m: Money, n: int, amount: int, on: str, *, deposit: bool = True) -> RepaymentState:
    """Admit and quote a repayment; the borrower first deposits what it asks for (the sandbox
    bank's account holds only the payout and what was deposited)."""
    if deposit:
        m.rail.deposit(f"deposit:{rep_id(n)}", account_ref("u"), amount)
    admit(m.loans, loan_id=LOAN, repayment_id=rep_id(n), amount_fen=amount, on=on)
    m.requests.add_repayment(Repayment(rep_id(n), LOAN, "u", amount, on, "t"))
    state = RepaymentState(loanId=LOAN, repaymentId=rep_id(n))
    return state.model_copy(update={"quote": m.repayment.quote_repayment(state)})


def collected(m: Money, state: RepaymentState) -> RepaymentState:
    return state.model_copy(update={"collection": m.repayment.collect_repayment(state)})


def test_happy_draw_and_repayment_each_step_safe_to_repeat() -> None:
    m = money()
    state = contract(m)
    assert m.disbursement.create_contract(state).status == "PENDING"  # a retry
    assert m.disbursement.pay_out(state) == m.disbursement.pay_out(state)
    state = state.model_copy(update={"payout": m.disbursement.pay_out(state)})
    assert m.disbursement.post_ledger(state) == m.disbursement.post_ledger(state)
    assert m.loans.get(LOAN).outstanding_principal_fen == 300_000
    assert m.rail.moved()[PAYOUT] == 300_000
    r = repayment(m, 1, 50_000, "2024-06-11")
    assert (r.quote.interestFen, r.quote.principalFen) == (1_000, 49_000)  # 300,000 x 12%/360 x 10
    r = collected(m, r)
    posted = m.repayment.post_repayment(r)
    assert posted == m.repayment.post_repayment(r)
    r = r.model_copy(update={"posted": posted})
    assert m.repayment.restore_line(r).status == "SUCCEEDED"
    assert m.repayment.restore_line(r).status == "SUCCEEDED"
    assert m.lines.get_line("u").available_fen == 749_000
    assert m.clean()


def test_declined_payout_is_compensated_and_never_paid() -> None:
    m = money(Faults(decline=1.0))
    state = contract(m)
    with pytest.raises(PayoutDeclined):
        m.disbursement.pay_out(state)
    m.disbursement.void_contract(state)
    m.disbursement.release_line(state)
    assert m.lines.get_line("u").available_fen == 1_000_000
    failed = m.disbursement.record_failure(
        state.model_copy(update={"error": {"Error": "PayoutDeclined"}})
    )
    assert (failed.status, failed.failure) == ("FAILED", "PayoutDeclined")
    assert m.rail.moved()[PAYOUT] == 0 and m.clean()


def test_unknown_outcome_is_resolved_by_status_not_by_paying_again() -> None:
    m = money(Faults(timeout_after=1.0))
    state = contract(m)
    # the bank moved the money, then timed out: the step learns it from status()
    assert m.disbursement.pay_out(state).status == "settled"
    assert m.rail.moved()[PAYOUT] == 300_000
    with pytest.raises(Conflict):
        m.disbursement.release_line(state)  # money went out: no compensation
    with pytest.raises(Conflict):
        m.disbursement.void_contract(state)
    assert m.disbursement.record_failure(state).status == "STUCK"


def test_bank_never_reached_stays_unknown_and_nothing_is_booked() -> None:
    m = money(Faults(error_5xx=1.0))
    state = contract(m)
    with pytest.raises(PayoutOutcomeUnknown):
        m.disbursement.pay_out(state)
    with pytest.raises(PayoutOutcomeUnknown):
        m.disbursement.post_ledger(state)  # nothing is booked without a settled payout


def test_reservation_beyond_the_line_is_unprocessable() -> None:
    m = money()
    m.requests.add_draw(
        Draw(LOAN, "u", 1_000_001, 6, "equal-installment", START, Decimal("0.12"), "t")
    )
    with pytest.raises(Unprocessable):
        m.disbursement.reserve_line(DrawState(loanId=LOAN))


def test_post_repayment_needs_a_settled_collection() -> None:
    m = money()
    disbursed(m)
    r = repayment(m, 9, 10_000, "2024-06-02")
    with pytest.raises(CollectionOutcomeUnknown):
        m.repayment.post_repayment(r)


def test_money_collected_after_payoff_goes_to_suspense_not_lost() -> None:
    m = money()
    disbursed(m)
    payoff = position(m.loans.get(LOAN).servicing(), dt.date(2024, 6, 5)).payoff_fen
    # two repayments admitted against the same balance before either was reserved (a race the
    # admission would refuse today), both collected
    r1 = repayment(m, 1, payoff, "2024-06-05")
    m.loans.release_repayment(LOAN, rep_id(1))
    r2 = repayment(m, 2, 5_000, "2024-06-05")
    r1, r2 = collected(m, r1), collected(m, r2)
    assert m.repayment.post_repayment(r1).status == "CLOSED"
    late = m.repayment.post_repayment(r2)
    assert late.suspenseFen == 5_000 and late.principalFen == 0
    for r, p in ((r1, m.repayment.post_repayment(r1)), (r2, late)):
        m.repayment.restore_line(r.model_copy(update={"posted": p}))
    report = check_ledger_items([*m.lines.items(), *m.loans.items()])
    assert report.ok and report.balances["overpayment_suspense:u"] == -5_000
    assert m.lines.get_line("u").available_fen == 1_000_000


def test_a_repayment_reserves_at_admission_and_a_collected_one_keeps_its_reservation() -> None:
    m = money()
    disbursed(m)
    payoff = position(m.loans.get(LOAN).servicing(), dt.date(2024, 6, 5)).payoff_fen
    # GIVEN a payoff admitted: nothing more fits, and a repeat of the admission is a no-op
    r1 = repayment(m, 1, payoff, "2024-06-05")
    admit(m.loans, loan_id=LOAN, repayment_id=rep_id(1), amount_fen=payoff, on="2024-06-05")
    with pytest.raises(Unprocessable):
        admit(m.loans, loan_id=LOAN, repayment_id=rep_id(2), amount_fen=1, on="2024-06-05")
    # WHEN the bank took the money but a later step failed (STUCK)
    r1 = collected(m, r1)
    assert m.repayment.record_failure(r1).status == "STUCK"
    assert m.loans.get(LOAN).reserved_fen == payoff
    # THEN booking it drops the reservation with the payment, and the loan closes
    assert m.repayment.post_repayment(r1).status == "CLOSED"
    assert m.loans.get(LOAN).reservations == ()


def test_a_failed_repayment_with_no_money_taken_frees_its_reservation() -> None:
    m = money()
    disbursed(m)
    r = repayment(m, 1, 10_000, "2024-06-05")
    assert m.loans.get(LOAN).reserved_fen == 10_000
    ended = m.repayment.record_failure(
        r.model_copy(update={"error": {"Error": "CollectionDeclined"}})
    )
    assert (ended.status, ended.failure) == ("FAILED", "CollectionDeclined")
    assert m.loans.get(LOAN).reserved_fen == 0


def test_a_collection_takes_what_the_account_holds_and_books_exactly_that() -> None:
    # GIVEN the borrower spent the payout and has ¥200 on the card
    m = money()
    disbursed(m)
    card = account_ref("u")
    m.rail.withdraw("withdraw:spent", card, m.rail.balance(card) - 20_000)
    # WHEN a repayment of ¥500 is collected
    r = collected(m, repayment(m, 1, 50_000, "2024-06-11", deposit=False))
    # THEN the bank takes the ¥200 it holds, never more; the repayment books ¥200
    assert r.collection.amountFen == 20_000 and m.rail.balance(card) == 0
    assert m.rail.status(f"collect:{rep_id(1)}").short_fen == 30_000
    posted = m.repayment.post_repayment(r)
    assert (posted.interestFen, posted.principalFen) == (1_000, 19_000)
    assert m.repayment.restore_line(r.model_copy(update={"posted": posted})).status == "SUCCEEDED"
    loan = m.loans.get(LOAN)
    assert loan.reservations == () and loan.outstanding_principal_fen == 300_000 - 19_000
    assert m.lines.get_line("u").available_fen == 700_000 + 19_000
    assert m.rail.moved()["collect"] == 20_000 and m.clean()


def test_a_collection_from_an_empty_account_is_declined_for_insufficient_funds() -> None:
    # GIVEN the card is empty
    m = money()
    disbursed(m)
    card = account_ref("u")
    m.rail.withdraw("withdraw:all", card, m.rail.balance(card))
    r = repayment(m, 1, 10_000, "2024-06-05", deposit=False)
    # WHEN the repayment is collected THEN the bank declines it, naming why, and takes nothing
    with pytest.raises(CollectionDeclined, match="INSUFFICIENT_FUNDS"):
        m.repayment.collect_repayment(r)
    assert m.rail.status(f"collect:{rep_id(1)}").reason == INSUFFICIENT_FUNDS
    ended = m.repayment.record_failure(
        r.model_copy(update={"error": {"Error": "CollectionDeclined"}})
    )
    # and the repayment fails with its reservation released; a deposit later does not revive it
    assert (ended.status, m.loans.get(LOAN).reserved_fen) == ("FAILED", 0)
    m.rail.deposit("deposit:late", card, 10_000)
    with pytest.raises(CollectionDeclined):
        m.repayment.collect_repayment(r)
    assert m.rail.moved()["collect"] == 0 and m.clean()


def test_a_repayment_collected_tells_the_borrower_once() -> None:
    m = money()
    disbursed(m)
    r = collected(m, repayment(m, 1, 50_000, "2024-06-11"))
    r = r.model_copy(update={"posted": m.repayment.post_repayment(r)})
    r = r.model_copy(update={"restored": m.repayment.restore_line(r)})
    told = m.repayment.notify_borrower(r)
    assert (told.sent, told.stored, told.published) == (1, 1, 1)
    assert m.repayment.notify_borrower(r) == Notified(sent=1, stored=0, published=0)  # a retry
    (n,) = [s.notification for s in m.notices.inbox("u", None, 20).items]
    assert (n.kind, n.subject, n.on) == ("COLLECTED", rep_id(1), dt.date(2024, 6, 11))
    assert n.data == {"loanId": LOAN, "collectedFen": 50_000}
    assert m.bus.keys() == [n.key]


def test_a_declined_collection_tells_the_borrower_and_other_failures_do_not() -> None:
    m = money()
    disbursed(m)
    r = repayment(m, 1, 10_000, "2024-06-05")
    declined = r.model_copy(update={"error": {"Error": "CollectionDeclined"}})
    declined = declined.model_copy(update={"result": m.repayment.record_failure(declined)})
    assert m.repayment.notify_borrower(declined).sent == 1
    (n,) = [s.notification for s in m.notices.inbox("u", None, 20).items]
    assert n.kind == "COLLECTION_FAILED"
    assert n.data == {"loanId": LOAN, "collectedFen": 0, "shortFen": 10_000}
    r2 = repayment(m, 2, 10_000, "2024-06-05")
    ours = r2.model_copy(update={"error": {"Error": "States.Timeout"}})
    ours = ours.model_copy(update={"result": m.repayment.record_failure(ours)})
    assert m.repayment.notify_borrower(ours) == Notified(sent=0, stored=0, published=0)
    assert len(m.bus.keys()) == 1


def test_a_bus_that_refuses_makes_the_step_retry_and_the_retry_sends_only_that() -> None:
    m = money()
    disbursed(m)
    r = collected(m, repayment(m, 1, 50_000, "2024-06-11"))
    r = r.model_copy(update={"posted": m.repayment.post_repayment(r)})
    r = r.model_copy(update={"restored": m.repayment.restore_line(r)})
    m.bus.refuse = 1
    with pytest.raises(NotificationsNotPublished):
        m.repayment.notify_borrower(r)
    assert m.repayment.notify_borrower(r) == Notified(sent=1, stored=0, published=1)
    assert len(m.bus.keys()) == 1


def _repaid(m: Money, n: int, amount: int, on: str) -> None:
    """One repayment through its steps, Restore Line run twice (a retry)."""
    r = collected(m, repayment(m, n, amount, on))
    r = r.model_copy(update={"posted": m.repayment.post_repayment(r)})
    assert m.repayment.restore_line(r).status == "SUCCEEDED"
    assert m.repayment.restore_line(r).status == "SUCCEEDED"


def test_a_repayment_that_cures_the_last_overdue_installment_reopens_the_frozen_line() -> None:
    # GIVEN a loan whose first installment (due 2024-07-01) is unpaid on 2024-07-05, and its
    # line frozen for it, as the close of business froze it
    m = money()
    disbursed(m)
    day = dt.date(2024, 7, 5)
    st = standing_on(m.loans.get(LOAN), day)
    assert st is not None and st.status == "OVERDUE" and st.due_fen > 0
    m.lines.set_status("u", "FROZEN", "overdue", "2024-07-02T00:00:00.000Z", "line-FROZEN-u-1")
    # WHEN the borrower repays less than what is due
    _repaid(m, 1, st.due_fen // 2, day.isoformat())
    # THEN the loan is still overdue and the line stays frozen
    assert m.lines.get_line("u").status == "FROZEN"
    # WHEN the rest is repaid the same day
    rest = standing_on(m.loans.get(LOAN), day)
    assert rest is not None and rest.status == "OVERDUE"
    _repaid(m, 2, rest.due_fen, day.isoformat())
    # THEN the line is open at once, dated the repayment's day under the close's change id
    # (the night's close of that morning cannot thaw it a second time), and once only
    line = m.lines.get_line("u")
    assert line.status == "ACTIVE"
    (thaw,) = [c for c in m.lines.history("u", 50, None).items if c.status_before == "FROZEN"]
    assert (thaw.change_id, thaw.on) == ("line-ACTIVE-u-20240705", day)
    assert m.clean()


def test_a_repayment_leaves_a_line_frozen_by_another_overdue_loan_frozen() -> None:
    # GIVEN two loans of the borrower overdue on 2024-07-05 (the second: the first's record as
    # it stands then, under another id), the line frozen for them
    m = money()
    disbursed(m)
    day = dt.date(2024, 7, 5)
    other = dataclasses.replace(m.loans.get(LOAN), loan_id="loan_" + "1" * 26)
    listed = m.loans.for_user
    m.loans.for_user = lambda user: [*listed(user), other]  # type: ignore[method-assign]
    m.lines.set_status("u", "FROZEN", "overdue", "2024-07-02T00:00:00.000Z", "line-FROZEN-u-1")
    # WHEN the first loan's whole due amount is repaid
    st = standing_on(m.loans.get(LOAN), day)
    assert st is not None and st.status == "OVERDUE"
    _repaid(m, 1, st.due_fen, day.isoformat())
    # THEN that loan is cured, and the line waits for the other
    cured = standing_on(m.loans.get(LOAN), day)
    assert cured is not None and cured.status != "OVERDUE"
    assert m.lines.get_line("u").status == "FROZEN"

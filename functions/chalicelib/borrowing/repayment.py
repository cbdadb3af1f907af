"""Repayments: admission (the API reserves the amount on the loan) and the steps of
statemachines/repayment.asl.json, one method each.

    Quote Repayment -> Collect Repayment -> Post Repayment -> Restore Line
      -> Notify Borrower ('collected')
    any failure: Record Failure (FAILED and the reservation released when no money was taken;
    STUCK, the reservation kept, when the bank took it) -> Notify Borrower of Failure
    ('collection failed' when the bank declined)

Quote Repayment reads the request and hands its terms on (handoffs.RepaymentState); each step is
safe under retries and moves money at most once (rail key `collect:{repaymentId}`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ..amounts import fen_to_yuan
from ..errors import (
    CollectionDeclined,
    CollectionOutcomeUnknown,
    Conflict,
    NotFound,
    NothingToCollect,
    NotificationsNotPublished,
    PostingContention,
    Unprocessable,
)
from ..lines.freeze import LINE_FROZEN
from ..lines.port import CreditLine, CreditLines
from ..lines.servicing import reopen_if_cured
from ..loans.port import DISBURSED, REPAYABLE, LoanRecord, Loans
from ..loans.standing import standing_on
from ..money.collections import is_auto_debit, next_retry_day
from ..money.notifications import Notification, repayment_notifications
from ..money.servicing import DEFAULT_ORDER, Payment, allocate, position
from ..notifications.service import Delivery
from ..rail.port import DECLINED, SETTLED, Rail
from .bank import account_ref, collect_key, settled, transfer_once
from .handoffs import Ended, Notified, Posted, RepaymentState, RepaymentTerms, Transfer
from .requests.port import FAILED, STUCK, SUCCEEDED, MoneyRequests

log = logging.getLogger(__name__)

ADMIT_ATTEMPTS = 8
POST_ATTEMPTS = 12  # then PostingContention, which the ASL retries with backoff


def backoff(attempt: int, base: float = 0.01, cap: float = 0.5) -> None:
    """Full jitter (AWS's advice for optimistic retries): racing writers spread out instead of
    colliding again in step."""
    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))


def posting_day(loan: LoanRecord, on: date) -> date:
    """A repayment is booked on its day, but never back-dated before one booked already."""
    return max(on, loan.payments[-1].on) if loan.payments else on


def admit(
    loans: Loans,
    *,
    loan_id: str,
    repayment_id: str,
    amount_fen: int,
    on: str,
    read: LoanRecord | None = None,
) -> LoanRecord:
    """Admit a repayment: reserve its amount against the loan, so that what is reserved and not
    yet booked never exceeds the payoff. The check is the condition of one DynamoDB write (see
    `Loans.reserve_repayment`), so concurrent admissions cannot all pass it. Unprocessable when
    the amount does not fit; idempotent on repayment_id. `read`: the loan as the caller just
    read it, used for the first attempt instead of reading it again."""
    if type(amount_fen) is not int or amount_fen <= 0:
        raise Unprocessable("a repayment must be a positive integer of fen", field="amount")
    for attempt in range(ADMIT_ATTEMPTS):
        loan = read if attempt == 0 and read is not None else loans.get(loan_id)
        if loan.reservation(repayment_id) is not None or loan.payment(repayment_id) is not None:
            return loan
        if loan.status not in REPAYABLE:
            raise Conflict(f"loan {loan_id} is {loan.status}")
        payoff = position(loan.servicing(), posting_day(loan, date.fromisoformat(on))).payoff_fen
        room = payoff - loan.reserved_fen
        if amount_fen > room:
            raise Unprocessable(
                f"amount {fen_to_yuan(amount_fen)} is more than the {fen_to_yuan(max(room, 0))} "
                "that pays the loan off today"
                + (
                    f" ({fen_to_yuan(loan.reserved_fen)} is being repaid already)"
                    if loan.reserved_fen
                    else ""
                ),
                field="amount",
            )
        try:
            return loans.reserve_repayment(
                loan_id, repayment_id, amount_fen, payoff - amount_fen, loan.version
            )
        except Conflict:
            # another repayment was reserved or booked since the read: look again, a little later
            backoff(attempt)
    raise Conflict(f"loan {loan_id} is busy with other repayments; retry shortly")


def _terms(state: RepaymentState) -> RepaymentTerms:
    if state.quote is None:
        raise Conflict(f"repayment {state.repaymentId}: its terms are not in the state")
    return state.quote


@dataclass
class RepaymentSteps:
    requests: MoneyRequests
    lines: CreditLines
    loans: Loans
    rail: Rail
    now: Callable[[], str]
    notify: Callable[[Iterable[Notification]], Delivery]

    def quote_repayment(self, state: RepaymentState) -> RepaymentTerms:
        """The request's terms and how they would be allocated on its day. Unprocessable when
        the loan is no longer ACTIVE."""
        r = self.requests.get_repayment(state.loanId, state.repaymentId)
        if r is None:
            raise NotFound(f"no repayment request {state.repaymentId}")
        loan = self.loans.get(state.loanId)
        if loan.status not in REPAYABLE:
            raise Unprocessable(f"loan {state.loanId} is {loan.status}")
        on = date.fromisoformat(r.on)
        amount, next_attempt = r.amount_fen, None
        if is_auto_debit(state.repaymentId):
            amount, next_attempt = auto_debit_amount(loan, state.repaymentId, r.amount_fen, on)
        a = allocate(loan.servicing(), on, amount, DEFAULT_ORDER)
        return RepaymentTerms(
            userId=r.user_id,
            amountFen=amount,
            on=r.on,
            penaltyFen=a.penalty_fen,
            interestFen=a.interest_fen,
            principalFen=a.principal_fen,
            nextAttempt=next_attempt,
        )

    def collect_repayment(self, state: RepaymentState) -> Transfer:
        """Debit the borrower. Raises CollectionDeclined or CollectionOutcomeUnknown (retry)."""
        t = _terms(state)
        key = collect_key(state.repaymentId)
        r = transfer_once(
            self.rail,
            key,
            lambda: self.rail.collect(key, account_ref(t.userId), t.amountFen),
            CollectionOutcomeUnknown,
        )
        if r.status == DECLINED:
            raise CollectionDeclined(f"collection {key} declined: {r.reason}")
        return Transfer(status="settled", amountFen=r.amount_fen)

    def post_repayment(self, state: RepaymentState) -> Posted:
        """Book the collected money against the loan: allocated on the loan as it is when booked
        (re-read and re-allocated when another posting or a close got there first, with jittered
        backoff; PostingContention, which the workflow retries, if it keeps losing); anything
        above the payoff by then goes to the borrower's overpayment suspense account, so
        collected money is never lost and never booked twice (the payment key)."""
        t = _terms(state)
        collected = self.rail.status(collect_key(state.repaymentId))
        if collected is None:
            raise CollectionOutcomeUnknown(f"no collection known for {state.repaymentId}")
        if collected.status != SETTLED:
            raise CollectionDeclined(f"collection for {state.repaymentId} was declined")
        for attempt in range(POST_ATTEMPTS):
            loan = self.loans.get(state.loanId)
            booked = loan.payment(state.repaymentId)
            if booked is not None:
                return _posted(loan, booked)
            if loan.status not in DISBURSED:
                raise Unprocessable(f"loan {state.loanId} is {loan.status}")
            servicing = loan.servicing()
            day = posting_day(loan, date.fromisoformat(t.on))
            applied = min(collected.amount_fen, position(servicing, day).payoff_fen)
            a = allocate(servicing, day, applied, DEFAULT_ORDER) if applied else None
            payment = Payment(
                state.repaymentId,
                day,
                collected.amount_fen,
                a.penalty_fen if a else 0,
                a.interest_fen if a else 0,
                a.principal_fen if a else 0,
            )
            try:
                loan = self.loans.post_repayment(state.loanId, payment, loan.version, self.now())
                return _posted(loan, payment)
            except Conflict:
                backoff(attempt)
        raise PostingContention(
            f"loan {state.loanId} kept changing; repayment {state.repaymentId} not posted yet"
        )

    def restore_line(self, state: RepaymentState) -> Ended:
        """Give repaid principal back to the revolving line and reopen a frozen line the
        repayment cured (`reopen_if_cured`), then end the request SUCCEEDED. Idempotent on the
        repayment id."""
        if state.posted is None:
            raise Conflict(f"repayment {state.repaymentId} is not posted")
        t = _terms(state)
        line = None
        if state.posted.principalFen:
            line = self.lines.restore(
                t.userId, state.posted.principalFen, state.repaymentId, state.loanId
            )
        self._reopen_if_cured(state.loanId, t, line)
        r = self.requests.end_repayment(
            state.loanId, state.repaymentId, SUCCEEDED, None, self.now()
        )
        return Ended(status=r.status, failure=r.failure)

    def _reopen_if_cured(self, loan_id: str, t: RepaymentTerms, line: CreditLine | None) -> None:
        line = line if line is not None else self.lines.get_line(t.userId)
        if line is None or line.status != LINE_FROZEN:
            return  # the common case: nothing more read
        # The repaid loan read consistently (the user index may not show this posting yet on
        # AWS), the borrower's other loans by the index.
        loan = self.loans.get(loan_id)
        others = [r for r in self.loans.for_user(t.userId) if r.loan_id != loan_id]
        day = posting_day(loan, date.fromisoformat(t.on))
        try:
            reopen_if_cured(self.lines, line, [loan, *others], day, self.now())
        except Conflict:
            # The line kept moving under the thaw: the repayment is booked all the same, and
            # tonight's close thaws the line from the loans as they stand.
            log.warning("line of user %s not reopened after loan %s's repayment", t.userId, loan_id)

    def record_failure(self, state: RepaymentState) -> Ended:
        """FAILED when no money was taken, and its reservation released; STUCK (an operator
        books it, which releases the reservation) when it was."""
        taken = settled(self.rail, collect_key(state.repaymentId))
        if not taken:
            # Nothing was taken: the amount reserved at admission is free again. A STUCK
            # repayment keeps it (the money is at our side; booking it drops the reservation).
            self.loans.release_repayment(state.loanId, state.repaymentId)
        r = self.requests.end_repayment(
            state.loanId,
            state.repaymentId,
            STUCK if taken else FAILED,
            state.error_name() or "Unknown",
            self.now(),
        )
        return Ended(status=r.status, failure=r.failure)

    def notify_borrower(self, state: RepaymentState) -> Notified:
        """Tell the borrower how the debit went, once its outcome is recorded: 'collected'
        after Restore Line, 'collection failed' after Record Failure when the bank declined
        (nothing for a failure of ours: the repayment shows FAILED or PENDING). Stored once
        per repayment; NotificationsNotPublished while the bus refuses, so the retry sends
        only what it refused."""
        told = outcome_notifications(state)
        d = self.notify(told)
        if d.unpublished:
            raise NotificationsNotPublished(f"not on the bus yet: {', '.join(d.unpublished)}")
        return Notified(sent=len(told), stored=d.stored, published=d.published)


def auto_debit_amount(
    loan: LoanRecord, repayment_id: str, ordered_fen: int, on: date
) -> tuple[int, str | None]:
    """An auto-debit asks again, when it runs, what is due that day: never more than it was
    ordered for, less what the borrower paid since or is paying now (their repayments under way
    hold it); and the day it is tried again if it falls short. NothingToCollect when nothing is
    left to take."""
    st = standing_on(loan, on)
    others = sum(a for rid, a in loan.reservations if rid != repayment_id)
    amount = min(ordered_fen, (st.due_fen if st is not None else 0) - others)
    if st is None or amount <= 0:
        raise NothingToCollect(f"auto-debit {repayment_id}: nothing is due any more")
    return amount, next_retry_day(st.as_of, st.dpd).isoformat()


def outcome_notifications(state: RepaymentState) -> tuple[Notification, ...]:
    t = state.quote
    if t is None:
        return ()
    told = (t.userId, state.loanId, state.repaymentId, date.fromisoformat(t.on), t.amountFen)
    # an auto-debit that falls short says when it is tried again
    retry = date.fromisoformat(t.nextAttempt) if t.nextAttempt else None
    if state.restored is not None and state.restored.status == SUCCEEDED:
        collected = state.collection.amountFen if state.collection else t.amountFen
        return repayment_notifications(*told, collected, retry)
    declined = state.error_name() == "CollectionDeclined"
    if state.result is not None and state.result.status == FAILED and declined:
        return repayment_notifications(*told, 0, retry)
    return ()


def _posted(loan: LoanRecord, payment: Payment) -> Posted:
    return Posted(
        status=loan.status,
        principalFen=payment.principal_fen,
        interestFen=payment.interest_fen,
        penaltyFen=payment.penalty_fen,
        suspenseFen=payment.amount_fen
        - payment.principal_fen
        - payment.interest_fen
        - payment.penalty_fen,
    )

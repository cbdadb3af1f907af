"""The steps of statemachines/disbursement.asl.json, one method each.

    Start Draw -> Reserve Line -> Create Contract -> Pay Out -> Post Ledger -> Loan Active
    a refused payout: Void Contract -> Release Line -> Record Failure

Each step is safe under Step Functions retries: run again with the same input, it returns the
same answer and moves no more money. Reserve Line reads the draw request and hands its terms on
(handoffs.DrawState); the rest work from the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..errors import Conflict, NotFound, PayoutDeclined, PayoutOutcomeUnknown, Unprocessable
from ..lines.port import CreditLines
from ..loans.port import ACTIVE, CLOSED, VOID, LoanRecord, Loans
from ..money.schedule import ACTUAL_360, HALF_UP, build_schedule
from ..rail.port import DECLINED, Rail
from .bank import account_ref, payout_key, settled, transfer_once
from .handoffs import Booked, Contract, DrawState, DrawTerms, Ended, Transfer
from .requests.port import FAILED, STUCK, MoneyRequests


def _terms(state: DrawState) -> DrawTerms:
    if state.draw is None:
        raise Conflict(f"loan {state.loanId}: the draw's terms are not in the state")
    return state.draw


@dataclass
class DisbursementSteps:
    requests: MoneyRequests
    lines: CreditLines
    loans: Loans
    rail: Rail
    now: Callable[[], str]

    def reserve_line(self, state: DrawState) -> DrawTerms:
        """Hold the draw's amount on the line (one conditional write with its journal entry);
        Unprocessable if the line has too little. Hands the draw's terms on."""
        d = self.requests.get_draw(state.loanId)
        if d is None:
            raise NotFound(f"no draw request for loan {state.loanId}")
        self.lines.reserve(d.user_id, d.loan_id, d.amount_fen)
        return DrawTerms(
            userId=d.user_id,
            amountFen=d.amount_fen,
            termMonths=d.term_months,
            method=d.method,
            startDate=d.start,
            apr=str(d.apr),
        )

    def create_contract(self, state: DrawState) -> Contract:
        """Write the PENDING contract with its schedule, at the APR the borrower was shown when
        drawing. Actual/360: servicing accrues daily at APR/360, so an installment paid on its
        due date clears exactly what the schedule shows. Idempotent on the loan id."""
        t = _terms(state)
        try:
            schedule = build_schedule(
                t.amountFen,
                Decimal(t.apr),
                t.termMonths,
                date.fromisoformat(t.startDate),
                t.method,
                ACTUAL_360,
                HALF_UP,
            )
        except ValueError as exc:
            raise Unprocessable(str(exc)) from exc
        loan = self.loans.create(
            LoanRecord.from_schedule(
                state.loanId, t.userId, schedule, account_ref(t.userId), self.now()
            )
        )
        return Contract(status=loan.status)

    def pay_out(self, state: DrawState) -> Transfer:
        """Send the principal. Raises PayoutDeclined (compensate) or PayoutOutcomeUnknown
        (the retry asks the bank before anything is sent again)."""
        t = _terms(state)
        key = payout_key(state.loanId)
        r = transfer_once(
            self.rail,
            key,
            lambda: self.rail.payout(key, account_ref(t.userId), t.amountFen),
            PayoutOutcomeUnknown,
        )
        if r.status == DECLINED:
            raise PayoutDeclined(f"payout {key} declined: {r.reason}")
        return Transfer(status="settled", amountFen=r.amount_fen)

    def post_ledger(self, state: DrawState) -> Booked:
        """Book the settled payout: the disbursement entry, the outstanding principal and
        ACTIVE, in one transaction. Only after Pay Out saw the money settle."""
        if state.payout is None or state.payout.status != "settled":
            raise PayoutOutcomeUnknown(f"no settled payout for loan {state.loanId} in the state")
        return Booked(status=self.loans.disburse(state.loanId, self.now()).status)

    # --- compensation: only while no money went out -------------------------------------

    def void_contract(self, state: DrawState) -> Booked:
        """PENDING -> VOID. Refused (Conflict) once money went out."""
        if settled(self.rail, payout_key(state.loanId)):
            raise Conflict(f"loan {state.loanId} was paid out; it is not voided")
        try:
            return Booked(status=self.loans.void(state.loanId, self.now()).status)
        except NotFound:
            return Booked(status=VOID)  # the contract was never written

    def release_line(self, state: DrawState) -> Booked:
        """Give the reservation back. Refused (Conflict) once money went out."""
        d = self.requests.get_draw(state.loanId)
        if d is None:
            raise NotFound(f"no draw request for loan {state.loanId}")
        try:
            loan = self.loans.get(state.loanId)
            if loan.status in (ACTIVE, CLOSED):
                raise Conflict(f"loan {state.loanId} is {loan.status}; its credit is not released")
        except NotFound:
            pass  # the contract was never written: the reservation alone is undone
        if settled(self.rail, payout_key(state.loanId)):
            raise Conflict(f"loan {state.loanId} was paid out; its credit is not released")
        self.lines.release(d.user_id, state.loanId)
        return Booked(status="RELEASED")

    def record_failure(self, state: DrawState) -> Ended:
        """FAILED when no money left; STUCK (an operator books it) when the payout settled."""
        status = STUCK if settled(self.rail, payout_key(state.loanId)) else FAILED
        d = self.requests.end_draw(
            state.loanId, status, state.error_name() or "Unknown", self.now()
        )
        return Ended(status=d.status, failure=d.failure)

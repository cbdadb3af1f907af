"""Finishing what the bank already settled: a draw or repayment left STUCK (money moved, then a
later step failed for good: a bug, an outage) is booked by the same idempotent steps the
workflow runs, then marked resolved. Safe to run twice; refuses anything whose money did not
move (that is a FAILED request, not a stuck one).

Used by `lending ops resolve-stuck` and `POST /v1/ops/stuck/resolve` (ops only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import Conflict, NotFound
from ..rail.port import Rail
from .bank import collect_key, payout_key, settled
from .disbursement import DisbursementSteps
from .handoffs import DrawState, DrawTerms, RepaymentState, RepaymentTerms, Transfer
from .repayment import RepaymentSteps
from .requests.port import RESOLVED, STUCK, SUCCEEDED, MoneyRequests


@dataclass
class StuckResolver:
    requests: MoneyRequests
    rail: Rail
    disbursement: DisbursementSteps
    repayment: RepaymentSteps
    now: Callable[[], str]

    def resolve_repayment(self, loan_id: str, repayment_id: str) -> dict[str, Any]:
        r = self.requests.get_repayment(loan_id, repayment_id)
        if r is None:
            raise NotFound(f"repayment {repayment_id} of loan {loan_id} not found")
        if r.status != STUCK:
            return {"repaymentId": repayment_id, "status": r.status, "resolved": False}
        if not settled(self.rail, collect_key(repayment_id)):
            raise Conflict(f"repayment {repayment_id}: the bank took nothing; it is not stuck")
        state = RepaymentState(
            loanId=loan_id,
            repaymentId=repayment_id,
            # the post and the restore read only who and which day: no allocation is reused
            quote=RepaymentTerms(
                userId=r.user_id,
                amountFen=r.amount_fen,
                on=r.on,
                penaltyFen=0,
                interestFen=0,
                principalFen=0,
            ),
        )
        posted = self.repayment.post_repayment(state)
        self.repayment.restore_line(state.model_copy(update={"posted": posted}))
        ended = self.requests.end_repayment(
            loan_id, repayment_id, SUCCEEDED, None, self.now(), from_status=STUCK
        )
        return {"repaymentId": repayment_id, "status": ended.status, "resolved": True}

    def resolve_draw(self, loan_id: str) -> dict[str, Any]:
        d = self.requests.get_draw(loan_id)
        if d is None:
            raise NotFound(f"loan {loan_id} not found")
        if d.status != STUCK:
            return {"loanId": loan_id, "status": d.status, "resolved": False}
        if not settled(self.rail, payout_key(loan_id)):
            raise Conflict(f"loan {loan_id}: the bank paid nothing out; it is not stuck")
        state = DrawState(
            loanId=loan_id,
            draw=DrawTerms(
                userId=d.user_id,
                amountFen=d.amount_fen,
                termMonths=d.term_months,
                method=d.method,
                startDate=d.start,
                apr=str(d.apr),
            ),
            payout=Transfer(status="settled", amountFen=d.amount_fen),
        )
        booked = self.disbursement.post_ledger(state)
        self.requests.end_draw(loan_id, RESOLVED, None, self.now(), from_status=STUCK)
        return {"loanId": loan_id, "status": booked.status, "resolved": True}

"""Auto-debit: a collection order of the close of business (money/collections.py) started as a
repayment, on the one collection path (statemachines/repayment.asl.json).

The repayment id, and so the execution name and the bank's key, is the order's own
`auto-{loanId}-{YYYYMMDD}-{attempt}`: a re-run of the night places nothing twice. It is admitted
as a borrower's repayment is (`borrowing.repayment.admit`: a reservation on the loan, within the
payoff), asking what is due less what the borrower's own repayments under way already hold, so
the two never collect the same money twice; Quote Repayment asks again what is due before the
debit (a payment made in between lowers it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..borrowing.repayment import admit
from ..borrowing.requests.port import PENDING, MoneyRequests, Repayment
from ..errors import Conflict, Unprocessable
from ..loans.port import LoanRecord, Loans
from ..money.collections import CollectionOrder
from ..workflows.port import Workflows

log = logging.getLogger(__name__)

STARTED, RAN_ALREADY, COVERED, REFUSED = "STARTED", "RAN_ALREADY", "COVERED", "REFUSED"


@dataclass
class AutoDebits:
    requests: MoneyRequests
    loans: Loans
    workflows: Workflows
    repayment_arn: str
    now: Callable[[], str]

    def place(self, order: CollectionOrder, loan: LoanRecord) -> str:
        """Start the debit `order` asks for (`loan`: the record as last read). STARTED (or
        started before and still running), RAN_ALREADY (it ended: nothing again), COVERED (the
        borrower's own repayments under way hold what is due), REFUSED (the loan no longer
        takes it: paid off or changed; logged)."""
        rid = order.repayment_id
        existing = self.requests.get_repayment(order.loan_id, rid)
        if existing is not None and existing.status != PENDING:
            return RAN_ALREADY
        if existing is None:
            held = loan.reservation(rid)  # admitted by an attempt that stopped before recording
            others = sum(a for r, a in loan.reservations if r != rid)
            amount = held if held is not None else order.amount_fen - others
            if amount <= 0:
                return COVERED
            try:
                admit(
                    self.loans,
                    loan_id=order.loan_id,
                    repayment_id=rid,
                    amount_fen=amount,
                    on=order.on.isoformat(),
                    read=loan,
                )
            except (Conflict, Unprocessable) as exc:
                log.info("auto-debit %s not placed: %s", rid, exc)
                return REFUSED
            try:
                self.requests.add_repayment(
                    Repayment(
                        rid, order.loan_id, order.user_id, amount, order.on.isoformat(), self.now()
                    )
                )
            except Conflict:
                pass  # recorded by an earlier attempt of this night
        # Starting a name that exists is not an error: an attempt that stopped after starting it.
        self.workflows.start(self.repayment_arn, rid, {"loanId": order.loan_id, "repaymentId": rid})
        return STARTED

"""The workflow side: each step reads its request by id and runs one `money_services` step.

Steps return ids, statuses and codes only; amounts in a repayment quote are integers of fen
(no personal data ever enters an execution's history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import money_services as svc
from ..errors import NotFound
from ..rail.port import SETTLED
from .requests import FAILED, STUCK, SUCCEEDED, Draw, MoneyRequests, Repayment


def account_ref(user_id: str) -> str:
    """The borrower's bound debit card at the rail. Card binding is not modelled yet: the
    sandbox bank knows every user by this reference."""
    return f"card-{user_id}"


@dataclass
class MoneySteps:
    ports: svc.MoneyPorts
    requests: MoneyRequests
    now: Callable[[], str]

    def _draw(self, loan_id: str) -> Draw:
        d = self.requests.get_draw(loan_id)
        if d is None:
            raise NotFound(f"no draw request for loan {loan_id}")
        return d

    def _repayment(self, loan_id: str, repayment_id: str) -> Repayment:
        r = self.requests.get_repayment(loan_id, repayment_id)
        if r is None:
            raise NotFound(f"no repayment request {repayment_id}")
        return r

    # --- disbursement ----------------------------------------------------------------------

    def reserve_line(self, loan_id: str) -> dict[str, Any]:
        d = self._draw(loan_id)
        svc.reserve_line(self.ports, user_id=d.user_id, loan_id=loan_id, amount_fen=d.amount_fen)
        return {"loanId": loan_id, "reserved": True}

    def create_contract(self, loan_id: str) -> dict[str, Any]:
        d = self._draw(loan_id)
        out = svc.create_contract(
            self.ports,
            loan_id=loan_id,
            user_id=d.user_id,
            amount_fen=d.amount_fen,
            months=d.term_months,
            start=d.start,
            account_ref=account_ref(d.user_id),
            method=d.method,
        )
        return {"loanId": loan_id, "status": out["status"]}

    def pay_out(self, loan_id: str) -> dict[str, Any]:
        out = svc.pay_out(self.ports, loan_id=loan_id)
        return {"loanId": loan_id, "payout": out["payout"]}

    def post_ledger(self, loan_id: str) -> dict[str, Any]:
        return {"loanId": loan_id, "status": svc.post_ledger(self.ports, loan_id=loan_id)["status"]}

    def activate_loan(self, loan_id: str) -> dict[str, Any]:
        return {
            "loanId": loan_id,
            "status": svc.activate_loan(self.ports, loan_id=loan_id)["status"],
        }

    def void_contract(self, loan_id: str) -> dict[str, Any]:
        return {
            "loanId": loan_id,
            "status": svc.void_contract(self.ports, loan_id=loan_id)["status"],
        }

    def release_line(self, loan_id: str) -> dict[str, Any]:
        d = self._draw(loan_id)
        svc.release_line(self.ports, user_id=d.user_id, loan_id=loan_id)
        return {"loanId": loan_id, "released": True}

    def record_draw_failure(self, loan_id: str, error: str | None) -> dict[str, Any]:
        """FAILED when no money left; STUCK (an operator books it) when the payout settled."""
        paid = self.ports.rail.status(svc.payout_key(loan_id))
        status = STUCK if paid is not None and paid.status == SETTLED else FAILED
        d = self.requests.end_draw(loan_id, status, error or "Unknown", self.now())
        return {"loanId": loan_id, "status": d.status, "failure": d.failure}

    # --- repayment -------------------------------------------------------------------------

    def quote_repayment(self, loan_id: str, repayment_id: str) -> dict[str, Any]:
        r = self._repayment(loan_id, repayment_id)
        q = svc.quote_repayment(self.ports, loan_id=loan_id, amount_fen=r.amount_fen, on=r.on)
        return {
            k: q[k] for k in ("loanId", "amountFen", "penaltyFen", "interestFen", "principalFen")
        } | {"repaymentId": repayment_id}

    def collect_repayment(self, loan_id: str, repayment_id: str) -> dict[str, Any]:
        r = self._repayment(loan_id, repayment_id)
        out = svc.collect_repayment(
            self.ports, loan_id=loan_id, repayment_id=repayment_id, amount_fen=r.amount_fen
        )
        return {"loanId": loan_id, "repaymentId": repayment_id, "collect": out["collect"]}

    def post_repayment(self, loan_id: str, repayment_id: str) -> dict[str, Any]:
        r = self._repayment(loan_id, repayment_id)
        out = svc.post_repayment(self.ports, loan_id=loan_id, repayment_id=repayment_id, on=r.on)
        return {
            "loanId": loan_id,
            "repaymentId": repayment_id,
            "status": out["status"],
            "principalFen": out["principalFen"],
            "interestFen": out["interestFen"],
        }

    def restore_line(self, loan_id: str, repayment_id: str) -> dict[str, Any]:
        out = svc.restore_line(self.ports, loan_id=loan_id, repayment_id=repayment_id)
        self.requests.end_repayment(loan_id, repayment_id, SUCCEEDED, None, self.now())
        return {"loanId": loan_id, "repaymentId": repayment_id, "restoredFen": out["restoredFen"]}

    def record_repayment_failure(
        self, loan_id: str, repayment_id: str, error: str | None
    ) -> dict[str, Any]:
        """FAILED when no money was taken, and its reservation released; STUCK (an operator
        books it, which releases the reservation) when it was."""
        taken = self.ports.rail.status(svc.collect_key(repayment_id))
        status = STUCK if taken is not None and taken.status == SETTLED else FAILED
        if status == FAILED:
            # Nothing was taken: the amount reserved at admission is free again. A STUCK
            # repayment keeps it (the money is at our side; booking it drops the reservation).
            svc.release_repayment(self.ports, loan_id=loan_id, repayment_id=repayment_id)
        r = self.requests.end_repayment(
            loan_id, repayment_id, status, error or "Unknown", self.now()
        )
        return {
            "loanId": loan_id,
            "repaymentId": repayment_id,
            "status": r.status,
            "failure": r.failure,
        }

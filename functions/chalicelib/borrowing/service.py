"""What the mobile API does with an open line: draw, read loans, quote a payoff, repay.

Checks made here are for a clear 4xx up front; the workflows enforce the same rules again
(the line reservation is a conditional write, the repayment quote re-checks the payoff), so a
race between two requests can never lend more than the line. A repayment is admitted by
reserving its amount on the loan (a conditional write that holds while reserved and unbooked
amounts fit within the payoff), so racing repayments can never take more than is owed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..amounts import fen_to_yuan
from ..clock import iso, utcnow
from ..errors import Conflict, InvalidRequest, NotFound, ServiceUnavailable, Unprocessable
from ..lines.freeze import LINE_ACTIVE, LINE_FROZEN, line_effect
from ..lines.port import CreditLines
from ..lines.servicing import standings
from ..loans.port import REPAYABLE, LoanRecord, Loans
from ..money.servicing import position
from ..workflows.port import Workflows
from .repayment import admit
from .requests.port import FAILED, PENDING, Draw, MoneyRequests, Repayment
from .views import loan_view, repayment_view


def _now() -> str:
    return iso(utcnow())


@dataclass(frozen=True)
class Borrow:
    """A draw as the API received it, in the domain's terms."""

    amount_fen: int
    term_months: int
    method: str


@dataclass
class BorrowingService:
    lines: CreditLines
    loans: Loans
    requests: MoneyRequests
    workflows: Workflows
    disbursement_arn: str
    repayment_arn: str
    today: Callable[[], date]  # the business date (wiring: Container.clock)
    now: Callable[[], str] = field(default=_now)

    # --- draws -----------------------------------------------------------------------------

    def draw(self, user_id: str, cmd: Borrow, loan_id: str) -> Draw:
        """Record the draw request (the id comes from the Idempotency-Key's claim, so a repeat
        creates nothing new) and start its disbursement."""
        line = self.lines.get_line(user_id)
        if line is None:
            raise Conflict("no credit line yet: accept an offer first")
        # Two checks, on purpose. The line's own status is what the close of business set
        # (LineServicing): FROZEN stays until a repayment cures the last overdue loan (its
        # Restore Line step) or a close sees nothing overdue, and the Reserve Line step
        # refuses a line that is not ACTIVE anyway, so it is refused here first with the
        # reason the close recorded. The live standing of the loans catches what no close
        # has seen yet: an installment unpaid at midnight is overdue this morning, before
        # tonight's close freezes the line.
        today = self.today()
        if line.status == LINE_FROZEN:
            raise Conflict(
                "your credit line is frozen: "
                + (line.status_reason or "a loan is overdue.")
                + " A repayment of what is due reopens it when it is booked (at the latest, at"
                " that night's close of business).",
                reason="LINE_FROZEN",
            )
        effect = line_effect(line.status, standings(self.loans.for_user(user_id), today))
        if effect.status == LINE_FROZEN:
            raise Conflict(
                "your credit line is frozen: " + " ".join(r.text for r in effect.reasons),
                reason="LINE_FROZEN",
            )
        if effect.status != LINE_ACTIVE:
            raise Conflict(f"your credit line is {line.status}")
        if cmd.amount_fen > line.available_fen:
            raise Unprocessable(
                f"amount {fen_to_yuan(cmd.amount_fen)} exceeds the available credit "
                f"{fen_to_yuan(line.available_fen)}",
                field="amount",
            )
        draw = Draw(
            loan_id=loan_id,
            user_id=user_id,
            amount_fen=cmd.amount_fen,
            term_months=cmd.term_months,
            method=cmd.method,
            start=today.isoformat(),
            # the rate the borrower sees on their line now is the rate of this contract
            apr=line.apr,
            created_at=self.now(),
        )
        try:
            self.requests.add_draw(draw)
        except Conflict:
            # A retry resuming an attempt that wrote the request and failed before its answer
            # (http.idempotent hands the retry the same id): the same draw goes on.
            if not self.exists(user_id, loan_id):
                raise
            return draw
        try:
            self._start_draw(draw.loan_id)
        except Exception as exc:
            self.requests.end_draw(draw.loan_id, FAILED, "WorkflowUnavailable", self.now())
            raise ServiceUnavailable(
                "the lending service is unavailable; retry with the same Idempotency-Key"
            ) from exc
        return draw

    def _start_draw(self, loan_id: str) -> None:
        # Execution name = loan id: Step Functions starts one execution per name, so a second
        # start is the same execution; the input carries ids only, Reserve Line reads the terms.
        self.workflows.start(self.disbursement_arn, loan_id, {"loanId": loan_id})

    def _start_repayment(self, loan_id: str, repayment_id: str) -> None:
        self.workflows.start(
            self.repayment_arn, repayment_id, {"loanId": loan_id, "repaymentId": repayment_id}
        )

    def _owned(self, user_id: str, loan_id: str) -> tuple[Draw, LoanRecord | None]:
        draw = self.requests.get_draw(loan_id)
        # Another user's loan is indistinguishable from a missing one.
        if draw is None or draw.user_id != user_id:
            raise NotFound(f"loan {loan_id} not found")
        try:
            return draw, self.loans.get(loan_id)
        except NotFound:
            return draw, None

    def get(self, user_id: str, loan_id: str) -> dict[str, Any]:
        draw, loan = self._owned(user_id, loan_id)
        return loan_view(draw, loan, self.requests.repayments(loan_id), self.today())

    def list(self, user_id: str) -> list[dict[str, Any]]:
        loans = {loan.loan_id: loan for loan in self.loans.for_user(user_id)}
        today = self.today()
        views = []
        for d in sorted(
            self.requests.draws_for_user(user_id),
            key=lambda d: (d.created_at, d.loan_id),
            reverse=True,
        ):
            view = loan_view(d, loans.get(d.loan_id), [], today)
            del view["repayments"]  # one query per loan; GET /v1/loans/{id} has them
            views.append(view)
        return views

    def _active(self, user_id: str, loan_id: str) -> LoanRecord:
        """A loan money can still be paid into: lent and not closed (an overdue or written-off
        loan is still owed)."""
        _, loan = self._owned(user_id, loan_id)
        if loan is None:
            raise Conflict(f"loan {loan_id} is not active: its money has not been lent")
        if loan.status not in REPAYABLE:
            # the same words as the repayment workflow's admission, whichever sees it first
            raise Conflict(f"loan {loan_id} is {loan.status}")
        return loan

    def _as_of(self, loan: LoanRecord) -> date:
        today = self.today()
        return max(today, loan.payments[-1].on) if loan.payments else today

    def payoff_quote(self, user_id: str, loan_id: str, on: str | None) -> dict[str, Any]:
        loan = self._active(user_id, loan_id)
        earliest = self._as_of(loan)
        if on is None:
            day = earliest
        else:
            try:
                # fromisoformat alone also takes "20261215" and "2026-W50-2"; the document says
                # YYYY-MM-DD
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", on):
                    raise ValueError(on)
                day = date.fromisoformat(on)
            except ValueError:
                raise InvalidRequest("date must be YYYY-MM-DD", field="date") from None
            if day < earliest:
                raise InvalidRequest(f"date must be {earliest.isoformat()} or later", field="date")
            if day > loan.due_dates[-1] + timedelta(days=366):
                raise InvalidRequest(
                    "date is more than a year after the last due date", field="date"
                )
        pos = position(loan.servicing(), day)
        return {
            "loanId": loan_id,
            "date": day.isoformat(),
            "payoff": fen_to_yuan(pos.payoff_fen),
            "principal": fen_to_yuan(pos.outstanding_principal_fen),
            "interest": fen_to_yuan(pos.interest_fen),
            "penalty": fen_to_yuan(pos.penalty_fen),
        }

    # --- repayments ------------------------------------------------------------------------

    def exists(self, user_id: str, loan_id: str) -> bool:
        """Whether the draw request is written. A request still PENDING has its workflow
        started (again: the same execution), since the attempt that wrote it may have failed
        before starting it: a repeated request finishes what its first attempt began."""
        d = self.requests.get_draw(loan_id)
        if d is None or d.user_id != user_id:
            return False
        if d.status == PENDING:
            self._start_draw(loan_id)
        return True

    def repayment_exists(self, loan_id: str, repayment_id: str) -> bool:
        """Whether the repayment request is written (a PENDING one's workflow started, as for
        draws)."""
        r = self.requests.get_repayment(loan_id, repayment_id)
        if r is None:
            return False
        if r.status == PENDING:
            self._start_repayment(loan_id, repayment_id)
        return True

    def repay(self, user_id: str, loan_id: str, amount_fen: int, repayment_id: str) -> Repayment:
        """Admit and record the repayment (its id comes from the Idempotency-Key's claim) and
        start its workflow."""
        if amount_fen <= 0:
            raise InvalidRequest("amount must be positive", field="amount")
        loan = self._active(user_id, loan_id)
        day = self._as_of(loan)
        rep = Repayment(repayment_id, loan_id, user_id, amount_fen, day.isoformat(), self.now())
        # Admission: reserve the amount against the loan, one conditional write. Reserved and
        # not yet booked never exceeds the payoff, however many requests race (422 if it would).
        admit(
            self.loans,
            loan_id=loan_id,
            repayment_id=rep.repayment_id,
            amount_fen=amount_fen,
            on=rep.on,
            read=loan,
        )
        try:
            self.requests.add_repayment(rep)
        except Conflict:
            # A retry resuming an attempt that wrote the request (see draw): it goes on.
            if not self.repayment_exists(loan_id, rep.repayment_id):
                raise
            return rep
        except Exception:
            # An answer lost may have come from a write that landed: then the hold stays with
            # its request (the retry with the key starts its workflow); else it is released.
            if self._surely_unwritten(loan_id, rep.repayment_id):
                self.loans.release_repayment(loan_id, rep.repayment_id)
            raise
        try:
            self._start_repayment(loan_id, rep.repayment_id)
        except Exception as exc:
            self.loans.release_repayment(loan_id, rep.repayment_id)
            self.requests.end_repayment(
                loan_id, rep.repayment_id, FAILED, "WorkflowUnavailable", self.now()
            )
            raise ServiceUnavailable(
                "the lending service is unavailable; retry with the same Idempotency-Key"
            ) from exc
        return rep

    def _surely_unwritten(self, loan_id: str, repayment_id: str) -> bool:
        try:
            return self.requests.get_repayment(loan_id, repayment_id) is None
        except Exception:
            return False  # cannot tell: keep the hold, the retry resumes

    def get_repayment(self, user_id: str, loan_id: str, repayment_id: str) -> dict[str, Any]:
        _, loan = self._owned(user_id, loan_id)
        rep = self.requests.get_repayment(loan_id, repayment_id)
        if rep is None:
            raise NotFound(f"repayment {repayment_id} not found")
        return repayment_view(rep, loan)

"""Lines, loans and repayments as the API shows them: yuan strings, rates in percent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..amounts import fen_to_yuan, percent
from ..lines.port import CreditLine, HistoryPage, LineChange
from ..loans.port import DISBURSED, LoanRecord
from ..loans.standing import standing_on
from ..money.servicing import PlanRow, next_row, penalty_rate, plan, position
from ..pricing import daily_rate, daily_rate_percent
from ..reasons import Reason
from .requests.port import FAILED, STUCK, Draw, Repayment

FAILURES = {
    "Unprocessable": Reason("DRAW_EXCEEDS_LINE", "Not enough available credit for this amount."),
    "PayoutDeclined": Reason(
        "PAYOUT_DECLINED", "Your bank refused the transfer. Nothing was lent."
    ),
    "CollectionDeclined": Reason(
        "COLLECTION_DECLINED", "Your bank refused the debit. Nothing was taken."
    ),
}
SYSTEM = Reason(
    "SYSTEM_ERROR", "We could not complete this. Nothing was lent or taken; please retry."
)


def rates(apr: Decimal) -> dict[str, str]:
    return {"apr": percent(apr, places=2), "dailyRate": daily_rate_percent(daily_rate(apr))}


def _day(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def credit_line_view(line: CreditLine) -> dict[str, Any]:
    return {
        "creditLimit": fen_to_yuan(line.limit_fen),
        "available": fen_to_yuan(line.available_fen),
        "drawn": fen_to_yuan(line.drawn_fen),
        **rates(line.apr),
        "grade": line.grade,
        "status": line.status,
        "statusReason": (line.status_reason or None) if line.status != "ACTIVE" else None,
        "nextReviewDate": _day(line.next_review_on),
        "lastReviewedOn": _day(line.last_reviewed_on),
        "applicationId": line.application_id,
    }


def line_change_view(c: LineChange) -> dict[str, Any]:
    return {
        "changeId": c.change_id,
        "kind": c.kind,
        "at": c.at,
        "date": _day(c.on),
        "statusBefore": c.status_before,
        "status": c.status,
        "creditLimitBefore": fen_to_yuan(c.limit_before_fen),
        "creditLimit": fen_to_yuan(c.limit_fen),
        "aprBefore": percent(c.apr_before, places=2),
        **rates(c.apr),
        "gradeBefore": c.grade_before,
        "grade": c.grade,
        "reasons": [r.as_dict() for r in c.reasons],
        "nextReviewDate": _day(c.next_review_on),
    }


def credit_line_detail_view(line: CreditLine, history: HistoryPage) -> dict[str, Any]:
    """GET /v1/credit-line: the line and a page of its history, newest first."""
    return {
        **credit_line_view(line),
        "history": [line_change_view(c) for c in history.items],
        "nextCursor": history.cursor,
    }


def _failure(code: str | None) -> dict[str, str]:
    reason = FAILURES.get(code or "", SYSTEM)
    return {"code": reason.code, "text": reason.text}


def loan_status(draw: Draw, loan: LoanRecord | None, today: date) -> str:
    """PENDING until the money lands; then ACTIVE, OVERDUE (from the day after an unpaid due
    date, as of today), CLOSED, WRITTEN_OFF; FAILED when nothing was lent."""
    st = standing_on(loan, today) if loan is not None else None
    if st is not None:
        return st.status
    if draw.status == FAILED:
        return "FAILED"
    # A VOID contract whose draw is not recorded FAILED yet is still compensating (the line
    # is released next): FAILED shows only once everything is undone. STUCK (money moved, an
    # operator finishes the booking) also shows as PENDING.
    return "PENDING"


def plan_row_view(r: PlanRow) -> dict[str, Any]:
    return {
        "n": r.n,
        "dueDate": r.due_date.isoformat(),
        "status": r.status,
        "principal": fen_to_yuan(r.principal_fen),
        "interest": fen_to_yuan(r.interest_fen),
        "total": fen_to_yuan(r.total_fen),
        "paidPrincipal": fen_to_yuan(r.paid_principal_fen),
        "paidInterest": fen_to_yuan(r.paid_interest_fen),
        "balance": fen_to_yuan(r.balance_fen),
    }


def repayment_view(r: Repayment, loan: LoanRecord | None) -> dict[str, Any]:
    booked = loan.payment(r.repayment_id) if loan is not None else None
    status = r.status
    if status == STUCK:
        status = "PENDING"  # money was taken; an operator finishes the booking
    out: dict[str, Any] = {
        "repaymentId": r.repayment_id,
        "loanId": r.loan_id,
        "status": status,
        "amount": fen_to_yuan(r.amount_fen),
        "date": r.on,
        "createdAt": r.created_at,
        "allocation": None,
        "failure": _failure(r.failure) if r.status == FAILED else None,
    }
    if booked is not None:
        out["allocation"] = {
            "principal": fen_to_yuan(booked.principal_fen),
            "interest": fen_to_yuan(booked.interest_fen),
            "penalty": fen_to_yuan(booked.penalty_fen),
        }
    return out


def loan_view(
    draw: Draw, loan: LoanRecord | None, repayments: list[Repayment], today: date
) -> dict[str, Any]:
    status = loan_status(draw, loan, today)
    st = standing_on(loan, today) if loan is not None else None
    out: dict[str, Any] = {
        "loanId": draw.loan_id,
        "status": status,
        "daysPastDue": st.dpd if st else None,
        "bucket": st.bucket if st else None,
        "amount": fen_to_yuan(draw.amount_fen),
        "termMonths": draw.term_months,
        "method": draw.method,
        "createdAt": draw.created_at,
        "failure": _failure(draw.failure) if status == "FAILED" else None,
        "contract": None,
        "schedule": [],
        "contractSchedule": [],
        "paid": None,
        "outstanding": None,
        "nextDue": None,
        "repayments": [repayment_view(r, loan) for r in repayments],
    }
    if loan is None:
        return out
    balance, contract_rows = loan.principal_fen, []
    for n, (d, p, i) in enumerate(
        zip(loan.due_dates, loan.scheduled_principal, loan.scheduled_interest, strict=False), 1
    ):
        balance -= p
        contract_rows.append(
            {
                "n": n,
                "dueDate": d.isoformat(),
                "principal": fen_to_yuan(p),
                "interest": fen_to_yuan(i),
                "total": fen_to_yuan(p + i),
                "balance": fen_to_yuan(balance),
            }
        )
    out["contractSchedule"] = contract_rows
    # The schedule the borrower pays from now on: re-amortised after prepayments, with paid rows
    # showing what was paid; the same replay as `outstanding` and `nextDue`, so they agree.
    lent = loan.status in DISBURSED
    if lent:
        as_of = max(today, loan.start, *(x.on for x in loan.payments[-1:]))
    else:
        as_of = loan.start  # nothing lent (yet): the contract as it would run
    rows = plan(loan.servicing(), as_of)
    out["schedule"] = [plan_row_view(r) for r in rows]
    penalty = rates(penalty_rate(loan.apr, loan.penalty_multiplier))
    out["contract"] = {
        "principal": fen_to_yuan(loan.principal_fen),
        **rates(loan.apr),
        "dayCount": loan.day_count,
        "startDate": loan.start.isoformat(),
        "firstDueDate": loan.due_dates[0].isoformat(),
        "lastDueDate": loan.due_dates[-1].isoformat(),
        "totalInterest": fen_to_yuan(sum(loan.scheduled_interest)),
        "totalRepayable": fen_to_yuan(loan.principal_fen + sum(loan.scheduled_interest)),
        # Disclosed as rates, not a formula: what an overdue day costs, on top of interest.
        "penaltyApr": penalty["apr"],
        "penaltyDailyRate": penalty["dailyRate"],
    }
    if not lent:
        return out
    paid = loan.payments
    out["paid"] = {
        "principal": fen_to_yuan(sum(p.principal_fen for p in paid)),
        "interest": fen_to_yuan(sum(p.interest_fen for p in paid)),
        "penalty": fen_to_yuan(sum(p.penalty_fen for p in paid)),
    }
    pos = position(loan.servicing(), max(today, paid[-1].on if paid else today))
    out["outstanding"] = {
        "asOf": pos.as_of.isoformat(),
        "principal": fen_to_yuan(pos.outstanding_principal_fen),
        "interest": fen_to_yuan(pos.interest_fen),
        "penalty": fen_to_yuan(pos.penalty_fen),
        "payoff": fen_to_yuan(pos.payoff_fen),
        "daysPastDue": pos.dpd,
    }
    # what is paid next: the plan's first row ahead (servicing.next_due), as the schedule shows it
    nxt = next_row(rows)
    if nxt is not None:
        out["nextDue"] = {
            "date": nxt.due_date.isoformat(),
            "principal": fen_to_yuan(nxt.principal_fen),
            "interest": fen_to_yuan(nxt.interest_fen),
            "total": fen_to_yuan(nxt.total_fen),
        }
    return out
